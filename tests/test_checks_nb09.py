"""Checks of notebook 09: solutions pass, wrong answers fail without the expected value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import initializers
from course_utils.checks import matches_to, nb09

EXPECTED_VAR = initializers.truncated_std() ** 2 / 512


def _no_value(message: str, value: float) -> None:
    for digits in (2, 3, 4, 6):
        assert f"{value:.{digits}g}" not in message
    assert f"{value:.3e}" not in message


def test_sig_figs():
    assert matches_to(1.51e-3, 1.51118e-3)
    assert not matches_to(1.52e-3, 1.51118e-3)
    assert matches_to(0.0, 0.0)


def test_prediction():
    assert nb09.check_torch_relu_prediction("d")
    assert nb09.check_torch_relu_prediction(" D ")
    for wrong in "abc":
        fb = nb09.check_torch_relu_prediction(wrong)
        assert not fb and "1/6" not in fb.message
    assert "not an option" in nb09.check_torch_relu_prediction("e").message
    assert "Choose one of" in nb09.check_torch_relu_prediction(None).message


def test_explain():
    assert nb09.check_flax_correction("b")
    for wrong in "acd":
        assert not nb09.check_flax_correction(wrong)
    assert not nb09.check_flax_correction(2)


def test_uncorrected_variance():
    assert nb09.check_uncorrected_variance(EXPECTED_VAR)
    assert nb09.check_uncorrected_variance(float(f"{EXPECTED_VAR:.3g}"))
    for wrong, hint in [
        (1 / 512, "WITH the correction"),
        (math.sqrt(EXPECTED_VAR), "standard deviation"),
        (0.8796 / 512, "square"),
        (2 * EXPECTED_VAR, "too large"),
        (0.5 * EXPECTED_VAR, "too small"),
        (-1.0, "sign is wrong"),
        ("0.0015", "not text"),
        (None, "not filled"),
    ]:
        fb = nb09.check_uncorrected_variance(wrong)
        assert not fb, wrong
        assert hint in fb.message
        _no_value(fb.message, EXPECTED_VAR)


def test_relu_init_solution_and_mistakes():
    def solution(shape, rng):
        return initializers.uniform(shape, math.sqrt(6 / shape[1]), rng=rng)

    assert nb09.check_relu_init(solution)

    def torch_default(shape, rng):
        return initializers.torch_linear(shape, rng=rng)

    fb = nb09.check_relu_init(torch_default)
    assert not fb and "shrinks" in fb.message and "larger" in fb.message

    def too_big(shape, rng):
        return initializers.uniform(shape, 2 * math.sqrt(6 / shape[1]), rng=rng)

    fb = nb09.check_relu_init(too_big)
    assert not fb and "grows" in fb.message and "smaller" in fb.message

    def global_state(shape, rng):
        return np.random.default_rng().uniform(-0.15, 0.15, shape)

    assert "deterministic" in nb09.check_relu_init(global_state).message

    def fixed(shape, rng):
        return initializers.uniform(shape, math.sqrt(6 / shape[1]), rng=0)

    assert "ignores its rng" in nb09.check_relu_init(fixed).message
    assert "shape" in nb09.check_relu_init(lambda s, r: np.zeros((3, 3))).message
    assert "failed" in nb09.check_relu_init(lambda s: s).message
    assert "function" in nb09.check_relu_init(3).message
    assert "not defined" in nb09.check_relu_init(None).message


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_uncorrected_variance_non_finite(bad):
    assert not nb09.check_uncorrected_variance(bad)
