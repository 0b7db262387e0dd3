"""Exercise checks of notebook 06 (activation-specific adjustments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import initializers
from course_utils.checks import nb06


@pytest.mark.parametrize(
    "check",
    [nb06.check_he_normal_std, nb06.check_leaky_relu_gain, nb06.check_logistic_taylor_variance],
)
@pytest.mark.parametrize("empty", [None, ...])
def test_unfilled_answers_say_so(check, empty):
    fb = check(empty)
    assert not fb
    assert "not filled in" in fb.message
    assert str(fb).startswith("NOT YET")


def test_he_normal_std():
    assert nb06.check_he_normal_std(math.sqrt(2 / 512))
    assert nb06.check_he_normal_std(0.0625)
    assert nb06.check_he_normal_std(np.float32(0.0625))
    assert nb06.check_he_normal_std(math.sqrt(2 / 100), fan_in=100)
    assert str(nb06.check_he_normal_std(0.0625)).startswith("PASSED")


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (2 / 512, "variance of the weights"),  # the variance, not the std
        (math.sqrt(1 / 512), "doubles the variance"),  # LeCun / Xavier
        (math.sqrt(6 / 512), "he_uniform"),  # the uniform bound
        (2 * 0.0625, "2 times too large"),
        (-0.0625, "sign"),
        ("0.0625", "should be a"),
        (float("inf"), "finite"),
    ],
)
def test_he_normal_std_explains_slips(answer, fragment):
    fb = nb06.check_he_normal_std(answer)
    assert not fb
    assert fragment in fb.message


def test_leaky_relu_gain():
    expected = initializers.calculate_gain("leaky_relu", 0.2)
    assert expected == pytest.approx(1.386750, abs=1e-6)
    assert nb06.check_leaky_relu_gain(expected)
    assert nb06.check_leaky_relu_gain(math.sqrt(2 / 1.04))
    assert nb06.check_leaky_relu_gain(math.sqrt(2 / 1.25), slope=0.5)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (math.sqrt(2), "ReLU gain"),
        (math.sqrt(2 / 1.2), "square the slope"),
        (2 / 1.04, "square root"),
        (1 / math.sqrt(2 / 1.04), ""),
        (0.5, "too "),
    ],
)
def test_leaky_relu_gain_explains_slips(answer, fragment):
    fb = nb06.check_leaky_relu_gain(answer)
    assert not fb
    assert fragment in fb.message


def test_logistic_taylor_variance():
    assert nb06.check_logistic_taylor_variance(0.128)
    assert nb06.check_logistic_taylor_variance(16 * 2 / 250)
    assert nb06.check_logistic_taylor_variance(0.16, n_in=100, n_out=100)
    assert nb06.check_logistic_taylor_variance(16 * 2 / 300, n_in=100, n_out=200)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.008, "plain Xavier"),
        (0.032, "16 times larger"),
        (0.128**0.5, "square root"),  # the std
        (0.08, "fan-in"),  # 16 / n_in
        (0.32, "fan-out"),  # 16 / n_out
        (0.128 * 16, "16 times too large"),
    ],
)
def test_logistic_taylor_variance_explains_slips(answer, fragment):
    fb = nb06.check_logistic_taylor_variance(answer)
    assert not fb
    assert fragment in fb.message


def test_checks_validate_their_parameters():
    with pytest.raises(ValueError, match="fan_in"):
        nb06.check_he_normal_std(0.1, fan_in=0)
    with pytest.raises(TypeError, match="fan_in"):
        nb06.check_he_normal_std(0.1, fan_in=2.5)
    with pytest.raises(ValueError, match="slope"):
        nb06.check_leaky_relu_gain(1.0, slope=-0.1)
    with pytest.raises(ValueError, match="n_in"):
        nb06.check_logistic_taylor_variance(0.1, n_in=0)
    with pytest.raises(ValueError, match="n_out"):
        nb06.check_logistic_taylor_variance(0.1, n_out=-3)
