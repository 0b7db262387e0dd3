"""The feedback machinery shared by every exercise check."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import initializers
from course_utils.checks import Feedback, compare_arrays, compare_scalar, nb00


def test_feedback_is_truthy_only_when_passed():
    assert Feedback(True, "ok")
    assert not Feedback(False, "no")
    assert str(Feedback(False, "x")).startswith("NOT YET")
    assert repr(Feedback(True, "x")).startswith("PASSED")


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (..., "not filled in"),
        ("0.5", "not text"),
        ([0.25, 0.25], "should be a single number"),
        (float("nan"), "NaN"),
        (-0.25, "sign"),
        (0.5, "2 times too large"),
        (0.0625, "4 times too small"),
        (0.25 * 16, "16 times too large"),
    ],
)
def test_compare_scalar_explains_common_slips(answer, fragment):
    fb = compare_scalar(answer, 0.25, "Var(W)")
    assert not fb
    assert fragment in fb.message


def test_compare_scalar_spots_std_versus_variance():
    fb = compare_scalar(0.3, 0.09, "Var(W)")
    assert "square root" in fb.message
    fb = compare_scalar(0.09, 0.3, "std")
    assert "square of" in fb.message


def test_compare_arrays_checks_shape_then_values():
    expected = np.arange(6.0).reshape(2, 3)
    assert compare_arrays(expected.copy(), expected, "A")
    assert "shape" in compare_arrays(expected.T, expected, "A").message
    assert "2 times too large" in compare_arrays(2 * expected, expected, "A").message
    assert "NaN" in compare_arrays(np.full((2, 3), np.nan), expected, "A").message


def test_nb00_checks():
    assert nb00.check_layer_weights(initializers.he_normal((300, 784), rng=0))
    assert "(n_out, n_in)" in nb00.check_layer_weights(np.zeros((784, 300))).message
    assert "rng=0" in nb00.check_layer_weights(initializers.he_normal((300, 784), rng=5)).message
    assert nb00.check_xavier_uniform_variance(2 / 700)
    assert "standard deviation" in nb00.check_xavier_uniform_variance(np.sqrt(2 / 700)).message


def test_compare_with_slips_names_the_slip_first():
    from course_utils.checks import as_float, compare_with_slips

    slips = [(1 / 256, "that is Var(W), not its std")]
    assert compare_with_slips(1 / 16, 1 / 16, "std", slips)
    fb = compare_with_slips(1 / 256, 1 / 16, "std", slips)
    assert not fb and fb.message == "that is Var(W), not its std"
    assert "not filled in" in compare_with_slips(None, 1 / 16, "std", slips).message
    assert "2 times too large" in compare_with_slips(1 / 8, 1 / 16, "std", slips).message
    assert as_float("1") is None and as_float(True) is None and as_float([1.0]) is None
    assert as_float(np.float32(0.5)) == 0.5 and as_float(float("inf")) is None


def test_compare_with_slips_callable_messages_label_and_own_tolerance():
    from course_utils.checks import Slip, compare_with_slips

    slips = [
        (1 / 256, lambda v: f"{v:.4g} is Var(W)"),
        (0.25, "is sqrt(n) too large"),
        Slip(1 / 16, "is close: a measured value?", rtol=0.05),
    ]
    # a callable message receives the answer as a float and is shown as it returns
    assert compare_with_slips(np.float32(1 / 256), 1 / 16, "std", slips).message == (
        "0.003906 is Var(W)"
    )
    # label puts the answer in front of a text message, not in front of a callable's
    fb = compare_with_slips(0.25, 1 / 16, "std", slips, label="s")
    assert not fb and fb.message == "s = 0.25 is sqrt(n) too large"
    fb = compare_with_slips(1 / 256, 1 / 16, "std", slips, label="s")
    assert fb.message == "0.003906 is Var(W)"
    assert compare_with_slips(0.25, 1 / 16, "std", slips).message == "is sqrt(n) too large"
    # a slip's own tolerance: 3% off is recognised, 10% off falls through to compare_scalar
    assert compare_with_slips(1.03 / 16, 1 / 16, "std", slips).message == (
        "is close: a measured value?"
    )
    assert "too " in compare_with_slips(1.1 / 16, 1 / 16, "std", slips).message
    # ... and never hides a correct answer (which is checked at the check's rtol first)
    assert compare_with_slips(1.00001 / 16, 1 / 16, "std", slips)
    # a slip equal to the expected value never rejects the right answer
    assert compare_with_slips(1.0, 1.0, "gain", [(1.0, "is the slip")])
    # answers that are not one plain number never reach a slip
    for answer in ("0.25", b"0.25", True, [0.25], np.array([0.25])):
        fb = compare_with_slips(answer, 1 / 16, "std", slips)
        assert not fb and "number" in fb.message


def test_compare_scalar_rejects_bytes():
    fb = compare_scalar(b"1", 1.0, "gain")
    assert not fb and "not text" in fb.message


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"rtol": -1}, ValueError, "rtol must be >= 0.0"),
        ({"atol": -1e-9}, ValueError, "atol must be >= 0.0"),
        ({"rtol": np.nan}, ValueError, "rtol must be finite"),
        ({"atol": np.inf}, ValueError, "atol must be finite"),
        ({"rtol": "1e-6"}, TypeError, "rtol must be a real number"),
        ({"atol": None}, TypeError, "atol must be a real number"),
        ({"expected": "0.25"}, TypeError, "expected must be a real number"),
        ({"expected": np.nan}, ValueError, "expected must be finite"),
        ({"name": 3}, TypeError, "name must be a str"),
    ],
)
def test_compare_scalar_validates_its_own_arguments(kwargs, exc, match):
    args = {"expected": 0.25, "name": "Var(W)", **kwargs}
    expected, name = args.pop("expected"), args.pop("name")
    with pytest.raises(exc, match=match):
        compare_scalar(0.25, expected, name, **args)


def test_compare_scalar_tolerances_are_used():
    # the boundary cases show rtol and atol really reach np.isclose
    assert not compare_scalar(1.1, 1.0, "x", rtol=0.05)
    assert compare_scalar(1.1, 1.0, "x", rtol=0.2)
    assert not compare_scalar(1e-3, 0.0, "x", rtol=0.0, atol=1e-4)
    assert compare_scalar(1e-3, 0.0, "x", rtol=0.0, atol=1e-2)
    assert compare_scalar(np.float32(0.25), np.float32(0.25), "x", rtol=0, atol=0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"rtol": -1}, ValueError, "rtol must be >= 0.0"),
        ({"atol": -1}, ValueError, "atol must be >= 0.0"),
        ({"rtol": np.nan}, ValueError, "rtol must be finite"),
        ({"atol": "0"}, TypeError, "atol must be a real number"),
        ({"expected": "abc"}, TypeError, "expected must be a numeric array"),
        ({"expected": [1.0, np.nan]}, ValueError, "expected must contain only finite"),
        ({"name": None}, TypeError, "name must be a str"),
    ],
)
def test_compare_arrays_validates_its_own_arguments(kwargs, exc, match):
    args = {"expected": [1.0, 2.0], "name": "A", **kwargs}
    expected, name = args.pop("expected"), args.pop("name")
    with pytest.raises(exc, match=match):
        compare_arrays([1.0, 2.0], expected, name, **args)


def test_compare_arrays_tolerances_are_used():
    expected = np.array([1.0, 2.0])
    assert not compare_arrays([1.0, 2.1], expected, "A", rtol=0.0, atol=0.05)
    assert compare_arrays([1.0, 2.1], expected, "A", rtol=0.0, atol=0.2)
    assert compare_arrays([1.0, 2.1], expected, "A", rtol=0.1, atol=0.0)
    assert compare_arrays([1, 2], [1, 2], "A")  # int arrays are fine


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"rtol": -1e-4}, ValueError, "rtol must be >= 0.0"),
        ({"rtol": np.inf}, ValueError, "rtol must be finite"),
        ({"expected": None}, TypeError, "expected must be a real number"),
        ({"name": b"std"}, TypeError, "name must be a str"),
        ({"label": 1}, TypeError, "label must be a str"),
        ({"slips": "abc"}, TypeError, "slips must be a sequence"),
        ({"slips": None}, TypeError, "slips must be a sequence"),
        ({"slips": [0.5]}, TypeError, r"slips\[0\] must be a Slip or a \(value, message\)"),
        ({"slips": [(0.5,)]}, TypeError, r"slips\[0\] must be a Slip"),
        ({"slips": [(0.5, "a", None, 1)]}, TypeError, r"slips\[0\] must be a Slip"),
        ({"slips": [(0.5, "a"), ("x", "b")]}, TypeError, r"slips\[1\].value must be a real"),
        ({"slips": [(np.nan, "a")]}, ValueError, r"slips\[0\].value must be finite"),
        ({"slips": [(0.5, 3)]}, TypeError, r"slips\[0\].message must be a str or a callable"),
        ({"slips": [(0.5, "a", -0.1)]}, ValueError, r"slips\[0\].rtol must be >= 0.0"),
        ({"slips": [(0.5, "a", "wide")]}, TypeError, r"slips\[0\].rtol must be a real"),
    ],
)
def test_compare_with_slips_validates_its_own_arguments(kwargs, exc, match):
    from course_utils.checks import compare_with_slips

    args = {"expected": 1 / 16, "name": "std", "slips": [(0.5, "slip")], **kwargs}
    expected, name, slips = args.pop("expected"), args.pop("name"), args.pop("slips")
    # raised whatever the answer: a right answer does not hide a broken check
    for answer in (1 / 16, 0.5, None):
        with pytest.raises(exc, match=match):
            compare_with_slips(answer, expected, name, slips, **args)


def test_feedback_validates_its_fields():
    assert Feedback(np.bool_(True), "ok").passed is True  # numpy bools are normalised
    with pytest.raises(TypeError, match="passed must be a bool"):
        Feedback(1, "ok")
    with pytest.raises(TypeError, match="passed must be a bool"):
        Feedback("yes", "ok")
    with pytest.raises(TypeError, match="message must be a str"):
        Feedback(True, None)


# --------------------------------------------------------------- significant figures, gaps


def test_significant_figures_pass_close_and_miss():
    from course_utils.checks import matches_to

    assert matches_to(0.0744, 0.074398) and not matches_to(0.074, 0.074398)
    assert matches_to(0.074, 0.074398, 2) and matches_to(999.4, 999) and not matches_to(1000, 999)
    assert compare_scalar(0.0744, 0.074398, "r")
    assert "close" in compare_scalar(0.074, 0.074398, "r").message
    assert "close" not in compare_scalar(0.07, 0.074398, "r").message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (-0.25, "sign is wrong; the size is right"),
        (-0.5, "sign is wrong, and so is the size"),
        (2.5, "10 times too large"),
        (0.25 * 400, "400 times too large: summed"),
        (0.25 * 1e6, "6 orders of magnitude"),
        (0.3, "a little too large"),
        (0.0, "It is 0"),
        (1e308 * 10, "infinite"),
        (10**400, "infinite"),
        (-(10**400), "infinite"),
        (1 + 1j, "complex"),
    ],
)
def test_misses_say_what_and_which_direction(answer, fragment):
    factors = {"400": (400.0, "summed over the examples instead of averaged.")}
    fb = compare_scalar(answer, 0.25, "Var(W)", factors=factors)
    assert not fb and fragment in fb.message
    assert "0.25" not in fb.message


def test_prediction_explains_the_gap():
    from course_utils.checks import compare_prediction

    fb = compare_prediction(1.0, 1.02, "Var(z)", explain="n Var(W) = 1.")
    assert fb and "n Var(W) = 1." in fb.message
    fb = compare_prediction(1.0, 0.5, "Var(z)", slips=[(1.0, "forgets ReLU's half.")])
    assert not fb and "forgets ReLU's half." in fb.message
    fb = compare_prediction(10.0, 0.5, "Var(z)")
    assert not fb and "too large" in fb.message
    assert "not filled in" in compare_prediction(None, 0.5, "Var(z)").message
    assert not compare_prediction(float("nan"), 0.5, "Var(z)")


def test_run_experiment_measures_the_learners_function():
    from course_utils.checks import run_experiment

    def measure(x):
        return float(np.var(x))

    ok = run_experiment(lambda: np.ones(10) * np.arange(10), measure, "Var", low=5, high=20)
    assert ok and "within the target" in ok.message
    low = run_experiment(lambda: np.zeros(3), measure, "Var", low=5, high=20, too_low="grow it")
    assert not low and "too low. grow it" in low.message

    def broken():
        raise RuntimeError("boom")

    raised = run_experiment(broken, measure, "Var", low=0, high=1)
    assert "raised RuntimeError: boom" in raised.message
    assert "no parentheses" in run_experiment(3.0, measure, "Var", low=0, high=1).message
    inf = run_experiment(lambda: np.array([1e308, -1e308]), measure, "Var", low=0, high=1)
    assert not inf and "not finite" in inf.message
    with pytest.raises(ValueError, match="high"):
        run_experiment(broken, measure, "Var", low=2, high=1)


def test_call_learner_turns_every_failure_into_feedback():
    from course_utils.checks import call_learner

    def overflowing(x):
        return np.float64(x) * 1e308 * 10  # a float warning, silenced

    result, failed = call_learner(overflowing, "f", 2.0)
    assert failed is None and result == np.inf
    for func, fragment in [
        (None, "f is not filled in yet"),
        (..., "f is not filled in yet"),
        (3.0, "(no parentheses), got float"),
        (lambda: 1 / 0, "f raised ZeroDivisionError"),
        (lambda x: x, "f raised TypeError"),  # called with the wrong number of arguments
    ]:
        result, failed = call_learner(func, "f")
        assert result is None and not failed and fragment in failed.message
    with pytest.raises(TypeError, match="name"):
        call_learner(overflowing, 3)


def test_compare_choice_gives_per_option_feedback():
    from course_utils.checks import Choice, compare_choice

    options = {
        "a": Choice("the mean", False, "No: the mean is 0 for both."),
        "b": Choice("the variance", True, "Yes: n Var(W) sets the growth."),
    }
    assert compare_choice("B", options) and compare_choice("(b)", options)
    assert compare_choice("a", options).message == "No: the mean is 0 for both."
    assert "not an option" in compare_choice("c", options).message
    assert "letter" in compare_choice(2, options).message
    with pytest.raises(ValueError, match="exactly one"):
        compare_choice("a", {"a": Choice("x", False, "no")})
