"""Checks for the exercises of ``04_forward_variance.ipynb``.

Each check recognises the typical slips of its exercise (the means left out of the variance
of a product, a variance given for a standard deviation, the variance of the pixels used
where their mean square belongs ...) and says so; otherwise
:func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from course_utils import datasets
from course_utils._validation import check_float, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    Slip,
    compare_choice,
    compare_with_slips,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS",
    "check_why_pixels_need_second_moment",
    "HINTS",
    "hint",
    "check_mnist_first_layer_variance",
    "check_product_variance",
    "check_xavier_std",
]

HINTS = {
    "ex1": (
        "Write Var(XY) = E[(XY)²] - E[XY]² and use independence: E[(XY)²] = E[X²]·E[Y²].",
        "E[X²] = Var(X) + E[X]²; expand to E[X]²Var(Y) + Var(X)E[Y]² + Var(X)Var(Y).",
    ),
    "ex2": (
        "The rule fixes the variance; the question asks for the standard deviation.",
        "n_in·Var(W) = 1 gives Var(W) = 1/n_in; std = sqrt(1/n_in).",
    ),
    "ex3": (
        "With n·Var(W) = 1 the prediction is not Var(a) of the pixels: they do not have mean 0.",
        "Var(z) = n·Var(W)·E[a²]: compute np.mean(pixels**2) over all pixels and images.",
    ),
    "ex4": (
        "Write the variance of one term w a with w and a independent and E[w] = 0.",
        "Var(XY) from Exercise 1 with E[X] = 0: which terms survive?",
    ),
}
hint = hint_function(HINTS, "nb04")


def product_variance(mean_x: float, var_x: float, mean_y: float, var_y: float) -> float:
    """``Var(XY)`` for independent ``X`` and ``Y`` with the given means and variances."""
    return mean_x**2 * var_y + var_x * mean_y**2 + var_x * var_y


@exercise("ex1")
def check_product_variance(
    answer: object,
    mean_x: float = 1.0,
    var_x: float = 4.0,
    mean_y: float = 2.0,
    var_y: float = 9.0,
) -> Feedback:
    """Exercise 1: ``Var(XY)`` for independent ``X ~ N(mean_x, var_x)``, ``Y ~ N(mean_y, var_y)``.

    The expected value is ``E[X]^2 Var(Y) + Var(X) E[Y]^2 + Var(X) Var(Y)``.
    """
    mean_x = check_float(mean_x, "mean_x")
    var_x = check_float(var_x, "var_x", minimum=0.0)
    mean_y = check_float(mean_y, "mean_y")
    var_y = check_float(var_y, "var_y", minimum=0.0)
    expected = product_variance(mean_x, var_x, mean_y, var_y)
    slips = [
        (
            var_x * var_y,
            "is Var(X)·Var(Y) alone, the zero-mean formula; here the means are not zero, "
            "so E[X]²Var(Y) and Var(X)E[Y]² add to it.",
        ),
        (
            mean_x**2 * var_y + var_x * mean_y**2,
            "has the two mean terms but leaves out Var(X)·Var(Y).",
        ),
        (
            mean_x**2 * var_y + var_x * var_y,
            "leaves out the term Var(X)·E[Y]².",
        ),
        (
            var_x * mean_y**2 + var_x * var_y,
            "leaves out the term E[X]²·Var(Y).",
        ),
        (
            expected + (mean_x * mean_y) ** 2,
            "is E[(XY)²], the second moment; subtract E[XY]² = (E[X]E[Y])² to get the variance.",
        ),
        (
            product_variance(mean_x, var_x**2, mean_y, var_y**2),
            "reads the second parameters as standard deviations; in N(μ, σ²) the second "
            "parameter is the variance.",
        ),
    ]
    return compare_with_slips(answer, expected, "Var(XY)", slips, label="Var(XY)")


@exercise("ex2")
def check_xavier_std(answer: object, n_in: int = 256) -> Feedback:
    """Exercise 2: the standard deviation of weights that keeps the forward variance.

    The forward rule ``n_in Var(W) = 1`` gives ``std = 1 / sqrt(n_in)``.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    expected = 1.0 / math.sqrt(n_in)
    slips = [
        (
            1.0 / n_in,
            lambda v: (
                f"{v:.6g} = 1/n_in is the variance Var(W); the standard deviation is its "
                "square root."
            ),
        ),
        (
            math.sqrt(3.0 / n_in),
            lambda v: (
                f"{v:.6g} = sqrt(3/n_in) is the bound r of the uniform version U(-r, r); "
                "its standard deviation is r/sqrt(3)."
            ),
        ),
        (
            math.sqrt(2.0 / n_in),
            lambda v: (
                f"std = {v:.6g} = sqrt(2/n_in) is He's rule for ReLU; the forward rule of "
                "this notebook is n_in·Var(W) = 1."
            ),
        ),
    ]
    return compare_with_slips(answer, expected, "std", slips)


