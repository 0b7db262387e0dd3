"""Exercise checks of notebook 03: right answers pass, typical slips get a precise hint, the
measurements follow the theory, and no failing message shows the expected value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE, revealed, without_echoes, wrong_answers

from course_utils import activations
from course_utils.checks import Feedback, nb03

Z10 = 2 * math.acosh(math.sqrt(10))  # sigma'(z) = 10 % of sigma'(0)
THEORY_SHRINK = (4 * math.sqrt(3)) ** 5  # five steps of sqrt(1/3) * 1/4


@pytest.mark.parametrize(
    "check",
    [
        nb03.check_gradient_shrink_prediction,
        nb03.check_saturation_threshold,
        nb03.check_level_gradients,
    ],
)
@pytest.mark.parametrize("empty", [None, ...])
def test_not_filled_in(check, empty):
    fb = check(empty)
    assert isinstance(fb, Feedback)
    assert not fb
    assert "not filled in" in fb.message


# ---------------------------------------------------------------------------- exercise 1


@pytest.fixture(scope="module")
def measured_shrink():
    return nb03.measured_gradient_shrink()


def test_gradient_shrink_measurement_follows_the_theory(measured_shrink):
    assert abs(measured_shrink / THEORY_SHRINK - 1) < 0.15
    spreads = nb03.gradient_spreads("logistic", "standard_uniform", depth=6)
    ratios = spreads[1:] / spreads[:-1]
    assert np.all(np.abs(ratios * math.sqrt(1 / 3) / 4 - 1) < 0.1), ratios


def test_gradient_shrink_solution_passes(measured_shrink):
    assert nb03.check_gradient_shrink_prediction(THEORY_SHRINK, measured_shrink)
    assert nb03.check_gradient_shrink_prediction(7.0**5, measured_shrink)
    assert nb03.check_gradient_shrink_prediction(THEORY_SHRINK)  # recomputes the measurement


@pytest.mark.parametrize(
    ("prediction", "fragment"),
    [
        (4.0**5, "unit-weight chain"),
        (4.0**6, "one factor too many"),
        ((4 * math.sqrt(3)) ** 6, "5 steps, not 6"),
        ((4 * math.sqrt(3)) ** 4, "one factor too few"),
        ((4 * math.sqrt(3)) ** 10, "VARIANCE"),
        (math.sqrt(3) ** 5, "tanh"),
        (5 * 4 * math.sqrt(3), "multiply"),
        (1 / THEORY_SHRINK, "below 1"),
    ],
)
def test_gradient_shrink_misconceptions_get_their_reason(prediction, fragment, measured_shrink):
    fb = nb03.check_gradient_shrink_prediction(prediction, measured_shrink)
    assert not fb and fragment in fb.message, fb.message


def test_gradient_shrink_wrong_predictions_never_show_the_theory(measured_shrink):
    slips = [4.0**5, 4.0**6, (4 * math.sqrt(3)) ** 6, math.sqrt(3) ** 5]
    tried = 0
    for guess in [*wrong_answers(THEORY_SHRINK, slips), *HOSTILE]:
        if isinstance(guess, float) and abs(guess - measured_shrink) <= 0.25 * measured_shrink:
            continue
        fb = nb03.check_gradient_shrink_prediction(guess, measured_shrink)
        tried += 1
        assert not fb, (guess, fb)
        rest = without_echoes(fb.message, guess, measured_shrink)
        assert revealed(rest, THEORY_SHRINK) == [], fb.message
        assert revealed(rest, measured_shrink) == [], fb.message
    assert tried >= 30


# ---------------------------------------------------------------------------- exercise 2


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
        (math.log(40), "ln 40,"),
        (math.log(400), "ln 400"),
        (2 * math.acosh(10), "square root of 10"),
        (2 * Z10, "2 times too large"),
        (4.0, "too "),
    ],
)
def test_saturation_threshold_slips(answer, fragment):
    fb = nb03.check_saturation_threshold(answer)
    assert not fb
    assert fragment in fb.message
    assert revealed(fb.message, Z10) == []


# ---------------------------------------------------------------------------- exercise 3


def test_level_gradients_unchanged_fails_solution_passes():
    unchanged = nb03.check_level_gradients(lambda: ("logistic", "standard_uniform"))
    assert not unchanged and "change the activation" in unchanged.message
    fb = nb03.check_level_gradients(lambda: ("tanh", "xavier_uniform"))
    assert fb, fb.message
    spreads = nb03.gradient_spreads("tanh", "xavier_uniform")
    assert 0.5 <= spreads[0] / spreads[-1] <= 2
    assert nb03.saturated_fraction("tanh", "xavier_uniform") < 0.1


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda: ("tanh", "standard_uniform"), "larger variance"),  # ÷1.7 per layer
        (lambda: ("logistic", "xavier_uniform"), "change the activation"),
        (lambda: ("tanh", "standard_normal"), "grows on the way down"),
        (lambda: ("logistic", "standard_normal"), "saturated at step 0"),  # level, but flat
        (lambda: ("relu", "he_normal"), "activation should be one of"),
        (lambda: ("tanh", "zeros"), "init should be one of"),
        (lambda: ("tanh",), "two names"),
        (lambda: 1 / 0, "ZeroDivisionError"),
        ("setup", "no parentheses"),
    ],
)
def test_level_gradients_misses_are_explained(setup, fragment):
    fb = nb03.check_level_gradients(setup)
    assert not fb and fragment in fb.message, fb.message
    assert "nb03.hint('ex3')" in fb.message


def test_level_gradients_survives_hostile_answers():
    for answer in HOSTILE:
        fb = nb03.check_level_gradients(answer)
        assert not fb and "Traceback" not in fb.message


# ---------------------------------------------------------------------------- exercise 4


def test_top_layer_explanation():
    assert nb03.check_why_top_layer_saturates("b")
    for letter in "acd":
        assert not nb03.check_why_top_layer_saturates(letter)
