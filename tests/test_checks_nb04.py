"""Exercise checks of notebook 04 (forward variance): right answers pass, every wrong one
fails with its own explanation and never with the expected value, and the modify check runs
the learner's function."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE

from course_utils import initializers
from course_utils.checks import Feedback, nb04

EXPECTED_VAR_XY = 1.5**2 * 4.0 + 2.5 * (-1.0) ** 2 + 2.5 * 4.0  # 21.5


def _mentions(message: str, value: float) -> bool:
    """True if ``value`` appears in ``message`` rounded to 2 to 6 significant figures."""
    numbers = [float(m) for m in re.findall(r"(?<![\w^.])[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", message)]
    targets = {float(f"{value:.{k}g}") for k in range(2, 7)}
    return any(math.isclose(n, t, rel_tol=1e-12) for n in numbers for t in targets)


# --- exercise 1 (compute a value): Var(XY) ----------------------------------------------


def test_product_variance_formula_matches_monte_carlo():
    rng = np.random.default_rng(0)
    x = rng.normal(1.5, math.sqrt(2.5), 400_000)
    y = rng.normal(-1.0, 2.0, 400_000)
    assert np.var(x * y) == pytest.approx(EXPECTED_VAR_XY, rel=0.02)
    assert nb04.product_variance(1.5, 2.5, -1.0, 4.0) == EXPECTED_VAR_XY


def test_product_variance_right_answer_passes_to_three_figures():
    fb = nb04.check_product_variance(21.5)
    assert isinstance(fb, Feedback) and fb and str(fb).startswith("PASSED")
    assert nb04.check_product_variance(np.float64(21.5))
    assert nb04.check_product_variance(2.0, 0.0, 1.0, 1.0, 1.0)  # N(0, 1) * N(1, 1)
    for two_figures in (22.0, 21.0):
        close = nb04.check_product_variance(two_figures)
        assert not close and "close" in close.message and "give 3" in close.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (..., "not filled in"),
        ("21.5", "not text"),
        ([21.5], "single number"),
        (10, "zero-mean formula"),
        (11.5, "leaves out Var(X)·Var(Y)"),
        (19, "leaves out the term Var(X)·E[Y]²"),
        (12.5, "leaves out the term E[X]²·Var(Y)"),
        (23.75, "second moment"),
        (142.25, "standard deviations"),
        (-21.5, "sign"),
        (43, "2 times too large"),
        (215, "10 times too large"),
        (float("inf"), "finite"),
    ],
)
def test_product_variance_wrong_answers_explain(answer, fragment):
    fb = nb04.check_product_variance(answer)
    assert not fb and str(fb).startswith("NOT YET")
    assert fragment in fb.message
    assert not _mentions(fb.message, EXPECTED_VAR_XY), fb.message


def test_product_variance_random_wrong_answers_never_reveal():
    rng = np.random.default_rng(4)
    answers = list(EXPECTED_VAR_XY * np.exp(rng.uniform(-5, 5, 40))) + list(rng.normal(0, 50, 20))
    tried = 0
    for answer in answers:
        if abs(answer - EXPECTED_VAR_XY) <= 0.05:
            continue
        fb = nb04.check_product_variance(float(answer))
        tried += 1
        assert not fb and not _mentions(fb.message, EXPECTED_VAR_XY), (answer, fb.message)
    assert tried >= 55


def test_product_variance_bad_parameters():
    with pytest.raises(ValueError, match="var_x"):
        nb04.check_product_variance(1.0, var_x=-1.0)
    with pytest.raises(TypeError, match="mean_y"):
        nb04.check_product_variance(1.0, mean_y="2")


# --- exercise 2 (predict, then run): Var(z) on ReLU outputs -----------------------------


def test_relu_measurement_follows_n_var_w_times_the_mean_square():
    measured = nb04.relu_layer_variance()
    # n Var(W) E[a^2] = 1/2, not the zero-mean n Var(W) Var(a) = 1/2 - 1/(2 pi) = 0.34
    assert measured == pytest.approx(0.5, rel=0.05)
    rng = np.random.default_rng(4)
    a = np.maximum(rng.standard_normal((500, 2000)), 0.0)
    notebook_cell = np.var(initializers.lecun_normal((500, 500), rng=5) @ a)
    assert notebook_cell == pytest.approx(measured, rel=1e-12)


def test_relu_prediction_passes_near_the_measurement():
    measured = nb04.relu_layer_variance()
    assert nb04.check_relu_input_prediction(0.5, measured)
    assert nb04.check_relu_input_prediction(0.5)  # measurement recomputed
    assert nb04.check_relu_input_prediction(0.55, measured)


@pytest.mark.parametrize(
    ("prediction", "fragment"),
    [
        (None, "not filled in"),
        ("0.5", "not text"),
        (0.5 - 1 / (2 * math.pi), "zero-mean formula"),
        (1 / (2 * math.pi), "E[a]² alone"),
        (1.0, "ReLU sets half"),
        (2.0, "wrong way round"),
        (-0.5, "positive"),
        (0.0, "positive"),
        (5.0, "too large"),
        (0.05, "too small"),
        (0.4, "too small"),
    ],
)
def test_relu_prediction_misses_say_direction_or_slip(prediction, fragment):
    fb = nb04.check_relu_input_prediction(prediction, nb04.relu_layer_variance())
    assert not fb and fragment in fb.message
    assert "nb04.hint('ex2')" in fb.message


def test_relu_prediction_bad_measurement_raises():
    with pytest.raises(ValueError, match="measured"):
        nb04.check_relu_input_prediction(0.5, -1.0)


# --- exercise 3 (modify the experiment): one layer on correlated inputs -----------------


def _given(shape):
    return initializers.lecun_normal(shape, rng=7)


def _solution(shape):
    W = initializers.lecun_normal(shape, rng=7)
    return (W - W.mean(axis=1, keepdims=True)) / math.sqrt(1 - nb04.CORRELATION)


def test_correlated_inputs_have_the_stated_correlation():
    a = nb04.correlated_inputs()
    c = np.corrcoef(a[:50])
    off = c[~np.eye(50, dtype=bool)]
    assert abs(off.mean() - nb04.CORRELATION) < 0.05
    assert a.var(axis=1).mean() == pytest.approx(1.0, rel=0.1)


def test_correlated_init_rejects_the_given_function_and_accepts_the_solution():
    unchanged = nb04.check_correlated_init(_given)
    assert not unchanged and "still spread" in unchanged.message
    v = nb04.unit_variances(_given)  # the units' variances spread widely (section 4b)
    assert v.std() > 0.5 and 0.85 < v.mean() < 1.15
    solved = nb04.check_correlated_init(_solution)
    assert solved, solved.message
    assert nb04.unit_variances(_solution).std() < 0.1


@pytest.mark.parametrize(
    ("init", "fragment"),
    [
        (lambda s: _solution(s) * math.sqrt(1 - nb04.CORRELATION), "raise the gain"),
        (lambda s: 3 * _solution(s), "lower the gain"),
        (lambda s: initializers.orthogonal(s, rng=7), "still spread"),
        (lambda s: initializers.xavier_uniform(s, rng=7), "still spread"),
        (lambda s: 2 * _given(s), "still spread"),
        (lambda s: np.zeros(s), "still spread"),
        (lambda s: np.ones(3), "shape (500, 500)"),
        (lambda s: np.full(s, np.nan), "NaN or inf"),
        (lambda s: "weights", "numeric array"),
        (lambda s: 1 / 0, "ZeroDivisionError"),
        (lambda: 1.0, "TypeError"),
        (None, "not filled in"),
        ("my_init", "function itself"),
    ],
)
def test_correlated_init_misses_are_explained(init, fragment):
    fb = nb04.check_correlated_init(init)
    assert not fb and fragment in fb.message, fb.message
    assert "Traceback" not in fb.message


# --- exercise 4 (explain) -----------------------------------------------------------------


def test_explain_has_feedback_for_every_option():
    assert nb04.check_why_pixels_need_second_moment("b")
    for letter in "acd":
        fb = nb04.check_why_pixels_need_second_moment(letter)
        assert not fb
        assert fb.message.startswith(
            nb04.CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS[letter].feedback
        )


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_fail_cleanly(answer):
    for check in (nb04.check_product_variance, nb04.check_relu_input_prediction):
        fb = check(answer)
        assert isinstance(fb, Feedback) and not fb
    fb = nb04.check_correlated_init(lambda shape, answer=answer: answer)
    assert not fb and "Traceback" not in fb.message
