"""Exercise checks of notebook 02: right answers pass, typical slips get a precise hint, and
no failing message shows the expected value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE, revealed, without_echoes, wrong_answers

from course_utils import signals
from course_utils.checks import Feedback, nb02

S = 1000 ** (-1 / 50)


@pytest.mark.parametrize(
    "check",
    [
        nb02.check_deep_linear_prediction,
        nb02.check_depth_below,
        nb02.check_shrink_experiment,
        nb02.check_growth_prediction,
    ],
)
@pytest.mark.parametrize("empty", [None, ...])
def test_not_filled_in(check, empty):
    fb = check(empty)
    assert isinstance(fb, Feedback)
    assert not fb
    assert "not filled in" in fb.message
    assert str(fb).startswith("NOT YET")


# ---------------------------------------------------------------------------- exercise 1


def test_deep_linear_measurement_is_the_product():
    assert nb02.measured_deep_linear_output() == pytest.approx(2 * 1.2**5, rel=1e-12)


@pytest.mark.parametrize("answer", [2 * 1.2**5, np.float64(4.98), np.array(4.97664), 5.0])
def test_deep_linear_prediction_right(answer):
    fb = nb02.check_deep_linear_prediction(answer)
    assert fb
    assert str(fb).startswith("PASSED")


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (2 * 1.2**6, "1.2**6"),
        (2 * 1.2**4, "too few"),
        (1.2**5, "adds the two coordinates"),
        (12.0, "multiply them"),
        (4.0, "compounds"),
        (-2 * 1.2**5, "sign"),
        (4 * 1.2**5, "2 times too large"),
        (4.9, "a little too small"),
        ("4.97664", "not text"),
        (math.inf, "finite"),
    ],
)
def test_deep_linear_prediction_slips(answer, fragment):
    fb = nb02.check_deep_linear_prediction(answer)
    assert not fb
    assert fragment in fb.message


def test_deep_linear_wrong_predictions_fail():
    expected = 2 * 1.2**5
    slips = [2 * 1.2**6, 2 * 1.2**4, 1.2**5, 12.0, 4.0]
    tried = 0
    for guess in [*wrong_answers(expected, slips), *HOSTILE]:
        if isinstance(guess, float) and abs(guess - expected) <= 0.01 * expected:
            continue
        fb = nb02.check_deep_linear_prediction(guess)
        tried += 1
        assert not fb, (guess, fb)
        # the cell has revealed the measurement; nothing else in the message gives it
        rest = without_echoes(fb.message, guess, expected)
        assert revealed(rest, expected) == [], fb.message
    assert tried >= 30


# ---------------------------------------------------------------------------- exercise 2


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


# ---------------------------------------------------------------------------- exercise 3


def _experiment(s, depth=50):
    return lambda: signals.linear_layer_stds("lecun_normal", 256, depth, s, m=32, rng=0)


def test_shrink_experiment_unchanged_fails_solution_passes():
    unchanged = nb02.check_shrink_experiment(_experiment(1.0))
    assert not unchanged and "too high" in unchanged.message and "lower s" in unchanged.message
    fb = nb02.check_shrink_experiment(_experiment(S))
    assert fb, fb.message
    stds = _experiment(S)()
    assert 1 / 1500 < stds[-1] / stds[0] < 1 / 667, "the measured shrink is a thousandfold"


@pytest.mark.parametrize(
    ("experiment", "fragment"),
    [
        (_experiment(S**2), "not s²"),  # the variance's factor per layer
        (_experiment(1 / S), "too high"),  # a growth instead of a shrinkage
        (_experiment(0.88), "too high"),
        (_experiment(0.86), "too low"),
        (_experiment(S, depth=30), "keep the depth"),
        (_experiment(0.8, depth=30), "keep the depth"),
        (_experiment(-1.0), "raised ValueError"),
        (lambda: "stds", "Could not measure"),
        (lambda: 1 / 0, "ZeroDivisionError"),
        ("experiment", "no parentheses"),
    ],
)
def test_shrink_experiment_misses_are_explained(experiment, fragment):
    fb = nb02.check_shrink_experiment(experiment)
    assert not fb and fragment in fb.message, fb.message
    assert revealed(fb.message, S) == [], fb.message


def test_shrink_experiment_survives_hostile_answers():
    for answer in HOSTILE:
        fb = nb02.check_shrink_experiment(answer)
        assert not fb and "Traceback" not in fb.message


# ---------------------------------------------------------------------------- exercise 5


def test_growth_prediction_messages_never_show_the_theory_value():
    measured = nb02.measured_growth()
    theory = 0.9**40
    slips = [0.9 * 40, 0.9**80, 1.0]
    tried = 0
    for guess in [*wrong_answers(theory, slips), *HOSTILE]:
        if isinstance(guess, float) and abs(guess - measured) <= 0.25 * measured:
            continue
        fb = nb02.check_growth_prediction(guess, measured)
        tried += 1
        assert not fb, (guess, fb)
        rest = without_echoes(fb.message, guess, measured)
        assert revealed(rest, theory) == [] and revealed(rest, measured) == [], fb.message
    assert tried >= 30
    assert "positive" in nb02.check_growth_prediction(-3.0, measured).message
    assert "VARIANCE" in nb02.check_growth_prediction(0.9**80, measured).message
