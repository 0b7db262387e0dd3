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
        ("0.5", "should be a single number"),
        ([0.25, 0.25], "should be a single number"),
        (float("nan"), "finite"),
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
    assert nb00.check_xavier_uniform_variance(2 / 1084)
    assert "square root" in nb00.check_xavier_uniform_variance(np.sqrt(2 / 1084)).message


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
