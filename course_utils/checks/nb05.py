"""Checks for the exercises of ``05_backward_and_glorot.ipynb``.

Four exercises of four kinds: compute the bound of Glorot's uniform initialization
(:func:`check_glorot_uniform_bound`; recognised slips: the variance given for the bound, a
forgotten square root, the normal version's standard deviation, LeCun's or the "standard"
bound), predict the gradient variance at the first layer of an expanding linear net with
Glorot's compromise before measuring it (:func:`check_expanding_gradient_prediction`), change
the initializer of a 10-layer zigzag until the gradients at layers 1 and 10 are within a
factor 2 (:func:`check_zigzag_gradients`, runs the learner's function), and explain why no
variance balances both directions (:func:`check_why_no_variance_balances`). No message
contains the expected value of a compute exercise.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import theory
from course_utils._validation import check_array, check_float, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    compare_choice,
    compare_prediction,
    compare_with_slips,
    exercise,
    hint_function,
    run_experiment,
)

__all__ = [
    "CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS",
    "check_why_no_variance_balances",
    "HINTS",
    "hint",
    "EXPANDING_WIDTHS",
    "ZIGZAG_WIDTHS",
    "check_expanding_gradient_prediction",
    "check_glorot_uniform_bound",
    "check_zigzag_gradients",
    "expanding_gradient_variance",
    "zigzag_gradient_ratio",
]

HINTS = {
    "ex1": (
        "Glorot's normalized init gives Var(W) = 2/(n_in + n_out); a uniform U(-r, r) has "
        "variance r²/3.",
        "r²/3 = 2/(n_in + n_out), so r = sqrt(6/(n_in + n_out)).",
    ),
    "ex2": (
        "Going back through the matrix of a layer multiplies the gradient's variance by "
        "n_out·Var(W); with the compromise, Var(W) = 2/(n_in + n_out). Here n_out = 2·n_in.",
        "n_out·Var(W) = 2·(2 n_in)/(3 n_in) = 4/3 per matrix; from the last layer back to "
        "layer 1 the gradient crosses one matrix fewer than there are layers.",
    ),
    "ex3": (
        "Look at the backward factor n_out·Var(W) of each matrix: which Var(W) makes it 1 "
        "whatever n_in is?",
        'Var(W) = 1/n_out: theory.simulate_variances(widths, "lecun_normal", "identity", '
        'mode="fan_out", ...).',
    ),
    "ex4": (
        "Write the forward and backward factors of one layer in terms of n_in, n_out and Var(W).",
        "Divide the forward factor by the backward one: does Var(W) survive?",
    ),
}
hint = hint_function(HINTS, "nb05")


@exercise("ex1")
def check_glorot_uniform_bound(answer: object, n_in: int = 512, n_out: int = 128) -> Feedback:
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


# ---------------------------------------------------------------------------
# Exercise 2: predict, then run
# ---------------------------------------------------------------------------

EXPANDING_WIDTHS = (100, 200, 400, 800, 1600)
"""Widths of exercise 2's linear network: every layer doubles the width."""


def expanding_gradient_variance() -> float:
    """``Var(dL/dz[1])`` of exercise 2's linear net with ``xavier_normal`` weights, for a
    gradient of variance 1 at the last layer (``theory.simulate_variances``, seed 3)."""
    meas = theory.simulate_variances(
        list(EXPANDING_WIDTHS), "xavier_normal", "identity", m=500, rng=3
    )
    return float(meas["grad_var"][0])


