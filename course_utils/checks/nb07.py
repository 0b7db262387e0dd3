"""Checks for the exercises of ``07_mnist_explorer.ipynb``.

Four exercises of four kinds: predict what a zero-initialized network does after one epoch
(:func:`check_zero_init`), change the initialization until the gradients at layers 1 and 4
are within a factor sqrt(2) of each other (:func:`check_gradient_balance`, runs the
learner's function), compute the saturated fraction of the first three hidden layers of the
Standard Normal network (:func:`check_saturation`), and explain why the zero-initialized
network scores exactly 1/10 (:func:`check_why_exactly_one_tenth`).

The expected values are recomputed here with the explorer's own model
(:class:`course_utils.experiments.mnist.MnistModel`, seed 0, float32): the fixed batch
of 100 test digits at step 0, and a zero-initialized network after 40 steps. Tolerances
allow for float32 round-off differences between machines. Everything here needs numpy only
(the model, not the app).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from course_utils._validation import check_choice
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    compare_arrays,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
    read_array,
    run_experiment,
)
from course_utils.experiments.mnist import INITIALIZERS, MnistModel, load_data

__all__ = [
    "CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS",
    "check_why_exactly_one_tenth",
    "SATURATION_THRESHOLD",
    "ZERO_INIT_STEPS",
    "GRADIENT_TARGET",
    "SATURATION_LAYERS",
    "check_gradient_balance",
    "check_saturation",
    "check_zero_init",
    "gradient_ratio",
    "saturated_fractions",
    "zero_init_predictions",
    "HINTS",
    "hint",
]

HINTS = {
    "ex1": (
        "With every weight 0, what is each hidden activation, for every image? Which "
        "parameters can then get a nonzero gradient (notebook 01)?",
        "The output is the same for every image: one predicted class. The test set holds "
        "100 digits of each class.",
    ),
    "ex2": (
        "The gradient's standard deviation shrinks by sqrt(n·Var(W)·E[tanh'(z)²]) per layer "
        "going back: raise n·Var(W) above 1/3.",
        'Try the scale argument: MnistModel("Uniform", scale=...) multiplies every weight '
        "matrix; a scale of sqrt(6) gives He's n·Var(W) = 2. Or pick another initializer.",
    ),
    "ex3": (
        "activations holds one array per hidden layer, units x images; count the entries "
        "with |a| above the threshold, as a fraction of all entries.",
        "For each of the first three layers a: np.mean(np.abs(a) > 0.99). Three numbers, "
        "layer 1 first.",
    ),
    "ex4": (
        "Which parameters have a nonzero gradient when every weight is 0 (notebook 01, Exercise "
        "3)?",
        "If the output is the same for every image, how many test digits can it get right?",
    ),
}
hint = hint_function(HINTS, "nb07")

SATURATION_THRESHOLD = 0.99
"""A tanh unit counts as saturated when ``|a| > 0.99`` (its slope ``1 - a**2`` < 0.02)."""

SATURATION_LAYERS = 3
"""Exercise 3 asks for the first three hidden layers (the table of the notebook shows the
fourth)."""

ZERO_INIT_STEPS = 40
"""Training steps of the zero-initialized network in exercise 1 (one epoch)."""

GRADIENT_TARGET = (0.7, 1.4)
"""Exercise 2 passes when std(dL/dz[1]) / std(dL/dz[4]) lies in this range (within a factor
about sqrt(2) in standard deviation, 2 in variance)."""


@functools.lru_cache(maxsize=8)
def _step0(init: str, kind: str) -> tuple[np.ndarray, ...]:
    values = MnistModel(init, seed=0).batch_view(kind).values
    return tuple(np.array(v, dtype=np.float64) for v in values)


def _check_init(init: object) -> str:
    return check_choice(init, "init", INITIALIZERS)


def saturated_fractions(init: str = "Standard Normal") -> np.ndarray:
    """Fraction of saturated (unit, image) pairs per hidden layer at step 0 (fixed batch).

    Parameters
    ----------
    init : str
        A label of :data:`course_utils.experiments.mnist.INITIALIZERS`.

    Returns
    -------
    ndarray, shape (4,)
        For each hidden layer, the fraction of ``|a| > SATURATION_THRESHOLD``.
    """
    init = _check_init(init)
    return np.array(
        [np.mean(np.abs(a) > SATURATION_THRESHOLD) for a in _step0(init, "activations")]
    )


def _fractions_above(init: str, threshold: float) -> np.ndarray:
    values = _step0(init, "activations")[:SATURATION_LAYERS]
    return np.array([np.mean(np.abs(a) > threshold) for a in values])


def gradient_ratio(init: str = "Uniform") -> float:
    """``std(dL/dz[1]) / std(dL/dz[4])`` on the fixed batch at step 0.

    Parameters
    ----------
    init : str
        A label of :data:`course_utils.experiments.mnist.INITIALIZERS`.

    Returns
    -------
    float
    """
    init = _check_init(init)
    grads = _step0(init, "gradients")
    return float(np.std(grads[0]) / np.std(grads[3]))


@functools.lru_cache(maxsize=1)
def zero_init_predictions() -> np.ndarray:
    """Test-set predictions of a zero-initialized network after ``ZERO_INIT_STEPS`` steps."""
    model = MnistModel("Zero", seed=0)
    model.step(ZERO_INIT_STEPS)
    predictions = model.net.predict(model.data.x_test)
    predictions.setflags(write=False)
    return predictions


@exercise("ex1")
def check_zero_init(accuracy: object, n_classes: object) -> Feedback:
    """Exercise 1 (predict, then run): the learner's prediction of the test accuracy of the
    zero-initialized network after 40 steps and of the number of different classes it
    predicts on the 1,000 test digits.

    The check compares with the run of :func:`zero_init_predictions`. A miss says in which
    direction the prediction is off and why (a zero-initialized network does not guess at
    random), without the measured values: the learner finds them by running the model.
    """
    if accuracy is None or accuracy is Ellipsis:
        return Feedback(False, "accuracy is not filled in yet.")
    if n_classes is None or n_classes is Ellipsis:
        return Feedback(False, "n_classes is not filled in yet.")
    predictions = zero_init_predictions()
    expected_classes = int(np.unique(predictions).size)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        return Feedback(False, f"n_classes should be an int, got {type(n_classes).__name__}.")
    if int(n_classes) != expected_classes and int(n_classes) == 10:
        return Feedback(
            False,
            "n_classes: it predicts fewer classes. A zero-initialized network does not guess "
            "at random: with W = 0 every hidden activation is tanh(0) = 0 for every image, "
            "so what reaches the output does not depend on the image.",
        )
    if int(n_classes) != expected_classes:
        fewer = "more" if int(n_classes) < expected_classes else "fewer"
        return Feedback(
            False,
            f"n_classes is not the number of different classes the network predicts (it "
            f"predicts {fewer}): what does the output depend on when every weight is 0?",
        )
    expected = float(np.mean(predictions == load_data().y_test))
    value = as_float(accuracy)
    if value is not None and np.isclose(value, 100 * expected):
        return Feedback(False, "accuracy is a percentage; give a fraction between 0 and 1.")
    if value is not None and not 0 <= value <= 1:
        return Feedback(False, "accuracy is a fraction of the test digits: between 0 and 1.")
    result = compare_scalar(accuracy, expected, "accuracy")
    if not result.passed:
        return result
    return Feedback(
        True,
        f"accuracy = {float(accuracy):.3g} with {expected_classes} predicted class: every "
        f"image gets the same output, and the test set holds 100 digits of each class.",
    )


def _model_gradient_ratio(model: object) -> float:
    """``std(dL/dz[1]) / std(dL/dz[4])`` of a model's fixed batch, as the explorer shows it."""
    if not isinstance(model, MnistModel):
        raise TypeError(f"the function should return an MnistModel, got {type(model).__name__}")
    grads = model.batch_view("gradients").values
    return float(np.std(grads[0], dtype=np.float64) / np.std(grads[3], dtype=np.float64))


