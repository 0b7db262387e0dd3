"""Exercise checks of notebook 05 (backward variance and Glorot's compromise): right answers
pass, every wrong one fails with its own explanation and never with the expected value, and
the modify check runs the learner's function."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE

from course_utils import initializers, theory
from course_utils.checks import Feedback, nb05

R = math.sqrt(6 / (512 + 128))  # Glorot's uniform bound of a 512 -> 128 layer


def _mentions(message: str, value: float) -> bool:
    """True if ``value`` appears in ``message`` rounded to 2 to 6 significant figures."""
    numbers = [float(m) for m in re.findall(r"(?<![\w^.])[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", message)]
    targets = {float(f"{value:.{k}g}") for k in range(2, 7)}
    return any(math.isclose(n, t, rel_tol=1e-12) for n in numbers for t in targets)


# --- exercise 1 (compute a value): the Glorot uniform bound -----------------------------


def test_glorot_bound_right_answer_passes_and_matches_the_initializer():
    fb = nb05.check_glorot_uniform_bound(R)
    assert isinstance(fb, Feedback) and fb
    assert nb05.check_glorot_uniform_bound(0.0968)
    close = nb05.check_glorot_uniform_bound(0.097)
    assert not close and "close" in close.message
    w = initializers.xavier_uniform((128, 512), rng=0)
    assert np.max(np.abs(w)) <= R
    assert np.max(np.abs(w)) == pytest.approx(R, rel=1e-3)


def test_glorot_bound_square_layer_is_not_mistaken_for_a_slip():
    # for n_in == n_out the right bound equals LeCun's sqrt(3/n_in): it must pass
    assert nb05.check_glorot_uniform_bound(math.sqrt(3 / 100), n_in=100, n_out=100)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        ("0.0968", "not text"),
        (2 / 640, "is the variance"),
        (math.sqrt(2 / 640), "normal version"),
        (6 / 640, "square root"),
        (math.sqrt(3 / 512), "n_in only"),
        (1 / math.sqrt(512), "'standard' init"),
        (math.sqrt(6) / 640, "sqrt(6)"),
        (-R, "sign"),
        (10 * R, "10 times too large"),
        (R / 10, "10 times too small"),
        (0.12, "too "),
    ],
)
def test_glorot_bound_wrong_answers_explain(answer, fragment):
    fb = nb05.check_glorot_uniform_bound(answer)
    assert not fb and fragment in fb.message
    assert not _mentions(fb.message, R), fb.message


def test_glorot_bound_random_wrong_answers_never_reveal():
    rng = np.random.default_rng(5)
    tried = 0
    for answer in R * np.exp(rng.uniform(-6, 6, 60)):
        if abs(answer - R) <= 5e-4:
            continue
        fb = nb05.check_glorot_uniform_bound(float(answer))
        tried += 1
        assert not fb and not _mentions(fb.message, R), (answer, fb.message)
    assert tried >= 55


def test_glorot_bound_bad_parameters():
    with pytest.raises(ValueError, match="n_out"):
        nb05.check_glorot_uniform_bound(0.1, n_out=0)
    with pytest.raises(TypeError, match="n_in"):
        nb05.check_glorot_uniform_bound(0.1, n_in=1.5)


# --- exercise 2 (predict, then run): gradients in an expanding net ----------------------


def test_expanding_measurement_follows_the_backward_recurrence():
    measured = nb05.expanding_gradient_variance()
    predicted = theory.predict_variances(list(nb05.EXPANDING_WIDTHS), "xavier_normal", "identity")
    assert predicted["grad_var"][0] == pytest.approx((4 / 3) ** 3)
    assert measured == pytest.approx((4 / 3) ** 3, rel=0.05)


def test_expanding_prediction_passes_near_the_measurement():
    measured = nb05.expanding_gradient_variance()
    assert nb05.check_expanding_gradient_prediction((4 / 3) ** 3, measured)
    assert nb05.check_expanding_gradient_prediction(2.2)  # measurement recomputed


@pytest.mark.parametrize(
    ("prediction", "fragment"),
    [
        (None, "not filled in"),
        (1.0, "only where n_in = n_out"),
        ((4 / 3) ** 4, "one matrix too many"),
        ((3 / 4) ** 3, "inverse of the backward factor"),
        ((2 / 3) ** 3, "forward factor"),
        (8.0, "fan-in rule"),
        (-2.0, "positive"),
        (20.0, "too large"),
        (0.05, "too small"),
        ([2.37], "single number"),
    ],
)
def test_expanding_prediction_misses_say_direction_or_slip(prediction, fragment):
    fb = nb05.check_expanding_gradient_prediction(prediction, nb05.expanding_gradient_variance())
    assert not fb and fragment in fb.message, fb.message
    assert "nb05.hint('ex2')" in fb.message


def test_expanding_prediction_bad_measurement_raises():
    with pytest.raises(ValueError, match="measured"):
        nb05.check_expanding_gradient_prediction(1.0, 0.0)


# --- exercise 3 (modify the experiment): the 10-layer zigzag ----------------------------


def _run(init, **kw):
    return lambda widths: theory.simulate_variances(widths, init, "identity", m=200, rng=0, **kw)


def test_zigzag_rejects_the_given_function_and_accepts_the_solution():
    given = nb05.check_zigzag_gradients(_run("xavier_normal"))
    assert not given and "too low" in given.message
    # the compromise's backward factors 0.4 and 1.6 over 9 matrices: 0.4^5 1.6^4 = 0.067
    ratio = nb05.zigzag_gradient_ratio(_run("xavier_normal")(list(nb05.ZIGZAG_WIDTHS)))
    assert ratio == pytest.approx(0.4**5 * 1.6**4, rel=0.3)
    solved = nb05.check_zigzag_gradients(_run("lecun_normal", mode="fan_out"))
    assert solved, solved.message


@pytest.mark.parametrize(
    ("run", "fragment"),
    [
        (_run("lecun_normal"), "too low"),  # fan-in: one factor 1/4 left over
        (_run("standard_uniform"), "too low"),
        (_run("he_normal", mode="fan_out"), "too high"),
        (lambda widths: {"grad_var": [1.0, 2.0]}, "one variance per layer"),
        (lambda widths: [1.0] * 10, "theory.simulate_variances"),
        (lambda widths: 1 / 0, "ZeroDivisionError"),
        (lambda: 1, "TypeError"),
        (None, "not filled in"),
        ("zigzag", "function itself"),
    ],
)
def test_zigzag_misses_are_explained(run, fragment):
    fb = nb05.check_zigzag_gradients(run)
    assert not fb and fragment in fb.message, fb.message


# --- exercise 4 (explain) -----------------------------------------------------------------


def test_explain_has_feedback_for_every_option():
    assert nb05.check_why_no_variance_balances("c")
    for letter in "abd":
        fb = nb05.check_why_no_variance_balances(letter)
        assert not fb
        assert fb.message.startswith(nb05.CHECK_WHY_NO_VARIANCE_BALANCES_OPTIONS[letter].feedback)


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_fail_cleanly(answer):
    measured = nb05.expanding_gradient_variance()
    for fb in (
        nb05.check_glorot_uniform_bound(answer),
        nb05.check_expanding_gradient_prediction(answer, measured),
        nb05.check_zigzag_gradients(lambda widths, answer=answer: answer),
        nb05.check_zigzag_gradients(lambda widths, answer=answer: {"grad_var": answer}),
    ):
        assert isinstance(fb, Feedback) and not fb and "Traceback" not in fb.message
