"""Checks for the exercises of ``02_exploding_and_vanishing.ipynb``.

Five exercises: predict the output of a deep linear net ``W = 1.2 I`` before running it
(:func:`check_deep_linear_prediction`), compute the depth at which ``0.5^(L-1)`` drops below
one millionth (:func:`check_depth_below`), change the scale of a 50-layer random linear net
until the signal shrinks a thousandfold (:func:`check_shrink_experiment`, runs the learner's
function), explain why float64 only postpones an overflow
(:func:`check_why_float64_postpones`), and predict the shrinkage of the std over 40 layers at
scale 0.9 (:func:`check_growth_prediction`). Each check looks for the typical slip of its
exercise (an exponent off by one, a forgotten last layer, a variance given for a standard
deviation, a growth added instead of multiplied) and says so; no failing message contains
the expected value.
"""

from __future__ import annotations

import numpy as np

from course_utils import signals
from course_utils._validation import check_float
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    compare_choice,
    compare_prediction,
    exercise,
    hint_function,
    run_experiment,
)
from course_utils.mlp import MLP

__all__ = [
    "CHECK_WHY_FLOAT64_POSTPONES_OPTIONS",
    "HINTS",
    "check_deep_linear_prediction",
    "check_depth_below",
    "check_growth_prediction",
    "check_shrink_experiment",
    "check_why_float64_postpones",
    "hint",
    "measured_deep_linear_output",
    "measured_growth",
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
        "With N(0, 1/n) weights the std keeps its size; the scale s multiplies it once per "
        "layer. Which s makes 50 such factors a thousandth?",
        "s^50 = 1/1000, so s = 1000^(-1/50); put that in place of 1.0.",
    ),
    "ex4": (
        "How does the signal's size depend on depth: linearly, or by a factor per layer?",
        "If the norm grows by a factor c per layer, after L layers it is c^L: compare the layers "
        "needed to reach 3e38 and 1.8e308.",
    ),
    "ex5": (
        "Each layer multiplies the signal's std by the scale s (N(0, 1/n) alone keeps it); the "
        "readout n_in·Var(W) is the factor on the variance, s².",
        "After L layers the std has changed by s^L.",
    ),
}
hint = hint_function(HINTS, "nb02")


# ---------------------------------------------------------------------------------------------
# Exercise 1: predict, then run

#: Setup of exercise 1: ``L`` layers, hidden matrices ``scale * I``, last layer ``[1, 1]``.
DEEP_LINEAR_SCALE, DEEP_LINEAR_DEPTH = 1.2, 6


def measured_deep_linear_output() -> float:
    """Exercise 1's run: ``y_hat`` of the deep linear net at ``x = (1, 1)``."""
    weights = [DEEP_LINEAR_SCALE * np.eye(2)] * (DEEP_LINEAR_DEPTH - 1) + [np.ones((1, 2))]
    net = MLP.from_weights(weights, hidden="identity", output="linear")
    return float(net.forward(np.ones((2, 1))).output.item())


