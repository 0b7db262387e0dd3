"""Checks for the exercises of ``02_exploding_and_vanishing.ipynb``.

Each check first looks for the typical slip of its exercise (an exponent off by one, a
forgotten last layer, a growth instead of a shrinkage, a variance given for a scale) and
says so; otherwise :func:`course_utils.checks.compare_scalar` says in which direction the
answer is off, never what it should be.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils._validation import check_float
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    compare_choice,
    compare_prediction,
    compare_scalar,
    exercise,
    hint_function,
)

__all__ = [
    "check_growth_prediction",
    "measured_growth",
    "CHECK_WHY_FLOAT64_POSTPONES_OPTIONS",
    "check_why_float64_postpones",
    "HINTS",
    "check_deep_linear_output",
    "check_depth_below",
    "check_shrink_scale",
    "hint",
]

HINTS = {
    "ex1": (
        "Count the layers: L = 6 means 5 hidden matrices 1.2·I, then the last layer [1 1].",
        "Each hidden layer multiplies both coordinates by 1.2; the last layer adds them: "
        "y_hat = (1 + 1)·1.2^(L-1).",
    ),
    "ex2": (
        "The factor shrinks by 1/2 per layer after the first; you want the first depth where "
        "it has dropped below one millionth.",
        "Solve 0.5^(L-1) < 1e-6 with logarithms: L - 1 > log(1e-6) / log(0.5), then take the "
        "smallest whole L.",
    ),
    "ex3": (
        "With N(0, 1/n) weights and large n the norm keeps its size; the scale s multiplies "
        "it once per layer.",
        "s^30 = 1/1000, so s = 1000^(-1/30).",
    ),
    "ex4": (
        "How does the signal's size depend on depth: linearly, or by a factor per layer?",
        "If the norm grows by a factor c per layer, after L layers it is c^L: compare the layers "
        "needed to reach 3e38 and 1.8e308.",
    ),
    "ex5": (
        "Each layer multiplies the signal's std by the scale s (N(0, 1/n) alone keeps it).",
        "After L layers the std has grown by s^L.",
    ),
}
hint = hint_function(HINTS, "nb02")


@exercise("ex1")
def check_deep_linear_output(answer: object) -> Feedback:
    """Exercise 1: ``y_hat`` of the deep linear net with ``L = 6``, ``W = 1.2 I``, ``x = (1, 1)``.

    Layers 1..5 are ``1.2 I``, the last layer is the row ``[1, 1]``, so
    ``y_hat = 2 * 1.2**5``.
    """
    scale, depth, x = 1.2, 6, (1.0, 1.0)
    total = sum(x)
    slips = [
        (
            total * scale**depth,
            f"uses 1.2**{depth}: only the L - 1 = {depth - 1} hidden layers are 1.2 I; the last "
            "layer is the row [1, 1].",
        ),
        (
            total * scale ** (depth - 2),
            f"uses one factor 1.2 too few: there are L - 1 = {depth - 1} hidden layers "
            "W = 1.2 I before the last one.",
        ),
        (
            scale ** (depth - 1),
            "is the value of one coordinate: the last layer [1, 1] adds the two coordinates.",
        ),
        (
            total * scale * (depth - 1),
            "adds the factors 1.2 of the layers; the layers multiply them.",
        ),
    ]
    expected = signals.deep_linear_output(scale, depth, x)
    factors = {"1.2": (scale, "one factor 1.2 too many or too few: count the hidden layers.")}
    return compare_scalar(answer, expected, "y_hat", slips=slips, factors=factors)


@exercise("ex2")
def check_depth_below(answer: object) -> Feedback:
    """Exercise 2: the smallest depth ``L`` with ``0.5**(L - 1) < 1e-6``."""
    expected = signals.first_depth_below(0.5, 1e-6)
    if answer is None or answer is Ellipsis:
        return Feedback(False, "L is not filled in yet.")
    value = as_float(answer)
    if value is None:
        return Feedback(False, "L should be a whole number of layers (an int).")
    if not value.is_integer():
        return Feedback(
            False,
            "L is not a whole number: round up to the first depth where 0.5**(L - 1) is "
            "below 1e-6.",
        )
    if value < 1:
        return Feedback(False, "L must be at least 1: a network has at least one layer.")
    if value > 10_000:
        return Feedback(False, "L is far too deep: the factor halves with every layer.")
    depth = int(value)
    if depth == expected:
        return Feedback(True, f"L = {depth}: 0.5**{depth - 1} = {0.5 ** (depth - 1):.3g} < 1e-6.")
    if depth == expected - 1:
        return Feedback(
            False,
            f"L = {depth} is one layer short (did you solve for the exponent L - 1?): "
            f"0.5**{depth - 1} = {0.5 ** (depth - 1):.3g} is still >= 1e-6.",
        )
    if depth > expected:
        return Feedback(
            False,
            f"L = {depth} works but is not the smallest: try shallower depths "
            f"(at L = {depth}, 0.5**(L - 1) = {0.5 ** (depth - 1):.3g}).",
        )
    return Feedback(
        False,
        f"L = {depth} is too shallow: 0.5**{depth - 1} = {0.5 ** (depth - 1):.3g} is "
        "still >= 1e-6.",
    )


@exercise("ex3")
def check_shrink_scale(answer: object) -> Feedback:
    """Exercise 3: the scale ``s`` of ``W = s N(0, 1/n)`` that shrinks the signal's norm by
    a factor 1000 over 30 layers: ``s**30 = 1/1000``."""
    factor, depth = 1000.0, 30
    expected = factor ** (-1.0 / depth)
    slips = [
        (
            1.0 / expected,
            "is above 1: it makes the signal GROW by 1000 over 30 layers; the target is a "
            "shrinkage.",
        ),
        (math.log(expected), "is log(s), the growth rate per layer; the question asks for s."),
        (
            expected**2,
            "is s², the factor on the VARIANCE per layer; the norm (a standard deviation) "
            "changes by s per layer.",
        ),
        (1.0 - math.log(factor) / depth, "uses a linear approximation; solve s^30 = 1/1000."),
        (factor ** (-1.0 / (depth - 1)), "uses 29 factors; 30 layers multiply 30 factors s."),
    ]
    return compare_scalar(answer, expected, "s", slips=slips)


CHECK_WHY_FLOAT64_POSTPONES_OPTIONS = {
    "a": Choice(
        "float64 rounds differently, and the rounding errors add up.",
        False,
        "No: rounding is not what overflows; the values themselves grow.",
    ),
    "b": Choice(
        "The norm grows by about the same factor per layer, so it grows exponentially with depth; "
        "a larger exponent range only buys a number of layers proportional to its logarithm.",
        True,
        "Yes: with a growth factor of about sqrt(n) per layer, the log of the norm grows linearly;"
        " float64's range (about 1e308 vs 3e38) adds a fixed number of layers, then it overflows "
        "too.",
    ),
    "c": Choice(
        "float64 has no infinity.",
        False,
        "No: float64 has inf as float32 does; it is only reached later.",
    ),
    "d": Choice(
        "The weights themselves overflow.",
        False,
        "No: each weight is of order 1; it is the product of many layers that grows.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_float64_postpones(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_FLOAT64_POSTPONES_OPTIONS)


#: Setup of exercise 5 (predict, then run): lecun_normal weights at scale 1.25, 30 layers.
PREDICT_SCALE, PREDICT_DEPTH, PREDICT_WIDTH = 1.25, 30, 256


def measured_growth() -> float:
    """Exercise 5's measurement: std of the signal after ``PREDICT_DEPTH`` linear layers
    with ``PREDICT_SCALE`` times ``lecun_normal`` weights, over the std of the input."""
    stds = signals.linear_layer_stds(
        "lecun_normal", PREDICT_WIDTH, PREDICT_DEPTH, PREDICT_SCALE, m=32, rng=0
    )
    return float(stds[-1] / stds[0])


@exercise("ex5")
def check_growth_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 5 (predict, then run): the learner's prediction of :func:`measured_growth`.

    ``measured`` is the value the notebook's cell printed; it is recomputed when omitted.
    """
    value = measured_growth() if measured is None else check_float(measured, "measured")
    s, depth = PREDICT_SCALE, PREDICT_DEPTH
    slips = [
        (s * depth, "adds the factor 1.25 of each layer; the layers multiply it: 1.25 per layer."),
        (s ** (2 * depth), "is the growth of the VARIANCE, s² per layer; the std grows by s."),
        (1.0 + (s - 1.0) * depth, "grows by 0.25 per layer, linearly; the growth compounds."),
        (1.0, "assumes N(0, 1/n) keeps the size at any scale; the scale multiplies every layer."),
    ]
    return compare_prediction(
        prediction,
        value,
        "the growth of the std over 30 layers",
        rtol=0.25,
        slips=slips,
        explain="Each layer multiplies the std by about s = 1.25, so 30 layers give about "
        "1.25^30; a modest factor per layer is a huge one after many layers.",
    )