@functools.lru_cache(maxsize=1)
def _mnist_moments() -> dict[str, float]:
    X, _ = datasets.load_mnist("train", scale=True)
    return {
        "second": float(np.mean(X**2)),
        "var": float(np.var(X)),
        "mean": float(np.mean(X)),
        "pixel_var": float(np.mean(np.var(X, axis=1))),
    }


@exercise("ex3")
def check_mnist_first_layer_variance(answer: object) -> Feedback:
    """Exercise 3: predicted ``Var(z)`` of a first layer on raw MNIST pixels, ``Var(W) = 1/784``.

    With ``n Var(W) = 1`` the prediction is ``E[a^2]``, the mean square of the pixels of
    the training split (``load_mnist("train", scale=True)``).
    """
    mom = _mnist_moments()
    expected = mom["second"]
    slips = [
        (
            mom["var"],
            "is n·Var(W)·Var(a): it assumes zero-mean inputs, but pixels have mean "
            f"E[a] = {mom['mean']:.3g}; the term n·Var(W)·E[a]² adds to it.",
        ),
        (
            mom["pixel_var"],
            "is the average of the per-pixel variances; it leaves out the pixels' means. "
            "Use the mean square E[a²] over all pixels and images.",
        ),
        (
            mom["mean"] ** 2,
            "is E[a]² alone; the variance Var(a) adds to it (together they make E[a²]).",
        ),
        (mom["mean"], "is the mean E[a]; the formula needs the mean square E[a²]."),
        (
            784 * expected,
            "is 784 times too large: with Var(W) = 1/784 the factor n·Var(W) is 1.",
        ),
        Slip(
            expected,
            "is within 5% of the prediction: a measured value? The question asks for the "
            "formula's prediction n·Var(W)·E[a²], computed from the pixels.",
            rtol=0.05,
        ),
    ]
    return compare_with_slips(answer, expected, "Var(z)", slips, label="Var(z)")


CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS = {
    "a": Choice(
        "Because pixels are correlated.",
        False,
        "No: correlation breaks a different assumption (A2); the formula with E[a²] still assumes "
        "independent inputs.",
    ),
    "b": Choice(
        "Because Var(w a) = E[w²] E[a²] - (E[w] E[a])², and with zero-mean weights only E[w²] "
        "E[a²] is left: the mean of the inputs counts too.",
        True,
        "Yes: with E[w] = 0 the variance of each term is Var(w)·E[a²] = Var(w)·(Var(a) + E[a]²); "
        "pixels have a clearly nonzero mean.",
    ),
    "c": Choice(
        "Because the pixels are scaled to [0, 1].",
        False,
        "No: scaling changes the numbers, not which moment the formula needs.",
    ),
    "d": Choice(
        "Because Var(a) is too small to measure.",
        False,
        "No: Var(a) is easy to measure; it is the wrong quantity when E[a] is not zero.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_pixels_need_second_moment(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS)
