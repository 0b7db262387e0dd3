"""Checks for the exercises of ``02_exploding_and_vanishing.ipynb``.

Each check first looks for the typical slip of its exercise (an exponent off by one, a
forgotten last layer, a growth instead of a shrinkage, a variance given for a scale) and
says so; otherwise :func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils.checks import Feedback, as_float, compare_with_slips

__all__ = ["check_deep_linear_output", "check_depth_below", "check_shrink_scale"]


def check_deep_linear_output(answer: object) -> Feedback:
    """Exercise 1: ``y_hat`` of the deep linear net with ``L = 6``, ``W = 1.2 I``, ``x = (1, 1)``.

    Layers 1..5 are ``1.2 I``, the last layer is the row ``[1, 1]``, so
    ``y_hat = 2 * 1.2**5 = 4.97664``.
    """
    scale, depth, x = 1.2, 6, (1.0, 1.0)
    total = sum(x)
    slips = [
        (
            total * scale**depth,
            lambda v: (
                f"y_hat = {v:.6g} uses 1.2**{depth}: only the L - 1 = {depth - 1} hidden "
                "layers are 1.2 I; the last layer is the row [1, 1]."
            ),
        ),
        (
            total * scale ** (depth - 2),
            lambda v: (
                f"y_hat = {v:.6g} uses 1.2**{depth - 2}: there are L - 1 = {depth - 1} "
                "hidden layers W = 1.2 I before the last one."
            ),
        ),
        (
            scale ** (depth - 1),
            lambda v: (
                f"y_hat = {v:.6g} is 1.2**{depth - 1} for one coordinate: the last layer "
                "[1, 1] adds the two coordinates of 1.2**5 x."
            ),
        ),
    ]
    return compare_with_slips(answer, signals.deep_linear_output(scale, depth, x), "y_hat", slips)


def check_depth_below(answer: object) -> Feedback:
    """Exercise 2: the smallest depth ``L`` with ``0.5**(L - 1) < 1e-6`` (it is 21)."""
    expected = signals.first_depth_below(0.5, 1e-6)
    if answer is None or answer is Ellipsis:
        return Feedback(False, "L is not filled in yet.")
    value = as_float(answer)
    if value is None:
        return Feedback(False, f"L should be a whole number of layers, got {answer!r}.")
    if not value.is_integer():
        return Feedback(
            False,
            f"L = {value:g} is not a whole number: round up to the first depth where "
            "0.5**(L - 1) is below 1e-6.",
        )
    depth = int(value)
    if depth < 1:
        return Feedback(False, f"L = {depth}: a network has at least one layer.")
    if depth == expected:
        return Feedback(True, f"L = {depth}: 0.5**{depth - 1} = {0.5 ** (depth - 1):.3g} < 1e-6.")
    if depth == expected - 1:
        return Feedback(
            False,
            f"L = {depth} is the exponent L - 1 (or one layer short): 0.5**{depth - 1} = "
            f"{0.5 ** (depth - 1):.3g} is still >= 1e-6.",
        )
    if depth > expected:
        return Feedback(
            False,
            f"L = {depth} is not the smallest: already at L = {expected}, 0.5**{expected - 1} "
            f"= {0.5 ** (expected - 1):.3g} < 1e-6.",
        )
    return Feedback(
        False,
        f"L = {depth} is too shallow: 0.5**{depth - 1} = {0.5 ** (depth - 1):.3g} is "
        "still >= 1e-6.",
    )


def check_shrink_scale(answer: object) -> Feedback:
    """Exercise 3: the scale ``s`` of ``W = s N(0, 1/n)`` that shrinks the signal's norm by
    a factor 1000 over 30 layers: ``s**30 = 1/1000``, ``s = 1000**(-1/30) = 0.7943``."""
    factor, depth = 1000.0, 30
    expected = factor ** (-1.0 / depth)
    slips = [
        (
            1.0 / expected,
            lambda v: (
                f"s = {v:.4g} > 1 makes the signal GROW by 1000 over 30 layers; "
                "the target is a shrinkage."
            ),
        ),
        (
            math.log(expected),
            lambda v: f"{v:.4g} is log(s), the growth rate per layer; the question asks for s.",
        ),
        (
            expected**2,
            lambda v: (
                f"{v:.4g} is s**2, the factor on the VARIANCE per layer; the norm "
                "(a standard deviation) changes by s per layer."
            ),
        ),
    ]
    return compare_with_slips(answer, expected, "s", slips)
