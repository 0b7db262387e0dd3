"""Exercise checks of notebook 07: right answers pass, typical slips get a helpful message."""

from __future__ import annotations

import numpy as np
import pytest

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


@pytest.fixture(scope="module")
def uniform_grads():
    return MnistModel("Uniform").batch_view("gradients").values


def test_saturation_right_answer_passes(saturation):
    assert saturation.shape == (4,) and np.all(saturation > 0.8)  # Standard Normal saturates
    result = nb07.check_saturation(saturation)
    assert result and str(result).startswith("PASSED")
    assert nb07.check_saturation(saturation.tolist())
    # Xavier barely saturates: the comparison the exercise is after.
    assert np.all(nb07.saturated_fractions("Xavier") < 0.05)


@pytest.mark.parametrize(
    ("transform", "fragment"),
    [
        (lambda s: None, "not filled in"),
        (lambda s: ..., "not filled in"),
        (lambda s: float(s.mean()), "single number"),
        (lambda s: 100 * s, "percentages"),
        (lambda s: 1 - s, "NOT saturated"),
        (lambda s: nb07.saturated_fractions("Xavier"), "Xavier"),
        (lambda s: s[:3], "shape"),
        (lambda s: s - 0.05, "differ"),
        (lambda s: "0.9", "numeric array"),
        (lambda s: s + 0.5, "between 0 and 1"),
    ],
)
def test_saturation_wrong_answers_explain(saturation, transform, fragment):
    result = nb07.check_saturation(transform(saturation))
    assert not result
    assert fragment in result.message


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
        (0.1, 10, "np.unique"),
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


def test_gradient_ratio_right_answer_passes(uniform_grads):
    ratio = float(np.std(uniform_grads[0]) / np.std(uniform_grads[3]))
    assert 0.05 < ratio < 0.3  # vanishing towards the input
    result = nb07.check_gradient_ratio(ratio)
    assert result and "smaller" in result.message
    assert nb07.check_gradient_ratio(np.float32(ratio))


@pytest.mark.parametrize(
    ("transform", "fragment"),
    [
        (lambda r: None, "not filled in"),
        (lambda r: 1 / r, "upside down"),
        (lambda r: r**2, "a variance where"),
        (lambda r: 2 * r, "2 times too large"),
        (lambda r: nb07.gradient_ratio("Xavier"), "Xavier"),
        (lambda r: [r, r], "number"),
        (lambda r: float("nan"), "NaN"),
    ],
)
def test_gradient_ratio_wrong_answers_explain(uniform_grads, transform, fragment):
    ratio = float(np.std(uniform_grads[0]) / np.std(uniform_grads[3]))
    result = nb07.check_gradient_ratio(transform(ratio))
    assert not result
    assert fragment in result.message


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
