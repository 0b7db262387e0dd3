"""Checks for the exercises of ``03_sigmoid_saturation.ipynb``.

Each check first looks for the typical slip of its exercise (a sum instead of a product,
an absolute instead of a relative threshold, the tanh formula used for the logistic
function, the tail approximation used for the exact slope, an off-by-one in softsign's
tail) and says so; otherwise :func:`course_utils.checks.compare_scalar` says in which
direction the answer is off, never what it should be.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils.checks import (
    Choice,
    Feedback,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS",
    "check_why_top_layer_saturates",
    "CHAIN_DEPTH",
    "HINTS",
    "SLOPE_FRACTION",
    "check_chain_bound",
    "check_saturation_threshold",
    "check_softsign_gap",
    "hint",
]

#: Depth of the unit-weight logistic chain of exercise 1.
CHAIN_DEPTH = 6
#: Exercise 2 asks where sigma'(z) falls below this fraction of sigma'(0).
SLOPE_FRACTION = 0.1

HINTS = {
    "ex1": (
        "The chain rule multiplies one factor w_l·sigma'(z_l) per layer; how large can one "
        "factor be?",
        "sigma'(z) is largest at z = 0, where it is 1/4; with unit weights the bound is (1/4)^L.",
    ),
    "ex2": (
        "Divide sigma'(z) by its maximum sigma'(0) = 1/4 and set the ratio to the fraction "
        "asked; the ratio has a closed form in section 1.",
        "sigma'(z)/sigma'(0) = 1/cosh²(z/2): solve cosh²(z/2) = 1/fraction, so "
        "|z| = 2·arccosh(sqrt(1/fraction)). The tail approximation 4e^(-|z|) is not exact here.",
    ),
    "ex3": (
        "For z > 0, 1 - softsign(z) = 1 - z/(1 + z): simplify it first.",
        "1 - z/(1 + z) = 1/(1 + z); set it equal to 0.001 and solve for z.",
    ),
    "ex4": (
        "Which layer gets the largest gradient, and what does its output add to the class scores "
        "at the start?",
        "The logistic function has mean 0.5, not 0: what does W h contribute to each class score "
        "when h is about 0.5 everywhere?",
    ),
}
hint = hint_function(HINTS, "nb03")


@exercise("ex1")
def check_chain_bound(answer: object) -> Feedback:
    """Exercise 1: the largest factor ``|d a_L / d x|`` through ``CHAIN_DEPTH`` logistic
    layers with unit weights: ``(1/4)**CHAIN_DEPTH``."""
    depth = CHAIN_DEPTH
    slips = [
        (
            0.25 * depth,
            f"is {depth} · 1/4: the chain rule MULTIPLIES one factor sigma'(z) <= 1/4 per layer.",
        ),
        (4.0**depth, "is 4^L; each layer multiplies by at most 1/4, not 4."),
        (0.25 ** (depth - 1), f"has one factor 1/4 too few: count one per layer, {depth} in all."),
        (0.25 ** (depth + 1), f"has one factor 1/4 too many: count one per layer, {depth} in all."),
        (
            0.5**depth,
            "uses 1/2 per layer: sigma(0) = 1/2 is the value, the largest derivative is "
            "sigma'(0) = 1/4.",
        ),
    ]
    return compare_scalar(answer, 0.25**depth, "largest factor", slips=slips)


@exercise("ex2")
def check_saturation_threshold(answer: object) -> Feedback:
    """Exercise 2: the ``|z|`` beyond which ``sigma'(z) < SLOPE_FRACTION sigma'(0)``:
    ``2 arccosh(sqrt(1 / SLOPE_FRACTION))``."""
    fraction = SLOPE_FRACTION
    expected = signals.derivative_threshold("logistic", fraction)
    slips = [
        (-expected, "is negative: give the distance |z| from 0 (sigma' is even)."),
        (
            2.0 * math.acosh(1.0 / math.sqrt(fraction / 0.25)),
            "solves sigma'(z) = 0.1 in absolute terms; the threshold is 10% of sigma'(0) = 1/4.",
        ),
        (
            signals.derivative_threshold("tanh", fraction),
            "is the tanh threshold; for the logistic function sigma'(z)/sigma'(0) = "
            "1/cosh²(z/2), with a factor 1/2 in the argument.",
        ),
        (
            math.log(4.0 / fraction),
            "is ln 40, from the tail approximation 4e^(-|z|): it is accurate only far in the "
            "tail; solve 1/cosh²(z/2) = 0.1 exactly.",
        ),
        (
            2.0 * math.acosh(1.0 / fraction),
            "solves cosh(z/2) = 10; the ratio is 1/cosh²(z/2): take the square root of 10.",
        ),
    ]
    return compare_scalar(answer, expected, "|z|", slips=slips)


@exercise("ex3")
def check_softsign_gap(answer: object) -> Feedback:
    """Exercise 3: the ``|z|`` at which softsign comes within 0.001 of its asymptote:
    ``1 / (1 + |z|) = 0.001``."""
    gap = 1e-3
    slips = [
        (math.atanh(1.0 - gap), "is where tanh gets that close; softsign needs far more."),
        (1.0 / gap, "is off by one: 1 - softsign(z) = 1 / (1 + |z|)."),
        (
            1.0 / math.sqrt(gap) - 1.0,
            "makes the DERIVATIVE 1/(1 + |z|)² equal 0.001; the question is about the "
            "value's distance 1 - |softsign(z)|.",
        ),
        (-(1.0 / gap - 1.0), "is negative: give the distance |z| from 0."),
    ]
    return compare_scalar(answer, 1.0 / gap - 1.0, "|z|", slips=slips)


CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS = {
    "a": Choice(
        "Its units have the largest weights.",
        False,
        "No: every layer starts with the same initialization.",
    ),
    "b": Choice(
        "Early on the lower layers' random features say little about the class; the output layer "
        "does best with its biases, and since the top activations have mean 0.5 their term W h "
        "only adds a random offset, which the network removes by driving h to 0.",
        True,
        "Yes: this is Glorot and Bengio's explanation; with a zero-centred activation such as tanh"
        " there is no offset to remove.",
    ),
    "c": Choice(
        "The logistic function has its largest slope at the top layer.",
        False,
        "No: the slope depends on z, not on the layer; the top layer's slope actually falls as it "
        "saturates.",
    ),
    "d": Choice(
        "The gradient vanishes at the top layer first.",
        False,
        "No: the top layer is the closest to the loss and gets the largest gradient; that is why "
        "it moves first.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_top_layer_saturates(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS)
