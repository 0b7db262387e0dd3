"""Checks for the exercises of ``03_sigmoid_saturation.ipynb``.

Each check first looks for the typical slip of its exercise (a sum instead of a product,
an absolute instead of a relative threshold, the tanh formula used for the logistic
function, an off-by-one in softsign's tail) and says so; otherwise
:func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils.checks import Feedback, compare_scalar

__all__ = ["check_chain_bound", "check_saturation_threshold", "check_softsign_gap"]

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


def check_chain_bound(answer: object) -> Feedback:
    """Exercise 1: the largest factor ``|d a_8 / d x|`` through 8 logistic layers with unit
    weights: ``(1/4)**8 = 1.526e-05``."""
    depth = 8
    expected = 0.25**depth
    value = _as_float(answer)
    if value is not None and not _close(value, expected):
        if _close(value, 0.25 * depth):
            return Feedback(
                False,
                f"{value:.4g} is 8 * 1/4: the chain rule MULTIPLIES one factor "
                "sigma'(z) <= 1/4 per layer.",
            )
        if _close(value, 4.0**depth):
            return Feedback(
                False, f"{value:.4g} is 4**8; each layer multiplies by at most 1/4, not 4."
            )
        for k in (depth - 1, depth + 1):
            if _close(value, 0.25**k):
                return Feedback(
                    False, f"{value:.4g} is (1/4)**{k}: count one factor per layer, 8 in all."
                )
        if _close(value, 0.5**depth):
            return Feedback(
                False,
                f"{value:.4g} is (1/2)**8: sigma(0) = 1/2 is the value, the largest "
                "derivative is sigma'(0) = 1/4.",
            )
    return compare_scalar(answer, expected, "largest factor", rtol=_RTOL)


def check_saturation_threshold(answer: object) -> Feedback:
    """Exercise 2: the ``|z|`` beyond which ``sigma'(z) < 0.01 sigma'(0)``:
    ``2 arccosh(10) = 5.9865``."""
    expected = signals.derivative_threshold("logistic", 0.01)
    value = _as_float(answer)
    if value is not None and not _close(value, expected):
        if _close(value, -expected):
            return Feedback(
                False,
                f"|z| = {value:.4g} is negative: give the distance |z| from 0 (sigma' is even).",
            )
        absolute = 2.0 * math.acosh(1.0 / math.sqrt(0.01 / 0.25))
        if _close(value, absolute):
            return Feedback(
                False,
                f"|z| = {value:.4g} solves sigma'(z) = 0.01; the threshold is 1% of "
                "sigma'(0) = 1/4, i.e. sigma'(z) = 0.0025.",
            )
        if _close(value, signals.derivative_threshold("tanh", 0.01)):
            return Feedback(
                False,
                f"|z| = {value:.4g} is the tanh threshold; for the logistic function "
                "sigma'(z)/sigma'(0) = sech(z/2)**2, which has a factor 2 in the argument.",
            )
    return compare_scalar(answer, expected, "|z|", rtol=_RTOL)


def check_softsign_gap(answer: object) -> Feedback:
    """Exercise 3: the ``|z|`` at which softsign comes within 0.001 of its asymptote:
    ``1 / (1 + |z|) = 0.001``, so ``|z| = 999``."""
    gap = 1e-3
    expected = 1.0 / gap - 1.0
    value = _as_float(answer)
    if value is not None and not _close(value, expected):
        if _close(value, math.atanh(1.0 - gap)):
            return Feedback(
                False,
                f"|z| = {value:.4g} is where tanh gets that close; softsign needs far more.",
            )
        if _close(value, 1.0 / gap):
            return Feedback(
                False,
                f"|z| = {value:.6g} is off by one: 1 - softsign(z) = 1 / (1 + |z|).",
            )
        if _close(value, 1.0 / math.sqrt(gap) - 1.0):
            return Feedback(
                False,
                f"|z| = {value:.4g} makes the DERIVATIVE 1/(1 + |z|)**2 equal 0.001; the "
                "question is about the value's distance 1 - |softsign(z)|.",
            )
    return compare_scalar(answer, expected, "|z|", rtol=_RTOL)
