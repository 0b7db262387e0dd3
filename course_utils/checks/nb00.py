"""Checks for the exercises of ``00_start_here.ipynb``."""

from __future__ import annotations

import math

import numpy as np

from course_utils import initializers
from course_utils.checks import (
    Choice,
    Feedback,
    compare_arrays,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
    read_array,
)

__all__ = [
    "CHECK_WHY_SMALL_LAYER_SCATTERS_OPTIONS",
    "HINTS",
    "XAVIER_SHAPE",
    "check_layer_weights",
    "check_why_small_layer_scatters",
    "check_xavier_uniform_variance",
    "hint",
]

#: Shape ``(n_out, n_in)`` of the layer of exercise 2.
XAVIER_SHAPE = (200, 500)

HINTS = {
    "ex1": (
        "Every initializer of course_utils.initializers takes the shape (n_out, n_in) and a "
        "seed rng; the name of the one you need is in the exercise.",
        "initializers.he_normal(shape, rng=...) with the layer's (n_out, n_in) and seed 0.",
    ),
    "ex2": (
        "Xavier's uniform bound r uses both fans, and a uniform U(-r, r) has variance r²/3.",
        "r = sqrt(6 / (n_in + n_out)), then Var(W) = r**2 / 3 (it simplifies to a fraction).",
    ),
    "ex3": (
        "Look at how the ratio of each shape moves when only the seed changes.",
        "A sample variance is an average over the weights: how many weights does each shape "
        "average over?",
    ),
}
hint = hint_function(HINTS, "nb00")


def _excess_kurtosis(arr: np.ndarray) -> float:
    centred = arr - arr.mean()
    var = float(np.mean(centred**2))
    return float(np.mean(centred**4) / var**2 - 3.0) if var > 0 else 0.0


@exercise("ex1")
def check_layer_weights(W: object) -> Feedback:
    """Exercise 1: He-normal weights for a 784 -> 300 layer, drawn with seed 0."""
    arr = read_array(W, "W")
    if isinstance(arr, Feedback):
        return arr
    if arr.shape == (784, 300):
        return Feedback(False, "W has shape (784, 300); the course stores W as (n_out, n_in).")
    expected = initializers.he_normal((300, 784), rng=0)
    if arr.shape != expected.shape or not np.all(np.isfinite(arr)):
        return compare_arrays(arr, expected, "W")
    if np.allclose(arr, expected):
        return compare_arrays(arr, expected, "W")
    std = float(np.std(arr))
    he_std, xavier_std = math.sqrt(2 / 784), math.sqrt(2 / (784 + 300))
    uniform = _excess_kurtosis(arr) < -0.9  # a uniform has -1.2, a normal 0
    if uniform:
        which = "the std of He's rule" if np.isclose(std, he_std, rtol=0.05) else "another std"
        return Feedback(
            False,
            f"W is uniform (flat histogram, bounded values) with {which}; the exercise asks "
            "for the normal version, he_normal.",
        )
    if np.isclose(std, xavier_std, rtol=0.05):
        return Feedback(
            False,
            "W is normal with Xavier's std sqrt(2/(n_in + n_out)); He's rule for ReLU uses "
            "the fan-in only, with a factor 2: he_normal.",
        )
    if np.isclose(std, math.sqrt(1 / 784), rtol=0.05):
        return Feedback(False, "W has LeCun's std sqrt(1/n_in); He's rule doubles the variance.")
    if np.isclose(std, he_std, rtol=0.05):
        return Feedback(
            False, "Right distribution and std, other numbers: draw them with the seed rng=0."
        )
    return compare_arrays(arr, expected, "W")


@exercise("ex2")
def check_xavier_uniform_variance(value: object) -> Feedback:
    """Exercise 2: Var(W) of xavier_uniform for a ``XAVIER_SHAPE`` weight, computed by hand."""
    n_out, n_in = XAVIER_SHAPE
    total = n_in + n_out
    expected = 2.0 / total
    slips = [
        (math.sqrt(6.0 / total), "is the bound r itself; the variance of U(-r, r) is r²/3."),
        (6.0 / total, "is r²; the variance of U(-r, r) is r²/3."),
        (math.sqrt(2.0 / total), "is the standard deviation r/√3; the question asks for Var(W)."),
        (2.0 / n_in, "uses n_in alone; Xavier's rule averages the two fans, n_in + n_out."),
        (2.0 / n_out, "uses n_out alone; Xavier's rule averages the two fans, n_in + n_out."),
        (1.0 / n_in, "is LeCun's 1/n_in; Xavier's rule uses both fans."),
    ]
    return compare_scalar(value, expected, "Var(W)", slips=slips)


# ---------------------------------------------------------------------------------------------
# Exercise 3: explain


CHECK_WHY_SMALL_LAYER_SCATTERS_OPTIONS = {
    "a": Choice(
        "The formula r = sqrt(6/(n_in + n_out)) is a large-layer approximation that is off for "
        "small layers.",
        False,
        "No: the variance r²/3 of U(-r, r) is exact for every shape; and an error in a formula "
        "would give the same ratio for every seed, while the 10 x 10 ratios change from seed to "
        "seed.",
    ),
    "b": Choice(
        "The sample variance is an average over the layer's weights, and an average over 100 "
        "numbers scatters much more than one over a million.",
        True,
        "Yes: the 10 x 10 layer has 100 weights, the 1000 x 1000 one a million, so its sample "
        "variance is far closer to the true variance; the seeds change the small layer's ratio "
        "by several per cent and the large one's only in the third decimal.",
    ),
    "c": Choice(
        "Small layers draw from a wider interval, and wide intervals are harder to sample "
        "evenly than narrow ones.",
        False,
        "No: the interval's width only scales every weight by the same factor; the ratio to the "
        "theory does not depend on it.",
    ),
    "d": Choice(
        "The generator behind rng=1 produces less random numbers when it is asked for only a "
        "few of them.",
        False,
        "No: the generator's numbers are equally random however many you ask for; other seeds "
        "scatter the small layer's ratio just as much.",
    ),
}
"""Options of exercise 3 (explain), with the feedback for each."""


@exercise("ex3")
def check_why_small_layer_scatters(choice: object) -> Feedback:
    """Exercise 3 (explain): why the 10 x 10 layer's variance ratio is the one furthest from 1;
    the reason, as an option's letter."""
    return compare_choice(choice, CHECK_WHY_SMALL_LAYER_SCATTERS_OPTIONS)
