"""Exercise checks of notebook 03: right answers pass, typical slips get a precise hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import activations
from course_utils.checks import Feedback, nb03

Z10 = 2 * math.acosh(math.sqrt(10))  # sigma'(z) = 0.1 sigma'(0)


@pytest.mark.parametrize(
    "check", [nb03.check_chain_bound, nb03.check_saturation_threshold, nb03.check_softsign_gap]
)
@pytest.mark.parametrize("empty", [None, ...])
def test_not_filled_in(check, empty):
    fb = check(empty)
    assert isinstance(fb, Feedback)
    assert not fb
    assert "not filled in" in fb.message


@pytest.mark.parametrize("answer", [0.25**6, 4.0**-6, np.float32(0.25**6), 2.44e-4])
def test_chain_bound_right(answer):
    assert nb03.check_chain_bound(answer)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.25 * 6, "MULTIPLIES"),
        (4.0**6, "not 4"),
        (0.25**5, "too few"),
        (0.25**7, "too many"),
        (0.5**6, "sigma(0) = 1/2"),
        (-(0.25**6), "sign"),
        (1e-3, "too "),
        ("tiny", "not text"),
    ],
)
def test_chain_bound_slips(answer, fragment):
    fb = nb03.check_chain_bound(answer)
    assert not fb
    assert fragment in fb.message


def test_saturation_threshold_right_and_meaningful():
    assert nb03.check_saturation_threshold(Z10)
    assert nb03.check_saturation_threshold(round(Z10, 2))
    sig = activations.get("logistic")
    assert math.isclose(float(sig.derivative(Z10)), 0.1 * 0.25, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (-Z10, "negative"),
        (2 * math.acosh(math.sqrt(2.5)), "absolute terms"),
        (math.acosh(math.sqrt(10)), "tanh threshold"),
        (2 * Z10, "2 times too large"),
        (4.0, "too "),
    ],
)
def test_saturation_threshold_slips(answer, fragment):
    fb = nb03.check_saturation_threshold(answer)
    assert not fb
    assert fragment in fb.message


def test_softsign_gap_right_and_meaningful():
    assert nb03.check_softsign_gap(999)
    assert nb03.check_softsign_gap(999.0)
    g = activations.get("softsign")
    assert math.isclose(1 - float(g(999.0)), 1e-3, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (1000, "off by one"),
        (math.atanh(0.999), "tanh"),
        (1 / math.sqrt(1e-3) - 1, "DERIVATIVE"),
        (-999, "negative"),
        (500, "too "),
    ],
)
def test_softsign_gap_slips(answer, fragment):
    fb = nb03.check_softsign_gap(answer)
    assert not fb
    assert fragment in fb.message
