"""Checks for the exercises of ``05_backward_and_glorot.ipynb``.

Each check recognises the typical slips of its exercise (the variance given for the bound,
a forgotten square root, a standard-deviation ratio for a variance ratio, the backward
factor for the forward one ...) and says so; otherwise
:func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

from course_utils._validation import check_int
from course_utils.checks import (
    Choice,
    Feedback,
    compare_choice,
    compare_with_slips,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS",
    "check_why_no_variance_balances",
    "HINTS",
    "hint",
    "check_compromise_forward_factor",
    "check_glorot_uniform_bound",
    "check_standard_gradient_ratio",
]

HINTS = {
    "ex1": (
        "Glorot's normalized init gives Var(W) = 2/(n_in + n_out); a uniform U(-r, r) has "
        "variance r²/3.",
        "r²/3 = 2/(n_in + n_out), so r = sqrt(6/(n_in + n_out)).",
    ),
    "ex2": (
        "Going back through one layer multiplies the gradient's variance by n·Var(W); what is "
        "Var(W) for U(-1/sqrt(n), 1/sqrt(n))?",
        "Var(U(-r, r)) = r²/3 = 1/(3n), so each layer multiplies by 1/3: raise it to the "
        "number of layers.",
    ),
    "ex3": (
        "The forward pass sums n_in terms, so its factor is n_in·Var(W).",
        "Var(W) = 2/(n_in + n_out); multiply by n_in.",
    ),
    "ex4": (
        "Write the forward and backward factors of one layer in terms of n_in, n_out and Var(W).",
        "Divide the forward factor by the backward one: does Var(W) survive?",
    ),
}
hint = hint_function(HINTS, "nb05")


@exercise("ex1")
def check_glorot_uniform_bound(answer: object, n_in: int = 784, n_out: int = 300) -> Feedback:
    """Exercise 1: the bound ``r`` of Glorot's uniform initialization ``U(-r, r)``.

    The expected value is ``sqrt(6 / (n_in + n_out))``.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    total = n_in + n_out
    expected = math.sqrt(6.0 / total)
    slips = [
        (2.0 / total, "is the variance 2/(n_in + n_out); the bound r satisfies r²/3 = Var."),
        (
            math.sqrt(2.0 / total),
            "is the standard deviation sqrt(2/(n_in + n_out)) of the normal version; the "
            "uniform bound is sqrt(3) times larger (Var(U(-r, r)) = r²/3).",
        ),
        (6.0 / total, "is r², not r: take the square root."),
        (
            math.sqrt(3.0 / n_in),
            "uses n_in only (LeCun's uniform bound); Glorot's compromise uses n_in + n_out.",
        ),
        (
            1.0 / math.sqrt(n_in),
            "is the bound of the old 'standard' init U(-1/sqrt(n), 1/sqrt(n)).",
        ),
        (
            math.sqrt(6.0) / total,
            "divides sqrt(6) by n_in + n_out; the square root applies to the sum too.",
        ),
    ]
    return compare_with_slips(answer, expected, "r", slips, label="r")


@exercise("ex2")
def check_standard_gradient_ratio(answer: object, n_layers: int = 5) -> Feedback:
    """Exercise 2: ``Var`` of the back-propagated gradient after ``n_layers`` standard layers.

    In the linear regime each layer with ``Var(W) = 1/(3 n)`` multiplies the gradient
    variance by ``n Var(W) = 1/3``: the ratio is ``(1/3) ** n_layers``.
    """
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    expected = 3.0**-n_layers
    slips = [
        (
            3.0 ** (-n_layers / 2),
            "is the ratio of standard deviations, (1/sqrt(3))^L; the question asks for the "
            "variance ratio.",
        ),
        (3.0**n_layers, "is the inverse: the gradient shrinks going backwards."),
        (
            3.0 ** (-(n_layers - 1)),
            f"has one factor 1/3 too few: count {n_layers} layers, one factor each.",
        ),
        (
            3.0 ** (-(n_layers + 1)),
            f"has one factor 1/3 too many: count {n_layers} layers, one factor each.",
        ),
        (n_layers / 3.0, "adds the factors; they multiply: (1/3)^L."),
        (1.0 / 3.0, "is the factor of one layer; L layers multiply L such factors."),
    ]
    return compare_with_slips(answer, expected, "ratio", slips, label="ratio")


@exercise("ex3")
def check_compromise_forward_factor(answer: object, n_in: int = 100, n_out: int = 400) -> Feedback:
    """Exercise 3: the forward factor ``n_in Var(W)`` of Glorot's compromise for a layer.

    With ``Var(W) = 2 / (n_in + n_out)`` it is ``2 n_in / (n_in + n_out)``.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    var = 2.0 / (n_in + n_out)
    expected = n_in * var
    slips = [
        (
            n_out * var,
            "is n_out·Var(W), the factor of the BACKWARD pass; the forward pass sums over the "
            "n_in inputs.",
        ),
        (var, "is Var(W) itself; multiply by the number of terms in the sum, n_in."),
        (1.0, "would hold for Var(W) = 1/n_in; the compromise uses 2/(n_in + n_out)."),
    ]
    return compare_with_slips(answer, expected, "n_in·Var(W)", slips, label="factor")


CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS = {
    "a": Choice(
        "Because tanh saturates.",
        False,
        "No: the argument holds in the linear regime already, without any saturation.",
    ),
    "b": Choice(
        "Because Glorot's formula is only an approximation.",
        False,
        "No: the obstacle is not the formula; no variance at all can do both.",
    ),
    "c": Choice(
        "The forward factor is n_in·Var(W) and the backward factor n_out·Var(W); their ratio is "
        "n_in/n_out whatever Var(W) is, so when n_in ≠ n_out at most one of them can be 1.",
        True,
        "Yes: Var(W) scales both factors together; the compromise 2/(n_in + n_out) only shares the"
        " mismatch between the two directions.",
    ),
    "d": Choice(
        "Because the network is too deep.",
        False,
        "No: the mismatch is there in a single layer with n_in ≠ n_out; depth only multiplies it.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_no_variance_balances(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS)
