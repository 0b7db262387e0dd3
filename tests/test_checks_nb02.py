"""Exercise checks of notebook 02: right answers pass, typical slips get a precise hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import Feedback, nb02

S = 1000 ** (-1 / 30)


@pytest.mark.parametrize(
    "check", [nb02.check_deep_linear_output, nb02.check_depth_below, nb02.check_shrink_scale]
)
@pytest.mark.parametrize("empty", [None, ...])
def test_not_filled_in(check, empty):
    fb = check(empty)
    assert isinstance(fb, Feedback)
    assert not fb
    assert "not filled in" in fb.message
    assert str(fb).startswith("NOT YET")


@pytest.mark.parametrize("answer", [2 * 1.2**5, np.float64(4.97664), np.array(4.97664)])
def test_deep_linear_output_right(answer):
    fb = nb02.check_deep_linear_output(answer)
    assert fb
    assert str(fb).startswith("PASSED")


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (2 * 1.2**6, "1.2**6"),
        (2 * 1.2**4, "too few"),
        (1.2**5, "adds the two coordinates"),
        (-2 * 1.2**5, "sign"),
        (4 * 1.2**5, "2 times too large"),
        ("4.97664", "not text"),
        (math.inf, "finite"),
        (16.4, "too "),
    ],
)
def test_deep_linear_output_slips(answer, fragment):
    fb = nb02.check_deep_linear_output(answer)
    assert not fb
    assert fragment in fb.message


@pytest.mark.parametrize("answer", [21, np.int64(21), 21.0])
def test_depth_below_right(answer):
    fb = nb02.check_depth_below(answer)
    assert fb
    assert "0.5**20" in fb.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (20, "exponent L - 1"),
        (22, "not the smallest"),
        (40, "not the smallest"),
        (10, "too shallow"),
        (0, "at least one layer"),
        (19.93, "whole number"),
        ("21", "whole number of layers"),
        (True, "whole number of layers"),
    ],
)
def test_depth_below_slips(answer, fragment):
    fb = nb02.check_depth_below(answer)
    assert not fb
    assert fragment in fb.message


def test_shrink_scale_right():
    assert nb02.check_shrink_scale(S)
    assert nb02.check_shrink_scale(round(S, 5))
    assert math.isclose(S**30, 1e-3)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (1 / S, "GROW"),
        (S**2, "VARIANCE"),
        (math.log(S), "log(s)"),
        (2 * S, "2 times too large"),
        (0.5, "too "),
        ([S], "single number"),
    ],
)
def test_shrink_scale_slips(answer, fragment):
    fb = nb02.check_shrink_scale(answer)
    assert not fb
    assert fragment in fb.message
