"""Exercise checks of notebook 03: right answers pass, typical slips get a precise hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import activations
from course_utils.checks import Feedback, nb03

Z1 = 2 * math.acosh(10)  # sigma'(z) = 0.01 sigma'(0)


@pytest.mark.parametrize(
    "check", [nb03.check_chain_bound, nb03.check_saturation_threshold, nb03.check_softsign_gap]
)
@pytest.mark.parametrize("empty", [None, ...])
def test_not_filled_in(check, empty):
    fb = check(empty)
    assert isinstance(fb, Feedback)
    assert not fb
    assert "not filled in" in fb.message


@pytest.mark.parametrize("answer", [0.25**8, 4.0**-8, np.float32(0.25**8)])
def test_chain_bound_right(answer):
    assert nb03.check_chain_bound(answer)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.25 * 8, "MULTIPLIES"),
        (4.0**8, "not 4"),
        (0.25**7, "(1/4)**7"),
        (0.25**9, "(1/4)**9"),
        (0.5**8, "sigma(0) = 1/2"),
        (-(0.25**8), "sign"),
        (1e-3, "expected 1.52588e-05"),
        ("tiny", "single number"),
    ],
)
def test_chain_bound_slips(answer, fragment):
    fb = nb03.check_chain_bound(answer)
    assert not fb
    assert fragment in fb.message


def test_saturation_threshold_right_and_meaningful():
    assert nb03.check_saturation_threshold(Z1)
    assert nb03.check_saturation_threshold(round(Z1, 4))
    sig = activations.get("logistic")
    assert math.isclose(float(sig.derivative(Z1)), 0.01 * 0.25, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (-Z1, "negative"),
        (2 * math.acosh(5), "sigma'(z) = 0.0025"),
        (math.acosh(10), "tanh threshold"),
        (2 * Z1, "2 times too large"),
        (4.0, "expected 5.986"),
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
        (-999, "sign"),
        (500, "expected 999"),
    ],
)
def test_softsign_gap_slips(answer, fragment):
    fb = nb03.check_softsign_gap(answer)
    assert not fb
    assert fragment in fb.message
