"""Tests of course_utils.checks.nb10: right answers pass, slips are named, no value leaks."""

from __future__ import annotations

import math

import pytest

from course_utils.checks import nb10

XL = 0.02 / math.sqrt(96)


def _no_leak(message: str, expected: float) -> None:
    for digits in (3, 4, 6):
        assert f"{expected:.{digits}g}" not in message


@pytest.mark.parametrize("answer", [XL, XL * 1.002, XL * 0.998, round(XL, 5)])
def test_gpt2_std_accepts_three_significant_figures(answer):
    fb = nb10.check_gpt2_projection_std(answer, n_layer=48)
    assert fb.passed, fb.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.02, "base std"),
        (0.02 / math.sqrt(48), "count the residual branches"),
        (0.02 / 96, "square root"),
        (0.02**2 / 96, "variance"),
        (0.02 * math.sqrt(96), "multiplied"),
        (XL * 1.2, "too large"),
        (XL * 1.02, "close"),
        (XL * 0.9, "too small"),
        (None, "not filled in"),
        ("0.002", "not text"),
        (float("nan"), "NaN"),
    ],
)
def test_gpt2_std_slips_and_directions_without_the_value(answer, fragment):
    fb = nb10.check_gpt2_projection_std(answer, n_layer=48)
    assert not fb.passed
    assert fragment in fb.message
    _no_leak(fb.message, XL)


def test_gpt2_std_validates_n_layer():
    with pytest.raises(ValueError, match="n_layer"):
        nb10.check_gpt2_projection_std(0.001, n_layer=0)


def test_unscale_output_accepts_the_right_function():
    def right(net, scale):
        net.weights[-1][...] /= scale

    assert nb10.check_unscale_output(right).passed


@pytest.mark.parametrize(
    ("fn", "fragment"),
    [
        (None, "not filled in"),
        (3, "no parentheses"),
        (lambda net, scale: None, "unchanged"),
        (lambda net, scale: net.weights[0].__imul__(1 / scale), "W1 changed"),
        (lambda net, scale: net.weights[-1].__imul__(1 / scale**2), "more than"),
        (lambda net, scale: net.weights[-1].__imul__(0.5), "less than"),
        (lambda net, scale: 1 / 0, "ZeroDivisionError"),
        (lambda net, scale: net.weights[-1] / scale, "in place"),
    ],
)
def test_unscale_output_explains_what_is_wrong(fn, fragment):
    fb = nb10.check_unscale_output(fn)
    assert not fb.passed
    assert fragment in fb.message, fb.message


@pytest.mark.parametrize(
    ("check", "correct"),
    [(nb10.check_rezero_prediction, "b"), (nb10.check_two_branches, "a")],
)
def test_multiple_choice_has_feedback_for_every_option(check, correct):
    messages = set()
    for key in "abcd":
        fb = check(key)
        assert fb.passed == (key == correct)
        options = (
            nb10.CHECK_REZERO_PREDICTION_OPTIONS
            if check is nb10.check_rezero_prediction
            else nb10.CHECK_TWO_BRANCHES_OPTIONS
        )
        assert options[key].feedback in fb.message
        messages.add(fb.message)
    assert len(messages) == 4
    assert check(f" {correct.upper()} ").passed
    for bad in (None, "e", 1):
        assert not check(bad).passed
