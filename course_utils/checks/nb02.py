"""Checks for the exercises of ``02_exploding_and_vanishing.ipynb``.

Each check first looks for the typical slip of its exercise (an exponent off by one, a
forgotten last layer, a growth instead of a shrinkage, a variance given for a scale) and
says so; otherwise :func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils.checks import Feedback, compare_scalar

__all__ = ["check_deep_linear_output", "check_depth_below", "check_shrink_scale"]

_RTOL = 1e-4


def _as_float(answer: object) -> float | None:
    """``answer`` as a finite float, or None when it is not a plain finite number."""
    if isinstance(answer, (str, bytes, bool)):
        return None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _close(value: float | None, target: float) -> bool:
    return value is not None and math.isclose(value, target, rel_tol=_RTOL)


def check_deep_linear_output(answer: object) -> Feedback:
    """Exercise 1: ``y_hat`` of the deep linear net with ``L = 6``, ``W = 1.2 I``, ``x = (1, 1)``.

    Layers 1..5 are ``1.2 I``, the last layer is the row ``[1, 1]``, so
    ``y_hat = 2 * 1.2**5 = 4.97664``.
    """
    scale, depth, x = 1.2, 6, (1.0, 1.0)
    expected = signals.deep_linear_output(scale, depth, x)
    value = _as_float(answer)
    if answer is not None and answer is not Ellipsis and not _close(value, expected):
        total = sum(x)
        if _close(value, total * scale**depth):
            return Feedback(
                False,
                f"y_hat = {value:.6g} uses 1.2**{depth}: only the L - 1 = {depth - 1} hidden "
                "layers are 1.2 I; the last layer is the row [1, 1].",
            )
        if _close(value, total * scale ** (depth - 2)):
            return Feedback(
                False,
                f"y_hat = {value:.6g} uses 1.2**{depth - 2}: there are L - 1 = {depth - 1} "
                "hidden layers W = 1.2 I before the last one.",
            )
        if _close(value, scale ** (depth - 1)):
            return Feedback(
                False,
                f"y_hat = {value:.6g} is 1.2**{depth - 1} for one coordinate: the last layer "
                "[1, 1] adds the two coordinates of 1.2**5 x.",
            )
    return compare_scalar(answer, expected, "y_hat", rtol=_RTOL)


def check_depth_below(answer: object) -> Feedback:
    """Exercise 2: the smallest depth ``L`` with ``0.5**(L - 1) < 1e-6`` (it is 21)."""
    expected = signals.first_depth_below(0.5, 1e-6)
    if answer is None or answer is Ellipsis:
        return Feedback(False, "L is not filled in yet.")
    value = _as_float(answer)
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
    value = _as_float(answer)
    if value is not None and not _close(value, expected):
        if _close(value, 1.0 / expected):
            return Feedback(
                False,
                f"s = {value:.4g} > 1 makes the signal GROW by 1000 over 30 layers; "
                "the target is a shrinkage.",
            )
        if _close(value, math.log(expected)):
            return Feedback(
                False,
                f"{value:.4g} is log(s), the growth rate per layer; the question asks for s.",
            )
        if _close(value, expected**2):
            return Feedback(
                False,
                f"{value:.4g} is s**2, the factor on the VARIANCE per layer; the norm "
                "(a standard deviation) changes by s per layer.",
            )
    return compare_scalar(answer, expected, "s", rtol=_RTOL)
