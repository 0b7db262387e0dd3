"""Checks for the exercises of ``03_sigmoid_saturation.ipynb``.

Four exercises of four kinds: predict how much weaker the backpropagated gradient is at the
first of six logistic layers than at the last (:func:`check_gradient_shrink_prediction`),
compute where the logistic slope falls below 10 % of its peak
(:func:`check_saturation_threshold`), choose the activation and initializer that keep the
gradient level through four hidden layers (:func:`check_level_gradients`, runs the learner's
function), and explain why the top hidden layer saturates
(:func:`check_why_top_layer_saturates`). Each check looks for the typical slip of its
exercise (a unit-weight bound for a layer of width n, a variance for a std, the tail
approximation for the exact slope, the tanh formula for the logistic one); no failing message
contains the expected value.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from course_utils import datasets, initializers, signals
from course_utils._validation import MAX_DEPTH, check_float, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    Slip,
    as_float,
    call_learner,
    compare_choice,
    compare_prediction,
    compare_scalar,
    exercise,
    hint_function,
)
from course_utils.experiments import saturation
from course_utils.mlp import MLP

__all__ = [
    "CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS",
    "HINTS",
    "SLOPE_FRACTION",
    "check_gradient_shrink_prediction",
    "check_level_gradients",
    "check_saturation_threshold",
    "check_why_top_layer_saturates",
    "gradient_spreads",
    "hint",
    "saturated_fraction",
    "measured_gradient_shrink",
]

#: Exercise 1: hidden logistic layers of the deep net whose gradient shrink is predicted.
SHRINK_DEPTH = 6
#: Exercise 2 asks where sigma'(z) falls below this fraction of sigma'(0).
SLOPE_FRACTION = 0.1
#: Exercise 3: the net of section 5 (4 hidden layers of 200); the first layer's spread must be
#: within a factor 2 of the top hidden layer's.
LEVEL_DEPTH, LEVEL_SLACK = 4, 2.0
#: ... and at most this fraction of the hidden units may be saturated at step 0.
LEVEL_SATURATED = 0.1
LEVEL_ACTIVATIONS = ("logistic", "tanh", "softsign")
#: Width of the hidden layers and number of MNIST digits of exercises 1 and 3.
WIDTH, N_DIGITS = 200, 500

HINTS = {
    "ex1": (
        "Section 5 predicted the shrink of std dL/dz per layer near initialization for this "
        "initialization; how many layer-to-layer steps lie between hidden layer 6 and hidden "
        "layer 1?",
        "Per layer the spread is multiplied by sqrt(n Var(W)) sigma'(0) = sqrt(1/3)/4; "
        "between layers 6 and 1 there are 5 such steps.",
    ),
    "ex2": (
        "Divide sigma'(z) by its maximum sigma'(0) = 1/4 and set the ratio to the fraction "
        "asked; the ratio has a closed form in section 1.",
        "sigma'(z)/sigma'(0) = 1/cosh²(z/2): solve cosh²(z/2) = 1/fraction, so "
        "|z| = 2·arccosh(sqrt(1/fraction)). The tail approximation 4e^(-|z|) is not exact here.",
    ),
    "ex3": (
        "The spread shrinks per layer by sqrt(n Var(W))·|g'(0)|; both the activation and the "
        "initializer enter. Which activation has g'(0) = 1?",
        "With tanh (g'(0) = 1) you need n Var(W) close to 1: an initializer of variance about "
        "1/n, such as xavier_uniform or lecun_normal.",
    ),
    "ex4": (
        "Which layer gets the largest gradient, and what does its output add to the class scores "
        "at the start?",
        "The logistic function has mean 0.5, not 0: what does W h contribute to each class score "
        "when h is about 0.5 everywhere?",
    ),
}
hint = hint_function(HINTS, "nb03")


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    x, y = datasets.load_mnist("train")
    return x[:, :N_DIGITS], y[:N_DIGITS]


def _step_zero(activation: str, init: str, depth: int, rng: int):
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    x, y = _digits()
    sizes = [784] + [WIDTH] * depth + [10]
    net = MLP(sizes, hidden=activation, output="softmax", init=init, rng=rng)
    cache = net.forward(x)
    return net, cache, net.backward(cache, y)


def gradient_spreads(
    activation: str, init: str, depth: int = LEVEL_DEPTH, *, rng: int = 0
) -> np.ndarray:
    """std of dL/dz of each hidden layer at step 0 (layer 1 first) of the MNIST net
    ``[784] + [200] * depth + [10]`` (softmax output), on ``N_DIGITS`` training digits."""
    _, _, grads = _step_zero(activation, init, depth, rng)
    return np.array([float(np.std(dz)) for dz in grads.dz[:depth]])


def saturated_fraction(activation: str, init: str, depth: int = LEVEL_DEPTH, *, rng: int = 0):
    """Fraction of the hidden pre-activations at step 0 where ``g'(z) < 5 % g'(0)`` (the
    notebook's saturation rule), over all hidden layers and digits."""
    net, cache, _ = _step_zero(activation, init, depth, rng)
    fractions = []
    for g, z in zip(net.activations[:depth], cache.z[:depth], strict=True):
        fractions.append(np.mean(g.derivative(z) < 0.05 * g.derivative(np.zeros(1))[0]))
    return float(np.mean(fractions))


# ---------------------------------------------------------------------------------------------
# Exercise 1: predict, then run


def measured_gradient_shrink() -> float:
    """Exercise 1's measurement: std dL/dz of hidden layer ``SHRINK_DEPTH`` over that of
    hidden layer 1, logistic units, ``standard_uniform`` weights, step 0."""
    spreads = gradient_spreads("logistic", "standard_uniform", SHRINK_DEPTH)
    return float(spreads[-1] / spreads[0])


@exercise("ex1")
def check_gradient_shrink_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 1 (predict, then run): by which factor std dL/dz shrinks from hidden layer 6
    down to hidden layer 1, about ``(4 sqrt(3))**5``.

    ``measured`` is the value the notebook's cell measured; it is recomputed when omitted.
    A prediction within 25 % of the measurement passes.
    """
    value = (
        measured_gradient_shrink()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    x = as_float(prediction)
    if x is not None and 0 < x < 1:
        return Feedback(
            False,
            "Your factor is below 1: it says layer 1 gets MORE gradient than layer 6. Give how "
            "many times smaller the first layer's spread is (a number above 1).",
        )
    per_layer = 1.0 / saturation.shrink_factor("logistic")
    steps = SHRINK_DEPTH - 1
    slips = [
        Slip(
            4.0**steps,
            "is 4^5, the bound of the unit-weight chain of section 2: a layer of width n "
            "multiplies by sqrt(n Var(W)) = sqrt(1/3) as well.",
        ),
        Slip(4.0**SHRINK_DEPTH, "is 4^6: a unit-weight chain bound, and one factor too many."),
        Slip(
            per_layer**SHRINK_DEPTH,
            "has one factor too many: between hidden layers 6 and 1 there are 5 steps, not 6.",
        ),
        Slip(
            per_layer ** (steps - 1),
            "has one factor too few: between hidden layers 6 and 1 there are 5 steps.",
        ),
        Slip(
            per_layer ** (2 * steps),
            "is the shrink of the VARIANCE (the square of the std's): the question is about the "
            "std.",
        ),
        Slip(
            (1.0 / saturation.shrink_factor("tanh")) ** steps,
            "is the tanh net's shrink (tanh'(0) = 1); logistic units have sigma'(0) = 1/4.",
        ),
        Slip(per_layer * steps, "adds the per-layer factors; the layers multiply them."),
    ]
    return compare_prediction(
        prediction,
        value,
        "the shrink from layer 6 to layer 1",
        rtol=0.25,
        slips=slips,
        explain="Each layer multiplies the spread by sqrt(n Var(W))·sigma'(0) = sqrt(1/3)/4, "
        "about 1/7, and five such steps compound to a factor of the order of ten thousand.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2: compute a value


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
            math.log(4.0 / (fraction * fraction)),
            "is ln 400: it solves 4e^(-|z|) = 0.01, a threshold of 1 % instead of 10 %, with "
            "the tail approximation, which is not exact this close to 0 anyway; solve "
            "1/cosh²(z/2) = 0.1.",
        ),
        (
            2.0 * math.acosh(1.0 / fraction),
            "solves cosh(z/2) = 10; the ratio is 1/cosh²(z/2): take the square root of 10.",
        ),
    ]
    return compare_scalar(answer, expected, "|z|", slips=slips)


# ---------------------------------------------------------------------------------------------
# Exercise 3: modify the experiment


@exercise("ex3")
def check_level_gradients(setup: object) -> Feedback:
    """Exercise 3 (modify the experiment): ``setup()`` returns ``(activation, init)`` for the
    net of section 5; it passes when std dL/dz of hidden layer 1 is within a factor
    ``LEVEL_SLACK`` of hidden layer 4's at step 0 (:func:`gradient_spreads`)."""
    result, failed = call_learner(setup, "setup")
    if failed is not None:
        return failed
    if not isinstance(result, tuple | list) or len(result) != 2:
        return Feedback(False, "setup() should return two names: (activation, initializer).")
    activation, init = result
    if activation not in LEVEL_ACTIVATIONS:
        return Feedback(
            False, f"activation should be one of {list(LEVEL_ACTIVATIONS)}, got {activation!r}."
        )
    usable = [n for n in initializers.names() if n not in ("zeros", "constant")]
    if init not in usable:
        return Feedback(False, f"init should be one of {usable}, got {init!r}.")
    with np.errstate(all="ignore"):
        spreads = gradient_spreads(activation, init)
        saturated = saturated_fraction(activation, init)
    ratio = float(spreads[0] / spreads[-1])
    where = (
        f"With {activation} and {init}: std dL/dz of layer 1 / layer 4 = {ratio:.3g} "
        f"(target between {1 / LEVEL_SLACK:.3g} and {LEVEL_SLACK:.3g})"
    )
    if not math.isfinite(ratio):
        return Feedback(False, f"{where}: not finite; choose weights of variance about 1/n.")
    if ratio < 1 / LEVEL_SLACK:
        if activation == "logistic":
            tip = (
                "sigma'(0) = 1/4 shrinks the spread fourfold per layer whatever the scale that "
                "keeps z near 0: change the activation."
            )
        else:
            tip = "the weights are too small for this activation: choose an initializer of "
            tip += "larger variance."
        return Feedback(False, f"{where}: the gradient still vanishes on the way down; {tip}")
    if ratio > LEVEL_SLACK:
        return Feedback(
            False,
            f"{where}: the gradient now grows on the way down; choose an initializer of smaller "
            "variance.",
        )
    if saturated > LEVEL_SATURATED:
        return Feedback(
            False,
            f"{where}, but {saturated:.0%} of the hidden units are saturated at step 0 (5 % "
            "slope rule): weights this large push z into the flat tails, and the gradients "
            "are level only because they are all small. Choose weights of smaller variance.",
        )
    return Feedback(
        True,
        f"{where}: the gradient reaches layer 1 at about the size it has at layer 4. A "
        "zero-centred activation of slope 1 at 0 with n·Var(W) of order 1 keeps it level.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 4: explain


CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS = {
    "a": Choice(
        "The top layer's units start with the largest weights of the network, so their "
        "pre-activations are pushed furthest from 0, into the flat part of the logistic curve, "
        "from the first step on.",
        False,
        "No: every hidden layer after the first has the same fan-in (200) and the same "
        "initialization; the top layer's weights start no larger than those of layers 2 and 3.",
    ),
    "b": Choice(
        "Early on the lower layers' random features say little about the class; the output "
        "layer does best with its biases, and since the top activations have mean 0.5 their "
        "term W h only adds a random offset, which the network removes by driving h to 0.",
        True,
        "Yes: this is Glorot and Bengio's explanation; with a zero-centred activation such as "
        "tanh there is no offset to remove.",
    ),
    "c": Choice(
        "The logistic function's slope is largest at the top layer, so its pre-activations "
        "take the largest steps, overshoot, and end up far from 0, where the curve is flat and "
        "the units stay saturated.",
        False,
        "No: the slope depends on z, not on the layer; the top layer's slope actually falls as "
        "it saturates.",
    ),
    "d": Choice(
        "The gradient vanishes at the top layer first, so its units stop learning early, and "
        "the random drift of the layers below then carries their inputs into saturation, where "
        "they remain.",
        False,
        "No: the top layer is the closest to the loss and gets the largest gradient; that is "
        "why it moves first.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_top_layer_saturates(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_TOP_LAYER_SATURATES_OPTIONS)
