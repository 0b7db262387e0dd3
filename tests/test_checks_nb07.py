"""Exercise checks of notebook 07: right answers pass, typical slips get a helpful message,
no failing message gives the expected values away, and the modify check runs the learner's
function."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_exercise_feedback import HOSTILE

from course_utils.checks import nb07
from course_utils.experiments.mnist import INITIALIZERS, MnistModel


@pytest.fixture(scope="module")
def saturation():
    values = MnistModel("Standard Normal").batch_view("activations").values
    return np.array([np.mean(np.abs(a) > 0.99) for a in values])


@pytest.fixture(scope="module")
def zero_model():
    model = MnistModel("Zero")
    model.step(nb07.ZERO_INIT_STEPS)
    return model


def test_saturation_right_answer_passes(saturation):
    assert saturation.shape == (4,) and np.all(saturation > 0.8)  # Standard Normal saturates
    result = nb07.check_saturation(saturation[:3])
    assert result and str(result).startswith("PASSED")
    assert nb07.check_saturation(saturation[:3].tolist())
    assert nb07.check_saturation(np.round(saturation[:3], 3))  # 3 significant figures
    close = nb07.check_saturation(np.round(saturation[:3], 2))
    assert not close and "close" in close.message and "give 3" in close.message
    # Xavier barely saturates: the comparison the exercise is after.
    assert np.all(nb07.saturated_fractions("Xavier") < 0.05)


def _threshold_09():
    values = MnistModel("Standard Normal").batch_view("activations").values[:3]
    return np.array([np.mean(np.abs(a) > 0.9) for a in values])


@pytest.mark.parametrize(
    ("transform", "fragment"),
    [
        (lambda s: None, "not filled in"),
        (lambda s: ..., "not filled in"),
        (lambda s: float(s.mean()), "single number"),
        (lambda s: 100 * s[:3], "percentages"),
        (lambda s: 1 - s[:3], "NOT saturated"),
        (lambda s: nb07.saturated_fractions("Xavier")[:3], "Xavier"),
        (lambda s: _threshold_09(), "threshold 0.9"),
        (lambda s: s, "4 values"),
        (lambda s: s[:2], "shape"),
        (lambda s: s[:3] - 0.05, "differ"),
        (lambda s: s[:3] * 0.5, "differ"),
        (lambda s: -s[:3], "between 0 and 1"),
        (lambda s: "0.9", "numeric array"),
        (lambda s: s[:3] + 0.5, "between 0 and 1"),
    ],
)
def test_saturation_wrong_answers_explain_and_never_reveal(saturation, transform, fragment):
    result = nb07.check_saturation(transform(saturation))
    assert not result
    assert fragment in result.message
    numbers = [float(t) for t in re.findall(r"(?<![\w.])\d*\.\d+|(?<![\w.])\d+", result.message)]
    for value in saturation[:3]:
        for k in range(2, 7):
            assert float(f"{value:.{k}g}") not in numbers, (result.message, value)
            assert float(f"{100 * value:.{k}g}") not in numbers, (result.message, value)


def test_zero_init_right_answer_passes(zero_model):
    predictions = zero_model.net.predict(zero_model.data.x_test)
    accuracy = float(np.mean(predictions == zero_model.data.y_test))
    n_classes = int(np.unique(predictions).size)
    assert n_classes == 1 and accuracy == pytest.approx(0.1)
    result = nb07.check_zero_init(accuracy, n_classes)
    assert result and "same output" in result.message
    assert nb07.check_zero_init(zero_model.test_accuracy(), np.int64(n_classes))


@pytest.mark.parametrize(
    ("accuracy", "n_classes", "fragment"),
    [
        (None, 1, "accuracy is not filled in"),
        (0.1, None, "n_classes is not filled in"),
        (0.1, 10, "does not guess at random"),
        (0.1, 2, "it predicts fewer"),
        (0.1, 0, "it predicts more"),
        (0.1, 1.0, "should be an int"),
        (10.0, 1, "percentage"),
        (0.2, 1, "2 times too large"),
        (0.11, 1, "too "),
        ("0.1", 1, "number"),
    ],
)
def test_zero_init_wrong_answers_explain(accuracy, n_classes, fragment):
    result = nb07.check_zero_init(accuracy, n_classes)
    assert not result
    assert fragment in result.message


def test_gradient_balance_rejects_the_given_model_and_accepts_the_solution():
    given = nb07.check_gradient_balance(lambda: MnistModel("Uniform", scale=1.0))
    assert not given and "too low" in given.message and "vanishes" in given.message
    assert nb07.gradient_ratio("Uniform") < 0.3  # vanishing towards the input
    solved = nb07.check_gradient_balance(lambda: MnistModel("Uniform", scale=np.sqrt(6)))
    assert solved, solved.message


@pytest.mark.parametrize(
    ("make_model", "fragment"),
    [
        (lambda: MnistModel("Xavier"), "too low"),  # tanh' < 1: Xavier's gradients still shrink
        (lambda: MnistModel("Orthogonal"), "too low"),
        (lambda: MnistModel("Standard Normal"), "too high"),
        (lambda: MnistModel("He", scale=2.0), "too high"),
        (lambda: "Uniform", "MnistModel"),
        (lambda: 1 / 0, "ZeroDivisionError"),
        (None, "not filled in"),
        ("make_model", "function itself"),
    ],
)
def test_gradient_balance_misses_are_explained(make_model, fragment):
    result = nb07.check_gradient_balance(make_model)
    assert not result
    assert fragment in result.message


def test_gradient_balance_passes_for_each_way_of_raising_the_gain():
    for label, scale in [("He", 1.0), ("Xavier", 5 / 3), ("Orthogonal", np.sqrt(2))]:
        assert nb07.check_gradient_balance(lambda label=label, s=scale: MnistModel(label, scale=s))


@pytest.mark.parametrize("fn", [nb07.saturated_fractions, nb07.gradient_ratio])
@pytest.mark.parametrize(
    ("init", "exc", "match"),
    [
        ("Glorot", ValueError, "init must be one of"),
        ("uniform", ValueError, "init must be one of"),  # labels are case-sensitive
        (None, TypeError, "init must be a str"),
        (["Uniform"], TypeError, "init must be a str"),  # not "unhashable type"
    ],
)
def test_reference_values_validate_init(fn, init, exc, match):
    with pytest.raises(exc, match=match):
        fn(init)
    with pytest.raises(exc, match=match):
        fn(init=init)


def test_reference_values_accept_every_explorer_label():
    for init in INITIALIZERS:
        fractions = nb07.saturated_fractions(init)
        assert fractions.shape == (4,) and np.all((fractions >= 0) & (fractions <= 1))
    assert nb07.gradient_ratio() == pytest.approx(nb07.gradient_ratio("Uniform"))


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_fail_cleanly(answer):
    for fb in (
        nb07.check_gradient_balance(lambda answer=answer: answer),
        nb07.check_gradient_balance(answer),
        nb07.check_saturation(answer),
        nb07.check_zero_init(answer, 1),
    ):
        assert not fb and "Traceback" not in fb.message