@exercise("ex2")
def check_gradient_balance(make_model: object) -> Feedback:
    """Exercise 2 (modify the experiment): ``make_model()`` returns an untrained
    :class:`~course_utils.experiments.mnist.MnistModel`; the check passes when
    ``std(dL/dz[1]) / std(dL/dz[4])`` on the fixed batch lies in :data:`GRADIENT_TARGET`.
    """
    low, high = GRADIENT_TARGET
    return run_experiment(
        make_model,
        _model_gradient_ratio,
        "std(dL/dz[1]) / std(dL/dz[4])",
        low=low,
        high=high,
        too_low="The gradient still vanishes towards the input: each layer multiplies its "
        "standard deviation by sqrt(n·Var(W)·E[tanh'(z)²]), below 1 here. Raise the weights' "
        "variance (the scale argument, or another initializer).",
        too_high="The gradient now grows towards the input (exploding, as with Standard "
        "Normal): lower the weights' variance.",
        on_pass="n·Var(W) is large enough to make up for tanh's slope below 1: the layers "
        "now get gradients of about the same size (He, Uniform ×√6 and Xavier ×5/3 all do).",
    )


@exercise("ex3")
def check_saturation(fractions: object) -> Feedback:
    """Exercise 3: per-layer fraction of saturated tanh units, Standard Normal, step 0.

    Expects an array of 3 fractions (hidden layers 1 to 3) of the (unit, image) pairs of
    the fixed batch with ``|a| > 0.99``. Recognised slips: percentages, the unsaturated
    fraction, the Xavier network's fractions, the threshold 0.9, all four layers.
    """
    name = "fractions"
    if fractions is None or fractions is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    expected = saturated_fractions("Standard Normal")[:SATURATION_LAYERS]
    arr = read_array(fractions, name)
    if isinstance(arr, Feedback):
        return arr
    if arr.ndim == 0:
        return Feedback(
            False,
            f"{name} is a single number; give one fraction per hidden layer "
            f"({SATURATION_LAYERS} values, layer 1 first).",
        )
    if arr.shape == (SATURATION_LAYERS + 1,):
        return Feedback(
            False,
            f"{name} has 4 values: the exercise asks for the first {SATURATION_LAYERS} "
            "hidden layers (the fourth is in the table above).",
        )
    if arr.shape == expected.shape and np.all(np.isfinite(arr)):
        if np.allclose(arr, 100 * expected, atol=0.2):
            return Feedback(False, f"{name} are percentages; give fractions between 0 and 1.")
        if np.allclose(arr, 1 - expected, atol=2e-3):
            return Feedback(
                False, f"{name} count the units that are NOT saturated; flip the comparison."
            )
        if np.allclose(arr, saturated_fractions("Xavier")[:SATURATION_LAYERS], atol=2e-3):
            return Feedback(
                False,
                f"{name} are those of the Xavier network; the exercise asks for "
                f'MnistModel("Standard Normal").',
            )
        if np.allclose(arr, _fractions_above("Standard Normal", 0.9), atol=2e-3):
            return Feedback(
                False,
                f"{name} use the threshold 0.9; a unit counts as saturated when |a| > 0.99.",
            )
        if np.any((arr < 0) | (arr > 1)):
            return Feedback(False, f"{name} must lie between 0 and 1.")
    result = compare_arrays(arr, expected, name, rtol=0.0, atol=2e-3)
    if not result.passed and arr.shape == expected.shape and np.allclose(arr, expected, atol=0.02):
        return Feedback(
            False, f"{name} are close, but right to only 2 significant figures: give 3."
        )
    if result.passed:
        return Feedback(
            True,
            f"{name} = {np.round(arr, 3).tolist()}: about {np.mean(arr):.0%} of the units "
            f"sit on the flat parts of tanh, where almost no gradient passes.",
        )
    if result.message.endswith("entries differ from the expected values."):
        return Feedback(
            False,
            result.message + " Use the fixed batch (model.batch_view('activations').values) "
            "of the untrained model and the test |a| > 0.99.",
        )
    return result


CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS = {
    "a": Choice(
        "It guesses at random: with W = 0 every class gets probability 1/10, and each prediction "
        "is then a draw among the ten classes.",
        False,
        "No: the network predicts deterministically (the class with the largest output, no "
        "sampling); a random guesser would score about 1/10 and change with the seed.",
    ),
    "b": Choice(
        "With W = 0 every hidden activation is tanh(0) = 0 for every image, so only the output "
        "biases learn: every image gets the same prediction, and that class makes up exactly 100 "
        "of the 1,000 test digits.",
        True,
        "Yes: the output does not depend on the input at all, and the test set holds 100 digits "
        "of each class.",
    ),
    "c": Choice(
        "Its hidden layers still tell one digit from the others, because the gradient reaches the "
        "hidden weights through the output biases.",
        False,
        "No: with W = 0 the gradient of every hidden weight is multiplied by a zero weight matrix "
        "or a zero activation; the hidden layers learn nothing about any image.",
    ),
    "d": Choice(
        "The biases are zero too, so every output is 0, and the largest output is always class 0, "
        "whose 100 test digits it gets right.",
        False,
        "No: the output biases do learn (they are the only parameters with a nonzero gradient), "
        "and that decides which single class is predicted; it need not be class 0.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_exactly_one_tenth(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS)
