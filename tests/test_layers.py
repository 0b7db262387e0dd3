"""Tests of course_utils.layers: BatchNorm and LayerNorm forward, backward, running statistics."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.layers import BatchNorm, LayerNorm


def _numeric_grad(f, arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(arr)
    for idx in np.ndindex(arr.shape):
        orig = arr[idx]
        arr[idx] = orig + eps
        plus = f()
        arr[idx] = orig - eps
        minus = f()
        arr[idx] = orig
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _rel_err(a: np.ndarray, n: np.ndarray) -> float:
    return float(np.max(np.abs(a - n)) / (np.max(np.abs(a)) + np.max(np.abs(n))))


@pytest.mark.parametrize(
    ("cls", "train"), [(BatchNorm, True), (BatchNorm, False), (LayerNorm, True)]
)
def test_backward_matches_finite_differences(cls, train):
    rng = np.random.default_rng(0)
    layer = cls(5)
    layer.gamma[...] = rng.normal(1.0, 0.3, (5, 1))
    layer.beta[...] = rng.normal(0.0, 0.3, (5, 1))
    if cls is BatchNorm:
        layer.running_mean[...] = rng.normal(size=(5, 1))
        layer.running_var[...] = rng.uniform(0.5, 2.0, (5, 1))
    z = rng.normal(2.0, 3.0, (5, 7))
    weights = rng.standard_normal((5, 7))  # loss = sum(weights * y): dy = weights

    def loss() -> float:
        return float(np.sum(weights * layer.forward(z, train=train, update=False)[0]))

    y, cache = layer.forward(z, train=train, update=False)
    dz, dgamma, dbeta = layer.backward(weights, cache)
    assert _rel_err(dz, _numeric_grad(loss, z)) < 1e-6
    assert _rel_err(dgamma, _numeric_grad(loss, layer.gamma)) < 1e-6
    assert _rel_err(dbeta, _numeric_grad(loss, layer.beta)) < 1e-6


def test_batchnorm_standardizes_each_unit_over_the_batch():
    rng = np.random.default_rng(1)
    bn = BatchNorm(3)
    z = rng.normal([[10.0], [-3.0], [0.0]], [[5.0], [0.01], [2.0]], (3, 50))
    y, _ = bn.forward(z, train=True)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)
    # eps = 1e-5 lowers the std of the unit with variance 1e-4 below 1
    np.testing.assert_allclose(y.std(axis=1), np.sqrt(z.var(axis=1) / (z.var(axis=1) + 1e-5)))
    bn.gamma[...] = 2.0
    bn.beta[...] = -1.0
    y2, _ = bn.forward(z, train=True)
    np.testing.assert_allclose(y2, 2.0 * y - 1.0)


def test_layernorm_standardizes_each_example_over_units():
    z = np.random.default_rng(2).normal(4.0, 3.0, (16, 5))
    y, _ = LayerNorm(16).forward(z)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1.0, atol=1e-5)


def test_running_statistics_follow_the_momentum_rule():
    rng = np.random.default_rng(3)
    bn = BatchNorm(2, momentum=0.25)
    mean, var = np.zeros((2, 1)), np.ones((2, 1))
    for _ in range(3):
        z = rng.normal(size=(2, 10))
        bn.forward(z, train=True)
        mean = 0.75 * mean + 0.25 * z.mean(axis=1, keepdims=True)
        var = 0.75 * var + 0.25 * z.var(axis=1, ddof=1, keepdims=True)
    np.testing.assert_allclose(bn.running_mean, mean)
    np.testing.assert_allclose(bn.running_var, var)


def test_running_statistics_converge_and_eval_uses_them():
    rng = np.random.default_rng(4)
    bn = BatchNorm(2)
    for _ in range(200):
        bn.forward(rng.normal([[3.0], [-1.0]], [[2.0], [0.5]], (2, 64)), train=True)
    np.testing.assert_allclose(bn.running_mean.ravel(), [3.0, -1.0], atol=0.1)
    np.testing.assert_allclose(bn.running_var.ravel(), [4.0, 0.25], rtol=0.1)
    before = (bn.running_mean.copy(), bn.running_var.copy())
    one = np.array([[3.0], [-1.0]])
    y, _ = bn.forward(one, train=False)  # a single example is fine at evaluation
    np.testing.assert_allclose(y, (one - before[0]) / np.sqrt(before[1] + bn.eps))
    np.testing.assert_array_equal(bn.running_mean, before[0])
    bn.forward(rng.normal(size=(2, 8)), train=True, update=False)
    np.testing.assert_array_equal(bn.running_var, before[1])


def test_eval_output_of_an_example_does_not_depend_on_the_batch():
    rng = np.random.default_rng(5)
    bn = BatchNorm(4)
    bn.forward(rng.normal(size=(4, 32)), train=True)
    z = rng.normal(size=(4, 6))
    np.testing.assert_allclose(
        bn.forward(z, train=False)[0][:, :1], bn.forward(z[:, :1], train=False)[0]
    )


def test_bad_input():
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match="at least 2 examples"):
        bn.forward(np.ones((3, 1)), train=True)
    with pytest.raises(ValueError, match=r"shape \(3, m\)"):
        bn.forward(np.ones((4, 5)), train=True)
    with pytest.raises(ValueError, match="finite"):
        bn.forward(np.full((3, 5), np.nan), train=True)
    with pytest.raises(TypeError, match="z must be a numeric array"):
        bn.forward("abc", train=True)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=0.0)
    with pytest.raises(ValueError, match="eps"):
        BatchNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="n"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="n >= 2"):
        LayerNorm(1)
    with pytest.raises(TypeError, match="dtype"):
        LayerNorm(3, dtype=object())


def test_float32_is_kept():
    z = np.random.default_rng(6).normal(size=(3, 8)).astype(np.float32)
    for layer in (BatchNorm(3, dtype=np.float32), LayerNorm(3, dtype=np.float32)):
        y, cache = layer.forward(z, train=True)
        assert y.dtype == np.float32
        assert all(g.dtype == np.float32 for g in layer.backward(np.ones_like(y), cache))
