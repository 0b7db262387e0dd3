"""Checks for the exercises of ``09_initialization_in_practice.ipynb``.

The feedback says what is off and in which direction, never the expected value: a choice
gets the reason it is wrong, a number the direction of the error, a function the factor its
own network measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from course_utils import initializers
from course_utils._validation import MAX_ELEMENTS, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_FLAX_CORRECTION_OPTIONS",
    "CHECK_TORCH_RELU_PREDICTION_OPTIONS",
    "HINTS",
    "check_flax_correction",
    "check_relu_init",
    "check_torch_relu_prediction",
    "check_uncorrected_variance",
    "hint",
]

_RELU_DEPTH = 10
_RELU_WIDTH = 256
_RELU_M = 128

HINTS = {
    "ex1": (
        "Going back one layer, the gradient variance is multiplied by n Var(W) times "
        "E[g'(z)^2]: two factors, one from the weights and one from the activation.",
        "PyTorch's nn.Linear draws U(-1/sqrt(n), 1/sqrt(n)), so n Var(W) = 1/3; for ReLU "
        "E[relu'(z)^2] is the fraction of units that are on.",
    ),
    "ex2": (
        "ReLU keeps Var(z) level when n_in Var(W) = 2 (He).",
        "U(-r, r) has variance r^2 / 3: solve r^2 / 3 = 2 / n_in for the bound r.",
    ),
    "ex3": (
        "What does cutting a normal at two standard deviations do to its spread?",
        "initializers.truncated_std(-2, 2) is the std of a standard normal cut at +-2; compare "
        "it with 0.8796.",
    ),
    "ex4": (
        "Without the correction, the std before the cut is sqrt(1/512); the cut shrinks the "
        "spread by a fixed factor.",
        "Var = (1/512) * truncated_std(-2, 2)**2: the std factor enters squared.",
    ),
}
hint = hint_function(HINTS, "nb09")


CHECK_TORCH_RELU_PREDICTION_OPTIONS: dict[str, Choice] = {
    "a": Choice(
        "about 1",
        False,
        "About 1 would need n Var(W) E[g'(z)^2] = 1. PyTorch's weights have n Var(W) = 1/3, "
        "and ReLU passes gradients through only half of the units.",
    ),
    "b": Choice(
        "about 1/2",
        False,
        "1/2 is ReLU's E[g'(z)^2] alone; the weights contribute their own factor n Var(W), "
        "which is not 1 for PyTorch's default.",
    ),
    "c": Choice(
        "about 1/3",
        False,
        "1/3 is n Var(W) of the weights alone, the linear-regime factor of a tanh net; ReLU "
        "also blocks the gradient at the units that are off.",
    ),
    "d": Choice(
        "about 1/6",
        True,
        "n Var(W) = 1/3 from the weights times E[relu'(z)^2] = 1/2 from the activation. Run "
        "the cell below and compare with the measured ratios.",
    ),
}


@exercise("ex1")
def check_torch_relu_prediction(answer: object) -> Feedback:
    """Exercise 1 (predict, then run): the backward factor per layer of a deep ReLU net
    under PyTorch's default ``nn.Linear`` weights, equal widths.

    Options: ``"a"`` about 1, ``"b"`` about 1/2, ``"c"`` about 1/3, ``"d"`` about 1/6.
    """
    return compare_choice(answer, CHECK_TORCH_RELU_PREDICTION_OPTIONS)


CHECK_FLAX_CORRECTION_OPTIONS: dict[str, Choice] = {
    "a": Choice(
        "Larger weights than LeCun's help ReLU networks.",
        False,
        "The aim is not larger weights than LeCun's: after the division the standard "
        "deviation is exactly sqrt(1/fan_in), LeCun's value, for every activation.",
    ),
    "b": Choice(
        "Cutting the normal shrinks its spread; dividing first restores it.",
        True,
        "Cutting everything beyond 2 standard deviations removes the tails, and the spread "
        "of what is left is 0.8796 of the normal's; dividing first restores sqrt(1/fan_in) "
        "after the cut.",
    ),
    "c": Choice(
        "It converts the (in, out) layout to (out, in).",
        False,
        "The layout decides which axis counts as fan_in, not the size of the spread; a "
        "transposed kernel needs no rescaling.",
    ),
    "d": Choice(
        "A truncated normal has a non-zero mean that must be compensated.",
        False,
        "A normal cut at -2 and +2 is symmetric, so its mean stays 0; what changes is its spread.",
    ),
}


@exercise("ex3")
def check_flax_correction(answer: object) -> Feedback:
    """Exercise 3 (explain): why Flax's ``lecun_normal`` divides its standard deviation by
    0.8796 (one letter a-d)."""
    return compare_choice(answer, CHECK_FLAX_CORRECTION_OPTIONS)


@exercise("ex4")
def check_uncorrected_variance(answer: object, fan_in: int = 512) -> Feedback:
    """Exercise 4 (compute a value): the variance of one weight drawn like Flax's default but
    without the 0.8796 correction (std ``sqrt(1/fan_in)`` before the cut at 2 std).

    Accepted to 3 significant figures; 2 get "close".
    """
    fan_in = check_int(fan_in, "fan_in", minimum=1, maximum=MAX_ELEMENTS)
    expected = initializers.variance("truncated_normal", (1, fan_in), std=math.sqrt(1.0 / fan_in))
    slips = [
        (
            1.0 / fan_in,
            "That is 1/fan_in, the variance WITH the correction; without it the cut at 2 "
            "standard deviations makes the variance smaller.",
        ),
        (
            math.sqrt(expected),
            "That looks like a standard deviation; the question asks for a variance (its square).",
        ),
        (
            initializers.TRUNCATED_STD_2 / fan_in,
            "You scaled 1/fan_in by the standard-deviation factor 0.8796; a variance scales "
            "with the square of a standard deviation.",
        ),
    ]
    return compare_scalar(
        answer,
        expected,
        "the variance",
        slips=slips,
        on_pass="About three quarters of the 1/fan_in that the correction would give, so "
        "every layer would shrink the signal by that factor.",
    )


def _relu_forward_factor(fn: Callable, seed: int) -> tuple[float, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    shape = (_RELU_WIDTH, _RELU_WIDTH)
    a = rng.standard_normal((_RELU_WIDTH, _RELU_M))
    z_var, weights = [], []
    for _ in range(_RELU_DEPTH):
        w = np.asarray(fn(shape, rng), dtype=np.float64)
        if w.shape != shape:
            raise ValueError(f"the weights have shape {w.shape}, expected {shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("the weights contain NaN or inf")
        weights.append(w)
        z = w @ a
        z_var.append(float(np.mean(z**2)))
        a = np.maximum(z, 0.0)
    factor = (z_var[-1] / z_var[1]) ** (1.0 / (_RELU_DEPTH - 2))
    return factor, weights


@exercise("ex2")
def check_relu_init(fn: object) -> Feedback:
    """Exercise 2 (modify the experiment): a weight function ``fn(shape, rng)`` built from
    ``initializers.uniform`` that keeps a 10-layer ReLU net (width 256) level.

    The check runs the network twice with the same seed and once with another; it passes
    when ``Var(z)`` changes by less than 10 % per layer and ``fn`` uses ``rng``.
    """
    if fn is None or fn is Ellipsis:
        return Feedback(False, "relu_init is not defined yet.")
    if not callable(fn):
        return Feedback(False, f"relu_init should be a function, got {type(fn).__name__}.")
    try:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            factor, first = _relu_forward_factor(fn, 0)
            _, again = _relu_forward_factor(fn, 0)
            _, other = _relu_forward_factor(fn, 1)
    except Exception as exc:  # the learner's code may fail in any way
        return Feedback(False, f"calling relu_init(shape, rng) failed: {exc}")
    if not all(np.array_equal(u, v) for u, v in zip(first, again, strict=True)):
        return Feedback(False, "relu_init is not deterministic: draw from the rng it is given.")
    if all(np.array_equal(u, v) for u, v in zip(first, other, strict=True)):
        return Feedback(False, "relu_init ignores its rng: every seed gives the same weights.")
    if not np.isfinite(factor) or factor <= 0:
        return Feedback(False, "the signal did not stay finite; the weights are far too large.")
    if abs(factor - 1.0) <= 0.1:
        return Feedback(
            True,
            f"Var(z) changes by x{factor:.2f} per layer: level. This is kaiming_uniform_ "
            "with a = 0 (its default), not the a = sqrt(5) that nn.Linear uses.",
        )
    direction = "shrinks" if factor < 1 else "grows"
    change = "larger" if factor < 1 else "smaller"
    return Feedback(
        False,
        f"Var(z) {direction} by x{factor:.2f} per layer in the 10-layer ReLU net; make the "
        f"bound {change}.",
    )
