"""Checks for the exercises of ``03_sigmoid_saturation.ipynb``.

Each check first looks for the typical slip of its exercise (a sum instead of a product,
an absolute instead of a relative threshold, the tanh formula used for the logistic
function, an off-by-one in softsign's tail) and says so; otherwise
:func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

from course_utils import signals
from course_utils.checks import Feedback, compare_with_slips

__all__ = ["check_chain_bound", "check_saturation_threshold", "check_softsign_gap"]


def check_chain_bound(answer: object) -> Feedback:
    """Exercise 1: the largest factor ``|d a_8 / d x|`` through 8 logistic layers with unit
    weights: ``(1/4)**8 = 1.526e-05``."""
    depth = 8
    slips = [
        (
            0.25 * depth,
            lambda v: (
                f"{v:.4g} is 8 * 1/4: the chain rule MULTIPLIES one factor "
                "sigma'(z) <= 1/4 per layer."
            ),
        ),
        (4.0**depth, lambda v: f"{v:.4g} is 4**8; each layer multiplies by at most 1/4, not 4."),
        *(
            (
                0.25**k,
                lambda v, k=k: f"{v:.4g} is (1/4)**{k}: count one factor per layer, 8 in all.",
            )
            for k in (depth - 1, depth + 1)
        ),
        (
            0.5**depth,
            lambda v: (
                f"{v:.4g} is (1/2)**8: sigma(0) = 1/2 is the value, the largest "
                "derivative is sigma'(0) = 1/4."
            ),
        ),
    ]
    return compare_with_slips(answer, 0.25**depth, "largest factor", slips)


def check_saturation_threshold(answer: object) -> Feedback:
    """Exercise 2: the ``|z|`` beyond which ``sigma'(z) < 0.01 sigma'(0)``:
    ``2 arccosh(10) = 5.9865``."""
    expected = signals.derivative_threshold("logistic", 0.01)
    slips = [
        (
            -expected,
            lambda v: f"|z| = {v:.4g} is negative: give the distance |z| from 0 (sigma' is even).",
        ),
        (
            2.0 * math.acosh(1.0 / math.sqrt(0.01 / 0.25)),
            lambda v: (
                f"|z| = {v:.4g} solves sigma'(z) = 0.01; the threshold is 1% of "
                "sigma'(0) = 1/4, i.e. sigma'(z) = 0.0025."
            ),
        ),
        (
            signals.derivative_threshold("tanh", 0.01),
            lambda v: (
                f"|z| = {v:.4g} is the tanh threshold; for the logistic function "
                "sigma'(z)/sigma'(0) = sech(z/2)**2, which has a factor 2 in the argument."
            ),
        ),
    ]
    return compare_with_slips(answer, expected, "|z|", slips)


def check_softsign_gap(answer: object) -> Feedback:
    """Exercise 3: the ``|z|`` at which softsign comes within 0.001 of its asymptote:
    ``1 / (1 + |z|) = 0.001``, so ``|z| = 999``."""
    gap = 1e-3
    slips = [
        (
            math.atanh(1.0 - gap),
            lambda v: f"|z| = {v:.4g} is where tanh gets that close; softsign needs far more.",
        ),
        (
            1.0 / gap,
            lambda v: f"|z| = {v:.6g} is off by one: 1 - softsign(z) = 1 / (1 + |z|).",
        ),
        (
            1.0 / math.sqrt(gap) - 1.0,
            lambda v: (
                f"|z| = {v:.4g} makes the DERIVATIVE 1/(1 + |z|)**2 equal 0.001; the "
                "question is about the value's distance 1 - |softsign(z)|."
            ),
        ),
    ]
    return compare_with_slips(answer, 1.0 / gap - 1.0, "|z|", slips)
