"""Exercise checks of notebook 06: one compute-a-value, one predict-then-run, two explain and
one modify-the-experiment (the last is tested in tests/test_exercise_feedback.py too)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import matches_to, nb06

# ---------------------------------------------------------------------------------------------
# Exercise 1: predict, then run (He's ReLU weights on a leaky ReLU with slope 0.5)


@pytest.fixture(scope="module")
def measured():
    return nb06.measured_leaky_growth()


def test_leaky_measurement_follows_the_theory(measured):
    # every He layer multiplies Var(z) by 1 + slope^2 = 1.25 (exact in expectation for
    # symmetric weights), 19 layers apart; four sampled stacks scatter around it
    assert math.log(measured / 1.25**19) == pytest.approx(0.0, abs=0.3)
    again = nb06.measured_leaky_growth()
    assert again == measured  # seeded


def test_leaky_prediction_passes_near_the_theory(measured):
    assert nb06.check_leaky_he_prediction(1.25**19, measured)
    assert nb06.check_leaky_he_prediction(1.25**19)  # measurement recomputed
    assert nb06.check_leaky_he_prediction(np.float32(70.0), measured)
    assert nb06.check_leaky_he_prediction(1.04**19, 1.04**19, slope=0.2)


@pytest.mark.parametrize(
    ("prediction", "fragment"),
    [
        (1.0, "would hold for ReLU"),
        (1.25, "one layer"),
        (1.25**9.5, "standard deviation"),
        (1.5**19, "1 + slope per layer"),
        (1 + 19 * 0.25, "compound"),
        (-69.0, "positive"),
        (0.0, "positive"),
        (690.0, "too large"),
        (6.9, "too small"),
        ("69", "not text"),
        (float("nan"), "NaN"),
    ],
)
def test_leaky_prediction_names_each_misconception(measured, prediction, fragment):
    fb = nb06.check_leaky_he_prediction(prediction, measured)
    assert not fb
    assert fragment in fb.message, fb.message


def test_leaky_misconceptions_get_distinct_messages(measured):
    slips = [1.0, 1.25, 1.25**9.5, 1.5**19, 1 + 19 * 0.25]
    messages = {nb06.check_leaky_he_prediction(p, measured).message for p in slips}
    assert len(messages) == len(slips)


def test_leaky_prediction_messages_never_name_the_theory_before_a_prediction():
    fb = nb06.check_leaky_he_prediction(None)
    assert not fb and "not filled in" in fb.message
    theory = 1.25**19
    assert not any(f"{theory:.{k}g}" in fb.message for k in range(2, 7))


def test_leaky_check_validates(measured):
    with pytest.raises(ValueError, match="measured"):
        nb06.check_leaky_he_prediction(1.0, -1.0)
    with pytest.raises(ValueError, match="slope"):
        nb06.check_leaky_he_prediction(1.0, measured, slope=-0.1)
    with pytest.raises(ValueError, match="depth"):
        nb06.check_leaky_he_prediction(1.0, measured, depth=1)
    with pytest.raises(ValueError, match="networks"):
        nb06.measured_leaky_growth(0)


# ---------------------------------------------------------------------------------------------
# Exercises 2 and 4: explain


@pytest.mark.parametrize(
    ("check", "options", "letter"),
    [
        (nb06.check_why_selu_attracts, nb06.CHECK_WHY_SELU_ATTRACTS_OPTIONS, "c"),
        (nb06.check_why_gain_is_fixed, nb06.CHECK_WHY_GAIN_IS_FIXED_OPTIONS, "b"),
    ],
)
def test_explain_checks(check, options, letter):
    (right,) = [k for k, c in options.items() if c.correct]
    assert right == letter  # as in the notebook's option list and solution cell
    assert check(letter) and check(f"({letter.upper()})")
    for key in options:
        if key != right:
            fb = check(key)
            assert not fb and fb.message.startswith("No:")
    assert "Choose one of" in check(None).message


# ---------------------------------------------------------------------------------------------
# Exercise 3: compute a value (non-square layer, so fan-in and fan-average rules differ)


@pytest.mark.parametrize("empty", [None, ...])
def test_unfilled_answer_says_so(empty):
    fb = nb06.check_logistic_taylor_variance(empty)
    assert not fb
    assert "not filled in" in fb.message
    assert str(fb).startswith("NOT YET")


def test_logistic_taylor_variance():
    assert nb06.TAYLOR_LAYER == (200, 50)  # not square: 16 / n_in, 16 / n_out and 32 / 250 differ
    assert nb06.check_logistic_taylor_variance(0.128)
    assert nb06.check_logistic_taylor_variance(16 * 2 / 250)
    assert nb06.check_logistic_taylor_variance(0.16, n_in=100, n_out=100)
    assert nb06.check_logistic_taylor_variance(16 * 2 / 300, n_in=100, n_out=200)
    assert not matches_to(16 / 200, 0.128) and not matches_to(16 / 50, 0.128)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.008, "plain Xavier"),
        (0.032, "16 times larger"),
        (0.128**0.5, "square root"),  # the std
        (0.08, "fan-in"),  # 16 / n_in
        (0.32, "fan-out"),  # 16 / n_out
        (0.128 * 16, "16 times too large"),
        (-0.128, "sign"),
        (0.13, "close"),
    ],
)
def test_logistic_taylor_variance_explains_slips(answer, fragment):
    fb = nb06.check_logistic_taylor_variance(answer)
    assert not fb
    assert fragment in fb.message
    assert not any(f"{0.128:.{k}g}" in fb.message for k in (3, 4, 5, 6))


def test_checks_validate_their_parameters():
    with pytest.raises(ValueError, match="n_in"):
        nb06.check_logistic_taylor_variance(0.1, n_in=0)
    with pytest.raises(ValueError, match="n_out"):
        nb06.check_logistic_taylor_variance(0.1, n_out=-3)
    with pytest.raises(TypeError, match="n_in"):
        nb06.check_logistic_taylor_variance(0.1, n_in=2.5)


def test_leaky_prediction_misses_never_name_the_theory(measured):
    """Random, x10, /10, sign-flipped and slip predictions fail, and no message contains the
    theory (1 + slope²)^19 at 2-6 significant figures (the measurement, which the cell has
    just shown, may be named)."""
    from test_exercise_feedback import HOSTILE, revealed, wrong_answers

    theory = 1.25**19
    slips = [1.0, 1.25, 1.25**9.5, 1.5**19, 1 + 19 * 0.25]
    tried = 0
    for prediction in wrong_answers(theory, slips) + HOSTILE:
        value = prediction if isinstance(prediction, float) else None
        if value is not None and abs(value - measured) <= 0.35 * measured:
            continue  # close enough to pass
        fb = nb06.check_leaky_he_prediction(prediction, measured)
        tried += 1
        assert not fb, (prediction, fb)
        assert revealed(fb.message, theory) == [], (prediction, fb.message)
    assert tried >= 30