@exercise("ex1")
def check_deep_linear_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 1 (predict, then run): ``y_hat`` of the deep linear net with ``L = 6``,
    ``W = 1.2 I``, ``x = (1, 1)``: layers 1..5 are ``1.2 I``, the last layer is the row
    ``[1, 1]``, so ``y_hat = 2 * 1.2**5``.

    ``measured`` is the output the cell computed; it is recomputed when omitted. The
    network is exact, so the prediction must be within 1 %.
    """
    value = measured_deep_linear_output() if measured is None else check_float(measured, "measured")
    scale, depth = DEEP_LINEAR_SCALE, DEEP_LINEAR_DEPTH
    slips = [
        (
            2 * scale**depth,
            f"uses 1.2**{depth}: only the L - 1 = {depth - 1} hidden layers are 1.2 I; the last "
            "layer is the row [1, 1].",
        ),
        (
            2 * scale ** (depth - 2),
            f"uses one factor 1.2 too few: there are L - 1 = {depth - 1} hidden layers "
            "W = 1.2 I before the last one.",
        ),
        (
            scale ** (depth - 1),
            "is the value of one coordinate: the last layer [1, 1] adds the two coordinates.",
        ),
        (2 * scale * (depth - 1), "adds the factors 1.2 of the layers; the layers multiply them."),
        (2 + 2 * 0.2 * (depth - 1), "grows by 0.2 per layer, linearly; the growth compounds."),
    ]
    return compare_prediction(
        prediction,
        value,
        "y_hat",
        rtol=0.01,
        slips=slips,
        explain="Five hidden layers multiply both coordinates by 1.2 each, and the last layer "
        "adds the two: y_hat = 2·1.2^5. A factor of only 1.2 per layer, five times, is "
        "already a factor 2.5.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2: compute a value


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


# ---------------------------------------------------------------------------------------------
# Exercise 3: modify the experiment

#: Setup of exercise 3: 50 linear layers; the std must shrink by 1000, within a factor 1.5.
SHRINK_DEPTH, SHRINK_FACTOR, SHRINK_SLACK = 50, 1000.0, 1.5


def _shrink_of(stds: object) -> float:
    arr = np.asarray(stds, dtype=float)
    if arr.ndim != 1 or arr.size != SHRINK_DEPTH + 1:
        raise ValueError(
            f"return the {SHRINK_DEPTH + 1} stds of linear_layer_stds with depth "
            f"{SHRINK_DEPTH} (keep the depth); got shape {arr.shape}"
        )
    if not arr[0] > 0:
        raise ValueError("the input's std (the first entry) must be positive")
    return float(arr[-1] / arr[0])


@exercise("ex3")
def check_shrink_experiment(experiment: object) -> Feedback:
    """Exercise 3 (modify the experiment): ``experiment()`` returns the stds of
    :func:`course_utils.signals.linear_layer_stds` over ``SHRINK_DEPTH`` layers; it passes
    when the last over the first is ``1/SHRINK_FACTOR`` within a factor ``SHRINK_SLACK``."""
    return run_experiment(
        experiment,
        _shrink_of,
        f"std after {SHRINK_DEPTH} layers / std of the input",
        low=1 / (SHRINK_FACTOR * SHRINK_SLACK),
        high=SHRINK_SLACK / SHRINK_FACTOR,
        too_low="The signal shrinks too much: raise s. (A factor s on the std per layer, "
        "not s² as on the variance.)",
        too_high="The signal does not shrink enough: lower s; the std changes by a factor s "
        f"per layer, {SHRINK_DEPTH} times.",
        on_pass=f"{SHRINK_DEPTH} factors s multiply to a thousandth: s^{SHRINK_DEPTH} = 1/1000.",
    )


CHECK_WHY_FLOAT64_POSTPONES_OPTIONS = {
    "a": Choice(
        "float64 rounds each product to more digits, so the rounding errors that build up over "
        "the layers and push the norm towards infinity take longer to accumulate.",
        False,
        "No: rounding is not what overflows; the values themselves grow, and more digits do "
        "not slow that growth.",
    ),
    "b": Choice(
        "The norm grows by about the same factor per layer, so it grows exponentially with "
        "depth; a larger exponent range only buys a number of layers proportional to its "
        "logarithm.",
        True,
        "Yes: with a growth factor of about sqrt(n) per layer, the log of the norm grows "
        "linearly; float64's range (about 1e308 vs 3e38) adds a fixed number of layers, then "
        "it overflows too.",
    ),
    "c": Choice(
        "float64 has no infinity of its own, so a value that grows too large stays at the "
        "largest float instead of overflowing, which hides the growth for a while.",
        False,
        "No: float64 has inf as float32 does; it is only reached later.",
    ),
    "d": Choice(
        "The weights themselves overflow float32 when they are drawn, while float64 can store "
        "them; the signal between the layers grows only slowly in either type.",
        False,
        "No: each weight is of order 1 in either type; it is the product of many layers that "
        "grows.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_float64_postpones(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_FLOAT64_POSTPONES_OPTIONS)


#: Setup of exercise 5 (predict, then run): lecun_normal weights at scale 0.9, 40 layers.
PREDICT_SCALE, PREDICT_DEPTH, PREDICT_WIDTH = 0.9, 40, 256


def measured_growth() -> float:
    """Exercise 5's measurement: std of the signal after ``PREDICT_DEPTH`` linear layers
    with ``PREDICT_SCALE`` times ``lecun_normal`` weights, over the std of the input."""
    stds = signals.linear_layer_stds(
        "lecun_normal", PREDICT_WIDTH, PREDICT_DEPTH, PREDICT_SCALE, m=32, rng=0
    )
    return float(stds[-1] / stds[0])


@exercise("ex5")
def check_growth_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 5 (predict, then run): the learner's prediction of :func:`measured_growth`,
    about ``0.9**40``.

    ``measured`` is the value the notebook's cell measured; it is recomputed when omitted.
    A prediction within 25 % of the measurement passes.
    """
    value = (
        measured_growth()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    s, depth = PREDICT_SCALE, PREDICT_DEPTH
    x = as_float(prediction)
    if x is not None and x <= 0:
        return Feedback(
            False,
            "A ratio of two standard deviations is positive: each layer multiplies the std by "
            "s, it never subtracts from it.",
        )
    slips = [
        (s * depth, "adds the factor 0.9 of each layer; the layers multiply it: 0.9 per layer."),
        (
            s ** (2 * depth),
            "is the change of the VARIANCE, s² = n_in·Var(W) per layer (the readout); the std "
            "changes by s.",
        ),
        (1.0, "assumes N(0, 1/n) keeps the size at any scale; the scale multiplies every layer."),
    ]
    return compare_prediction(
        prediction,
        value,
        f"the change of the std over {depth} layers",
        rtol=0.25,
        slips=slips,
        explain="Each layer multiplies the std by about s = 0.9, so 40 layers give about "
        "0.9^40; a factor a little below one per layer is a small one after many layers.",
    )
