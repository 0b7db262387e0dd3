"""Exercise checks of notebook 05 (backward variance and Glorot's compromise)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import initializers, theory
from course_utils.checks import Feedback, nb05

# --- exercise 1: the Glorot uniform bound ----------------------------------------------


def test_glorot_bound_right_answer_passes_and_matches_the_initializer():
    r = math.sqrt(6 / (784 + 300))
    fb = nb05.check_glorot_uniform_bound(r)
    assert isinstance(fb, Feedback)
    assert fb
    w = initializers.xavier_uniform((300, 784), rng=0)
    assert np.max(np.abs(w)) <= r
    assert np.max(np.abs(w)) == pytest.approx(r, rel=1e-3)


def test_glorot_bound_square_layer_is_not_mistaken_for_a_slip():
    # for n_in == n_out the right bound equals LeCun's sqrt(3/n_in): it must pass
    assert nb05.check_glorot_uniform_bound(math.sqrt(3 / 100), n_in=100, n_out=100)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        ("0.07", "not text"),
        (2 / 1084, "is the variance"),
        (math.sqrt(2 / 1084), "normal version"),
        (6 / 1084, "square root"),
        (math.sqrt(3 / 784), "n_in only"),
        (1 / math.sqrt(784), "'standard' init"),
        (math.sqrt(6) / 1084, "sqrt(6)"),
        (-math.sqrt(6 / 1084), "sign"),
        (0.08, "too "),
    ],
)
def test_glorot_bound_wrong_answers_explain(answer, fragment):
    fb = nb05.check_glorot_uniform_bound(answer)
    assert not fb
    assert fragment in fb.message


def test_glorot_bound_bad_parameters():
    with pytest.raises(ValueError, match="n_out"):
        nb05.check_glorot_uniform_bound(0.1, n_out=0)
    with pytest.raises(TypeError, match="n_in"):
        nb05.check_glorot_uniform_bound(0.1, n_in=1.5)


# --- exercise 2: gradient variance ratio after L standard layers -----------------------


def test_standard_ratio_right_answer_passes_and_matches_theory():
    assert nb05.check_standard_gradient_ratio(1 / 243)
    assert nb05.check_standard_gradient_ratio((1 / 3) ** 5)
    pred = theory.predict_variances([200] * 7, "standard_uniform", "identity")
    assert pred["grad_var"][0] / pred["grad_var"][5] == pytest.approx(1 / 243, rel=1e-9)


def test_standard_ratio_one_layer_is_not_mistaken_for_a_slip():
    assert nb05.check_standard_gradient_ratio(1 / 3, n_layers=1)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (3**-2.5, "standard deviations"),
        (243, "inverse"),
        (1 / 81, "one factor 1/3 too few"),
        (1 / 729, "one factor 1/3 too many"),
        (5 / 3, "multiply"),
        (1 / 3, "one layer"),
        (0.5**5, "too "),
    ],
)
def test_standard_ratio_wrong_answers_explain(answer, fragment):
    fb = nb05.check_standard_gradient_ratio(answer)
    assert not fb
    assert fragment in fb.message


def test_standard_ratio_bad_n_layers():
    with pytest.raises(ValueError, match="n_layers"):
        nb05.check_standard_gradient_ratio(0.1, n_layers=0)


# --- exercise 3: forward factor of the compromise --------------------------------------


def test_compromise_factor_right_answer_passes_and_matches_theory():
    assert nb05.check_compromise_forward_factor(0.4)
    pred = theory.predict_variances([100, 400], "xavier_normal", "identity")
    assert nb05.check_compromise_forward_factor(pred["z_var"][0])


def test_compromise_factor_equal_widths_pass_with_one():
    assert nb05.check_compromise_forward_factor(1.0, n_in=50, n_out=50)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (1.6, "BACKWARD"),
        (0.004, "Var(W) itself"),
        (1.0, "1/n_in"),
        (0.8, "2 times too large"),
        ([0.4, 1.6], "single number"),
    ],
)
def test_compromise_factor_wrong_answers_explain(answer, fragment):
    fb = nb05.check_compromise_forward_factor(answer)
    assert not fb
    assert fragment in fb.message


def test_compromise_factor_bad_parameters():
    with pytest.raises(ValueError, match="n_in"):
        nb05.check_compromise_forward_factor(0.4, n_in=-3)
