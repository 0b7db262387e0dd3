"""Exercise checks of notebook 01 (course_utils.checks.nb01)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import Feedback, nb01
from course_utils.experiments.playground import init_std, make_network

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
        (-math.sqrt(0.01 / 50), "sign"),
        ("0.04", "not text"),
        (math.sqrt(1 / 6), "too "),
    ],
)
def test_too_small_std_wrong_answers_explain(answer, fragment):
    fb = nb01.check_too_small_std(answer)
    assert not fb
    assert fragment in fb.message


# ---------------------------------------------------------------------------- exercise 2


def _gradients():
    net, x, y = nb01.symmetric_network()
    return net, net.backward(net.forward(x), y)


def test_symmetric_network_setup():
    net, x, y = nb01.symmetric_network()
    assert net.sizes == [2, 6, 3, 1]
    assert all(np.all(w == 0.5) for w in net.weights)
    assert x.shape == (2, 400)
    assert y.shape == (400,)


def test_gradient_rows_right_answer_passes_and_rows_are_identical():
    _, grads = _gradients()
    dW1 = grads.dW[0]
    assert np.max(np.ptp(dW1, axis=0)) <= 1e-12 * np.max(np.abs(dW1))
    assert np.max(np.abs(dW1)) > 1e-3  # not trivially zero, unlike the all-zero network
    fb = nb01.check_gradient_rows(dW1)
    assert fb, fb.message
    assert "identical" in fb.message
    assert nb01.check_gradient_rows(dW1.tolist())


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda net, g: None, "not filled in"),
        (lambda net, g: g.dW[0].T, "transposed"),
        (lambda net, g: g.dW[1], "dW2"),
        (lambda net, g: g.dW[2], "dW3"),
        (lambda net, g: net.weights[0], "weights W1"),
        (lambda net, g: 2 * g.dW[0], "2 times too large"),
        (lambda net, g: -g.dW[0], "sign"),
        (lambda net, g: g.dW[0] + np.arange(6)[:, None] * 1e-3, "differ"),
        (lambda net, g: "dW1", "numeric array"),
    ],
)
def test_gradient_rows_wrong_answers_explain(make, fragment):
    net, grads = _gradients()
    fb = nb01.check_gradient_rows(make(net, grads))
    assert not fb
    assert fragment in fb.message


# ---------------------------------------------------------------------------- exercise 3


def test_zero_init_gradient_is_really_only_b3():
    from course_utils import datasets

    net = make_network("Zero", rng=0)
    x, y = nb01.unbalanced_circles()
    assert x.shape == (2, 300)
    assert y.mean() == pytest.approx(2 / 3)
    g = net.backward(net.forward(x), y)
    grads = [p for pair in zip(g.dW, g.db, strict=True) for p in pair]
    nonzero = [n for n, p in zip(net.param_names, grads, strict=True) if np.any(p != 0)]
    assert nonzero == ["b3"]
    assert g.db[2][0, 0] == pytest.approx(0.5 - 2 / 3)
    # on the balanced circles even db3 = mean(1/2 - y) is exactly 0: a stationary point
    xb, yb = datasets.make_circles(400, rng=0)
    gb = net.backward(net.forward(xb), yb)
    assert all(np.all(p == 0) for p in (*gb.dW, *gb.db))


@pytest.mark.parametrize("answer", ["b3", " B3 ", ["b3"], ("b3",)])
def test_zero_init_gradient_right_answers(answer):
    fb = nb01.check_zero_init_gradient(answer)
    assert fb, fb.message


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not filled in"),
        ("W3", "a2 = relu(0) = 0"),
        ("w3", "a2 = relu(0) = 0"),
        ("b1", "W3 = 0"),
        ("W2", "W3 = 0"),
        ("b2", "W3 = 0"),
        ("W1", "W3 = 0"),
        ("W4", "not a parameter"),
        (["b3", "W3"], "Exactly one"),
        (3, "name such as"),
    ],
)
def test_zero_init_gradient_wrong_answers_explain(answer, fragment):
    fb = nb01.check_zero_init_gradient(answer)
    assert not fb
    assert fragment in fb.message
