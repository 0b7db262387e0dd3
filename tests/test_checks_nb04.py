"""Exercise checks of notebook 04 (forward variance)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import datasets
from course_utils.checks import Feedback, nb04


@pytest.fixture(scope="module")
def pixels():
    X, _ = datasets.load_mnist("train", scale=True)
    return X


# --- exercise 1: Var(XY) ---------------------------------------------------------------


def test_product_variance_formula_matches_monte_carlo():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, 400_000)
    y = rng.normal(2.0, 3.0, 400_000)
    assert np.var(x * y) == pytest.approx(nb04.product_variance(1.0, 4.0, 2.0, 9.0), rel=0.02)


def test_product_variance_right_answer_passes():
    fb = nb04.check_product_variance(61)
    assert isinstance(fb, Feedback)
    assert fb
    assert str(fb).startswith("PASSED")
    assert nb04.check_product_variance(np.float64(61.0))
    assert nb04.check_product_variance(2.0, 0.0, 1.0, 1.0, 1.0)  # N(0, 1) * N(1, 1)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (..., "not filled in"),
        ("61", "not text"),
        ([61.0], "single number"),
        (36, "zero-mean formula"),
        (25, "leaves out Var(X)·Var(Y)"),
        (45, "leaves out the term Var(X)·E[Y]²"),
        (52, "leaves out the term E[X]²·Var(Y)"),
        (65, "second moment"),
        (1441, "standard deviations"),
        (-61, "sign"),
        (122, "2 times too large"),
        (float("inf"), "finite"),
    ],
)
def test_product_variance_wrong_answers_explain(answer, fragment):
    fb = nb04.check_product_variance(answer)
    assert not fb
    assert str(fb).startswith("NOT YET")
    assert fragment in fb.message


def test_product_variance_bad_parameters():
    with pytest.raises(ValueError, match="var_x"):
        nb04.check_product_variance(1.0, var_x=-1.0)
    with pytest.raises(TypeError, match="mean_y"):
        nb04.check_product_variance(1.0, mean_y="2")


# --- exercise 2: the std of the forward rule -------------------------------------------


@pytest.mark.parametrize("n_in", [1, 256, 1000])
def test_xavier_std_right_answer_passes(n_in):
    assert nb04.check_xavier_std(1 / math.sqrt(n_in), n_in=n_in)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        (1 / 256, "is the variance Var(W)"),
        (1 / 128, "too "),
        (math.sqrt(3 / 256), "bound r of the uniform"),
        (math.sqrt(2 / 256), "He's rule"),
        (0.125, "2 times too large"),
        (0.07, "too "),
    ],
)
def test_xavier_std_wrong_answers_explain(answer, fragment):
    fb = nb04.check_xavier_std(answer)
    assert not fb
    assert fragment in fb.message


def test_xavier_std_bad_n_in():
    with pytest.raises(ValueError, match="n_in"):
        nb04.check_xavier_std(0.1, n_in=0)


# --- exercise 3: first layer on raw MNIST pixels ---------------------------------------


def test_mnist_first_layer_right_answer_passes(pixels):
    assert nb04.check_mnist_first_layer_variance(np.mean(pixels**2))
    # the same value written as Var(a) + E[a]^2 passes too
    assert nb04.check_mnist_first_layer_variance(np.var(pixels) + np.mean(pixels) ** 2)


def test_mnist_first_layer_matches_a_measured_layer(pixels):
    # the prediction is what a wide random layer with Var(W) = 1/784 gives (within ~5%)
    rng = np.random.default_rng(0)
    W = rng.normal(0.0, 1 / math.sqrt(784), (2000, 784))
    measured = np.var(W @ pixels[:, :1000])
    assert measured == pytest.approx(np.mean(pixels**2), rel=0.05)
    fb = nb04.check_mnist_first_layer_variance(measured)
    assert not fb
    assert "measured value" in fb.message or "close" in fb.message


@pytest.mark.parametrize(
    ("make_answer", "fragment"),
    [
        (lambda X: None, "not filled in"),
        (lambda X: np.var(X), "zero-mean inputs"),
        (lambda X: np.mean(np.var(X, axis=1)), "per-pixel variances"),
        (lambda X: np.mean(X) ** 2, "E[a]² alone"),
        (lambda X: np.mean(X), "mean square"),
        (lambda X: 784 * np.mean(X**2), "784 times too large"),
        (lambda X: np.sqrt(np.mean(X**2)), "square root"),
        (lambda X: np.mean(X**2, axis=0), "single number"),
    ],
)
def test_mnist_first_layer_wrong_answers_explain(pixels, make_answer, fragment):
    fb = nb04.check_mnist_first_layer_variance(make_answer(pixels))
    assert not fb
    assert fragment in fb.message
