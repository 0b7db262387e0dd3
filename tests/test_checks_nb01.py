"""Exercise checks of notebook 01 (course_utils.checks.nb01): right answers pass, wrong ones
fail with their own explanation and never show the expected value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE, revealed, without_echoes, wrong_answers

from course_utils import datasets
from course_utils.checks import Feedback, nb01
from course_utils.experiments.playground import SIZES, PlaygroundModel, init_std
from course_utils.mlp import MLP

# ---------------------------------------------------------------------------- exercise 1


def test_too_small_std_right_answers_pass():
    for answer in (
        math.sqrt(0.01 / 50),
        0.1 / math.sqrt(50),
        np.float32(0.0141421),
        0.0141,
        init_std("Too small", (3, 50)),
    ):
        fb = nb01.check_too_small_std(answer)
        assert isinstance(fb, Feedback)
        assert fb, fb.message
        assert "right" in fb.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (..., "not filled in"),
        (0.01 / 50, "asks for the standard deviation"),
        (0.01, "scales the VARIANCE"),
        (0.01 / math.sqrt(50), "sqrt(0.01) = 0.1"),
        (math.sqrt(0.01 / 6), "layer with 6 inputs"),
        (math.sqrt(1 / 50), "factor 0.01"),
        (math.sqrt(1 / 6), "sqrt(1/6), the 'Appropriate' std"),
        (0.408, "sqrt(1/6), the 'Appropriate' std"),
        (-math.sqrt(0.01 / 50), "sign"),
        ("0.04", "not text"),
    ],
)
def test_too_small_std_wrong_answers_explain(answer, fragment):
    fb = nb01.check_too_small_std(answer)
    assert not fb
    assert fragment in fb.message
    assert revealed(fb.message, math.sqrt(0.01 / 50)) == []


# ---------------------------------------------------------------------------- exercise 2


def _independent_growth(k: float, networks: int, seed: int) -> float:
    """E[(z3)^2] / q0 of the playground net with Var(W) = k / n_in, written out by hand."""
    x, _ = datasets.make_circles(400, rng=0)
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(networks):
        a = x
        for i in range(3):
            w = rng.normal(0.0, math.sqrt(k / SIZES[i]), (SIZES[i + 1], SIZES[i]))
            z = w @ a
            a = np.maximum(z, 0.0)
        total += float(np.mean(z**2))
    return total / networks / float(np.mean(x**2))


def test_signal_growth_measurement_follows_the_recurrence():
    measured = nb01.measured_signal_growth()
    assert measured == nb01.measured_signal_growth(), "seeded: the same value every run"
    assert abs(measured / (4**3 / 4) - 1) < 0.1
    # an independent simulation agrees within its Monte Carlo error
    assert abs(_independent_growth(4.0, 2000, seed=11) / measured - 1) < 0.1


def test_signal_growth_solution_passes_and_recomputes():
    assert nb01.check_signal_growth_prediction(16.0, 15.8)
    assert nb01.check_signal_growth_prediction(4 * (4 / 2) ** 2)


@pytest.mark.parametrize(
    ("prediction", "fragment"),
    [
        (64.0, "two ReLUs"),
        (8.0, "raw input"),
        (4.0, "RMS"),
        (12.0, "multiply"),
        (1.0, "He"),
    ],
)
def test_signal_growth_misconceptions_get_their_reason(prediction, fragment):
    fb = nb01.check_signal_growth_prediction(prediction, 15.8)
    assert not fb and fragment in fb.message


def test_signal_growth_wrong_predictions_fail_without_the_theory_value():
    measured = 15.8
    tried = 0
    for guess in [*wrong_answers(16.0, [64.0, 8.0, 4.0, 12.0, 1.0]), *HOSTILE]:
        if isinstance(guess, float) and abs(guess - measured) <= 0.2 * measured:
            continue
        fb = nb01.check_signal_growth_prediction(guess, measured)
        tried += 1
        assert not fb, (guess, fb)
        # the measurement has been revealed by the cell; the theory's 16 must not appear
        rest = without_echoes(fb.message, guess, measured)
        assert revealed(rest, 16.0) == [] and revealed(rest, measured) == [], fb.message
        if isinstance(guess, float) and guess > 0 and "too " in fb.message:
            assert ("too large" in fb.message) == (guess > measured)
    assert tried >= 30


# ---------------------------------------------------------------------------- exercise 3


def _experiment(scale=1.0, init="Too large", steps=300, seed=0):
    def experiment():
        model = PlaygroundModel(init, "circles", lr=0.5, seed=seed, scale=scale)
        model.step(steps)
        return model

    return experiment


def test_dead_units_unchanged_function_fails_and_solution_passes():
    unchanged = nb01.check_no_dead_units(_experiment())
    assert not unchanged and "dead units [1, 2]" in unchanged.message
    assert "smaller" in unchanged.message
    fb = nb01.check_no_dead_units(_experiment(math.sqrt(2 / 100)))
    assert fb, fb.message
    model = _experiment(math.sqrt(2 / 100))()
    assert model.dead_units() == [0, 0] and model.losses[-1] < 0.05


@pytest.mark.parametrize(
    ("experiment", "fragment"),
    [
        (_experiment(0.5), "not below 0.05"),  # no dead unit, cost 0.052: almost
        (_experiment(2.0), "smaller"),
        (_experiment(1 / 64), "larger"),  # far too small: learns slowly, loses a unit
        (_experiment(0.1, init="He"), "change only the scale"),
        (_experiment(0.1, seed=1), "change only the scale"),
        (_experiment(0.1, steps=1000), "exactly 300 steps"),
        (lambda: 1 / 0, "ZeroDivisionError"),
        (lambda: None, "PlaygroundModel"),
        ("experiment", "function itself"),
        (None, "not filled in"),
    ],
)
def test_dead_units_misses_are_explained(experiment, fragment):
    fb = nb01.check_no_dead_units(experiment)
    assert not fb and fragment in fb.message, fb.message
    assert "nb01.hint('ex3')" in fb.message


def test_dead_units_check_survives_hostile_answers():
    for answer in HOSTILE:
        fb = nb01.check_no_dead_units(answer)
        assert not fb and "Traceback" not in fb.message


def test_dead_units_property_is_measured_not_trusted():
    # a model that has the right settings but was trained longer is rejected
    model = PlaygroundModel("Too large", "circles", lr=0.5, seed=0, scale=0.5)
    model.step(2000)
    assert model.losses[-1] < 0.05
    assert not nb01.check_no_dead_units(lambda: model)


# ---------------------------------------------------------------------------- exercise 4


def test_rows_stay_equal_really_happens():
    net = MLP(SIZES, "relu", "sigmoid", init=[lambda shape, rng: np.full(shape, 0.5)] * 3)
    x, y = datasets.make_circles(400, rng=0)
    dW1 = net.backward(net.forward(x), y).dW[0]
    assert np.max(np.abs(dW1)) > 1e-3
    assert np.max(np.ptp(dW1, axis=0)) <= 1e-12 * np.max(np.abs(dW1))
    assert nb01.check_why_rows_stay_equal("b")
    assert not nb01.check_why_rows_stay_equal("a")
