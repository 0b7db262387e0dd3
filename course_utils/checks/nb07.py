"""Checks for the exercises of ``07_mnist_explorer.ipynb``.

The expected values are recomputed here with the explorer's own model
(:class:`course_utils.experiments.mnist.MnistModel`, seed 0, float32): the fixed batch
of 100 test digits at step 0, and a zero-initialized network after 40 steps. Tolerances
allow for float32 round-off differences between machines.
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
)
from course_utils.experiments.mnist import INITIALIZERS, MnistModel, load_data

__all__ = [
    "CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS",
    "check_why_exactly_one_tenth",
    "SATURATION_THRESHOLD",
    "ZERO_INIT_STEPS",
    "check_gradient_ratio",
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
        "activations holds one array per hidden layer, units x images; count the entries "
        "with |a| above the threshold, as a fraction of all entries.",
        "For each layer a: np.mean(np.abs(a) > 0.99). Four numbers, layer 1 first.",
    ),
    "ex2": (
        "Compare predictions with data.y_test for the accuracy; the distinct values of "
        "predictions are the classes it predicts.",
        "accuracy = np.mean(predictions == data.y_test); n_classes = len(np.unique(predictions)).",
    ),
    "ex3": (
        "grads holds dL/dz for layers 1 to 4 on the fixed batch; compare the spread of the "
        "first with the last.",
        "np.std(grads[0]) / np.std(grads[3]): layer 1 on top.",
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

ZERO_INIT_STEPS = 40
"""Training steps of the zero-initialized network in exercise 2 (one epoch)."""


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
def check_saturation(fractions: object) -> Feedback:
    """Exercise 1: per-layer fraction of saturated tanh units, Standard Normal, step 0.

    Expects an array of 4 fractions (one per hidden layer) of the (unit, image) pairs of
    the fixed batch with ``|a| > 0.99``.
    """
    name = "fractions"
    if fractions is None or fractions is Ellipsis:
        return Feedback(False, f"{name} is not filled in yet.")
    expected = saturated_fractions("Standard Normal")
    arr = read_array(fractions, name)
    if isinstance(arr, Feedback):
        return arr
    if arr.ndim == 0:
        return Feedback(
            False,
            f"{name} is a single number; give one fraction per hidden layer "
            f"(4 values, layer 1 first).",
        )
    if arr.shape == expected.shape and np.all(np.isfinite(arr)):
        if np.allclose(arr, 100 * expected, atol=0.2):
            return Feedback(False, f"{name} are percentages; give fractions between 0 and 1.")
        if np.allclose(arr, 1 - expected, atol=2e-3):
            return Feedback(
                False, f"{name} count the units that are NOT saturated; flip the comparison."
            )
        if np.allclose(arr, saturated_fractions("Xavier"), atol=2e-3):
            return Feedback(
                False,
                f"{name} are those of the Xavier network; the exercise asks for "
                f'MnistModel("Standard Normal").',
            )
        if np.any((arr < 0) | (arr > 1)):
            return Feedback(False, f"{name} must lie between 0 and 1.")
    result = compare_arrays(arr, expected, name, rtol=0.0, atol=2e-3)
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


@exercise("ex2")
def check_zero_init(accuracy: object, n_classes: object) -> Feedback:
    """Exercise 2: test accuracy of the zero-initialized network after 40 steps and the
    number of different classes it predicts on the 1,000 test digits."""
    if accuracy is None or accuracy is Ellipsis:
        return Feedback(False, "accuracy is not filled in yet.")
    if n_classes is None or n_classes is Ellipsis:
        return Feedback(False, "n_classes is not filled in yet.")
    predictions = zero_init_predictions()
    expected_classes = int(np.unique(predictions).size)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
        return Feedback(False, f"n_classes should be an int, got {type(n_classes).__name__}.")
    if int(n_classes) != expected_classes:
        fewer = "more" if int(n_classes) < expected_classes else "fewer"
        return Feedback(
            False,
            f"n_classes is not the number of different classes the network predicts (it "
            f"predicts {fewer}): count np.unique(predictions) over the test set.",
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


@exercise("ex3")
def check_gradient_ratio(ratio: object) -> Feedback:
    """Exercise 3: ``std(dL/dz[1]) / std(dL/dz[4])`` of the Uniform network at step 0."""
    if ratio is None or ratio is Ellipsis:
        return Feedback(False, "ratio is not filled in yet.")
    expected = gradient_ratio("Uniform")
    value = as_float(ratio)
    if value is None:
        return compare_scalar(ratio, expected, "ratio")
    if np.isfinite(value) and value > 0 and np.isclose(1 / value, expected, rtol=0.02):
        return Feedback(False, "ratio is upside down: divide layer 1's std by layer 4's.")
    if np.isfinite(value) and np.isclose(value, gradient_ratio("Xavier"), rtol=0.02):
        return Feedback(False, 'ratio is that of the Xavier network; use MnistModel("Uniform").')
    result = compare_scalar(value, expected, "ratio", rtol=2e-3)
    if not result.passed:
        return result
    return Feedback(
        True,
        f"ratio = {value:.3g}: the gradient reaching layer 1 is about {1 / value:.1f} times "
        f"smaller than at layer 4.",
    )


CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS = {
    "a": Choice(
        "It guesses at random.",
        False,
        "No: a random guesser would score about 1/10 and change with the seed; this network "
        "predicts deterministically.",
    ),
    "b": Choice(
        "With W = 0 every hidden activation is tanh(0) = 0 for every image, so only the output "
        "biases learn: every image gets the same prediction, and that class makes up exactly 100 "
        "of the 1,000 test digits.",
        True,
        "Yes: the output does not depend on the input at all, and the test set holds 100 digits of"
        " each class.",
    ),
    "c": Choice(
        "It has learned one class perfectly and nothing else.",
        False,
        "No: it has learned nothing about any image; it gives every image the same answer.",
    ),
    "d": Choice(
        "The biases are zero too.",
        False,
        "No: the output biases do learn (they are the only parameters with a nonzero gradient); "
        "that decides which single class is predicted.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_exactly_one_tenth(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_EXACTLY_ONE_TENTH_OPTIONS)
