"""course_utils.lsuv: tolerance reached on the MNIST net, determinism, reporting, errors."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import datasets
from course_utils.lsuv import LSUVReport, lsuv
from course_utils.mlp import MLP


@pytest.fixture(scope="module")
def mnist_batch():
    x, _ = datasets.load_mnist("train")
    xs, _ = datasets.standardize(x)
    return xs[:, :500]


def layer_variances(net, x):
    return [float(np.var(z)) for z in net.forward(x).z]


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_reaches_tolerance_on_mnist_net(mnist_batch, hidden):
    net = MLP([784, 300, 300, 300, 10], hidden=hidden, init="standard_normal", rng=0)
    before = [w.copy() for w in net.weights]
    report = lsuv(net, mnist_batch, tol=0.01, rng=1)
    assert isinstance(report, LSUVReport)
    assert all(report.converged) and set(report.stopped_by) == {"tolerance"}
    assert all(abs(v - 1.0) < 0.01 for v in report.variances)
    measured = layer_variances(report.net, mnist_batch)
    np.testing.assert_allclose(measured, report.variances, rtol=1e-10)
    assert all(1 <= n <= 2 for n in report.iterations)
    # the network passed in is untouched
    assert all(np.array_equal(w, b) for w, b in zip(net.weights, before, strict=True))
    assert report.net is not net
    assert "layer 1" in str(report)


def test_minibatches_and_max_iter(mnist_batch):
    net = MLP([784, 200, 200, 10], hidden="tanh", rng=0)
    report = lsuv(net, mnist_batch, tol=1e-6, max_iter=3, batch_size=32, rng=2)
    assert report.iterations == (3, 3, 3)
    assert report.converged == (False, False, False)
    assert report.stopped_by == ("max_iter",) * 3
    loose = lsuv(net, mnist_batch, tol=0.2, batch_size=64, rng=2)
    assert all(loose.converged)


def test_deterministic_with_rng(mnist_batch):
    net = MLP([784, 100, 10], hidden="relu", rng=0)
    a = lsuv(net, mnist_batch, batch_size=50, rng=7)
    b = lsuv(net, mnist_batch, batch_size=50, rng=7)
    c = lsuv(net, mnist_batch, batch_size=50, rng=8)
    assert all(np.array_equal(u, v) for u, v in zip(a.net.weights, b.net.weights, strict=True))
    assert not np.array_equal(a.net.weights[0], c.net.weights[0])


def test_orthonormal_pre_init_and_options(mnist_batch):
    net = MLP([784, 100, 50, 10], hidden="tanh", rng=0)
    rep = lsuv(net, mnist_batch, include_output=False, rng=0)
    assert len(rep.iterations) == 2
    w = rep.net.weights[1]  # (50, 100): orthogonal rows, times one scale
    gram = w @ w.T
    np.testing.assert_allclose(gram, gram[0, 0] * np.eye(50), atol=1e-10)
    w_out = rep.net.weights[2]  # pre-initialized but not rescaled: orthonormal rows
    np.testing.assert_allclose(w_out @ w_out.T, np.eye(10), atol=1e-10)
    keep = lsuv(net, mnist_batch, orthonormal=False, target_var=2.0, rng=0)
    assert all(abs(v - 2.0) < 0.1 for v in keep.variances)
    ratio = keep.net.weights[0] / net.weights[0]
    np.testing.assert_allclose(ratio, ratio.flat[0])


def test_bad_input(mnist_batch):
    net = MLP([784, 10, 10], rng=0)
    with pytest.raises(TypeError, match="net"):
        lsuv("net", mnist_batch)
    with pytest.raises(ValueError, match="x"):
        lsuv(net, mnist_batch[:100])
    with pytest.raises(ValueError, match="tol"):
        lsuv(net, mnist_batch, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        lsuv(net, mnist_batch, max_iter=0)
    with pytest.raises(ValueError, match="target_var"):
        lsuv(net, mnist_batch, target_var=-1.0)
    with pytest.raises(ValueError, match="batch_size"):
        lsuv(net, mnist_batch, batch_size=10_000)
    with pytest.raises(TypeError, match="orthonormal"):
        lsuv(net, mnist_batch, orthonormal="yes")
    with pytest.raises(ValueError, match="layer 1"):
        lsuv(net, np.zeros((784, 20)))