@exercise("ex2")
def check_expanding_gradient_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 2: the learner's prediction of ``Var(dL/dz[1])`` in the expanding net.

    ``measured`` is what the exercise cell measured (recomputed with
    :func:`expanding_gradient_variance` when omitted). A prediction within 15 % of the
    measurement passes; otherwise the message gives the direction and size of the gap, or
    the reasoning that produces such a value (Glorot keeps gradients level, one factor too
    many, the forward factor for the backward one, the fan-in rule's factor 2).
    """
    value = (
        expanding_gradient_variance()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    x = as_float(prediction)
    if x is not None and x <= 0:
        return Feedback(False, "A variance is positive.")
    n_back = len(EXPANDING_WIDTHS) - 2  # matrices between layer 1 and the last layer
    backward = 2.0 * 2 / 3  # n_out Var(W) = 2 n_out / (n_in + n_out) with n_out = 2 n_in
    slips = [
        (
            1.0,
            "Glorot's compromise keeps the gradients level only where n_in = n_out; here every "
            "layer doubles the width, so n_out·Var(W) is not 1.",
        ),
        (
            backward ** (n_back + 1),
            "That counts one matrix too many: the gradient is given at the last layer, and "
            "going back from there to layer 1 crosses one matrix fewer than there are layers.",
        ),
        (
            (1 / backward) ** n_back,
            "That uses the inverse of the backward factor: going back, n_out·Var(W) with "
            "n_out the wider side.",
        ),
        (
            (2 / 3) ** n_back,
            "That uses n_in·Var(W), the forward factor; the backward pass sums over the n_out "
            "units that an input feeds.",
        ),
        (
            2.0**n_back,
            "That is the fan-in rule's backward factor n_out/n_in = 2; the compromise's "
            "Var(W) = 2/(n_in + n_out) shares the mismatch between the directions.",
        ),
    ]
    return compare_prediction(
        prediction,
        value,
        "Var(dL/dz[1])",
        rtol=0.15,
        slips=slips,
        explain="Each matrix has n_out·Var(W) = 2·n_out/(n_in + n_out) = 4/3 backward and "
        "n_in·Var(W) = 2/3 forward: the gradients grow towards the input while the forward "
        "signal shrinks. On non-square layers the compromise keeps neither direction level.",
    )


# ---------------------------------------------------------------------------
# Exercise 3: modify the experiment
# ---------------------------------------------------------------------------

ZIGZAG_WIDTHS = (100, 400) * 5 + (100,)
"""Widths of exercise 3's linear zigzag: 10 layers, 100 -> 400 -> 100 -> ..."""
ZIGZAG_TARGET = (0.5, 2.0)
"""Exercise 3 passes when Var(dL/dz[1]) / Var(dL/dz[10]) lies in this range."""


def zigzag_gradient_ratio(result: object) -> float:
    """``Var(dL/dz[1]) / Var(dL/dz[10])`` from what the learner's ``run(widths)`` returned.

    Raises
    ------
    TypeError, ValueError
        When ``result`` is not a dict with a ``"grad_var"`` entry of one variance per layer
        of the zigzag, as :func:`course_utils.theory.simulate_variances` returns.
    """
    if not isinstance(result, dict) or "grad_var" not in result:
        raise TypeError(
            "the function should return what theory.simulate_variances returns (a dict "
            "with 'grad_var'); its result is not such a dict"
        )
    grad = check_array(result["grad_var"], "the result's grad_var", ndim=1, dtype=np.float64)
    if grad.shape != (len(ZIGZAG_WIDTHS) - 1,):
        raise ValueError(
            f"the result's grad_var should hold one variance per layer "
            f"({len(ZIGZAG_WIDTHS) - 1}); keep the widths the check passes in"
        )
    if np.any(grad <= 0):
        raise ValueError("the result's grad_var should hold variances > 0")
    return float(grad[0] / grad[-1])


@exercise("ex3")
def check_zigzag_gradients(run: object) -> Feedback:
    """Exercise 3: ``run(widths)`` simulates the 10-layer linear zigzag; the check passes
    when the gradient variance at layer 1 is within a factor 2 of that at layer 10."""
    low, high = ZIGZAG_TARGET
    return run_experiment(
        (lambda: run(list(ZIGZAG_WIDTHS))) if callable(run) else run,
        zigzag_gradient_ratio,
        "Var(dL/dz[1]) / Var(dL/dz[10])",
        low=low,
        high=high,
        too_low="The gradient shrinks on its way back: on the zigzag the backward factors "
        "n_out·Var(W) of a 100 -> 400 and a 400 -> 100 layer multiply to less than 1 (the "
        "compromise: 1.6 · 0.4; fan-in: 4 · 1/4, with one factor 1/4 left over). Which rule "
        "makes every backward factor exactly 1?",
        too_high="The gradient grows on its way back: the backward factors n_out·Var(W) are "
        "too large. Which rule makes every one of them exactly 1?",
        on_pass="With Var(W) = 1/n_out every backward factor is 1. On this zigzag the "
        "forward factors 1/4 and 4 cancel in pairs too, but on a funnel the forward signal "
        "would pay for it: Exercise 4 says why no rule can do both.",
    )


CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS = {
    "a": Choice(
        "Because tanh saturates: the backward factor carries E[tanh'(z)²] < 1 and the forward "
        "factor does not, so the two cannot both reach 1.",
        False,
        "No: the argument holds in the linear regime already (identity activation), where neither "
        "factor sees tanh.",
    ),
    "b": Choice(
        "Because Glorot's formula is only a first-order approximation, and its error grows with "
        "the difference between the layer's fan-in and fan-out.",
        False,
        "No: the obstacle is not the formula's accuracy; even the exact factors cannot both be 1.",
    ),
    "c": Choice(
        "The forward factor is n_in·Var(W) and the backward factor n_out·Var(W); their ratio is "
        "n_in/n_out whatever Var(W) is, so when n_in ≠ n_out at most one of them can be 1.",
        True,
        "Yes: Var(W) scales both factors together; the compromise 2/(n_in + n_out) only shares "
        "the mismatch between the two directions.",
    ),
    "d": Choice(
        "Because the network is too deep: each layer adds a small mismatch, and over many layers "
        "they add up to more than a single Var(W) can undo.",
        False,
        "No: the mismatch is there in a single layer with n_in ≠ n_out; depth only multiplies it.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_no_variance_balances(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS)
