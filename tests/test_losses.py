"""Tests of course_utils.losses: exact values, gradients, stability and validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import losses

LOSSES = {
    "softmax": losses.softmax_cross_entropy,
    "sigmoid": losses.binary_cross_entropy,
    "linear": losses.mean_squared_error,
}


def _targets(output: str, k: int, m: int, rng: np.random.Generator) -> np.ndarray:
    if output == "softmax":
        return rng.integers(0, k, m)
    if output == "sigmoid":
        return rng.integers(0, 2, m)
    return rng.standard_normal((k, m))


def _numeric_grad(fn, z: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        grad[idx] = (fn(zp, y)[0] - fn(zm, y)[0]) / (2 * eps)
    return grad


# --------------------------------------------------------------------------- exact values


@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_softmax_uniform_logits_give_log_k(k):
    m = 4
    y = np.arange(m) % k
    loss, dz = losses.softmax_cross_entropy(np.full((k, m), 3.7), y)
    assert loss == pytest.approx(np.log(k), abs=1e-15)
    expected = np.full((k, m), 1.0 / k)
    expected[y, np.arange(m)] -= 1.0
    np.testing.assert_allclose(dz, expected / m, atol=1e-16)


def test_softmax_matches_naive_formula():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 8)) * 3
    y = rng.integers(0, 5, 8)
    p = np.exp(z) / np.exp(z).sum(axis=0)
    loss, dz = losses.softmax_cross_entropy(z, y)
    assert loss == pytest.approx(-np.mean(np.log(p[y, np.arange(8)])), rel=1e-13)
    onehot = np.eye(5)[:, y]
    np.testing.assert_allclose(dz, (p - onehot) / 8, rtol=1e-12, atol=1e-16)
    # one-hot targets give the same loss and gradient as labels
    loss2, dz2 = losses.softmax_cross_entropy(z, onehot)
    assert loss2 == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(dz2, dz, atol=1e-16)
    # integer-valued float labels are accepted
    assert losses.softmax_cross_entropy(z, y.astype(float))[0] == loss


def test_bce_at_zero_is_log_2():
    y = np.array([0, 1, 1, 0, 1])
    loss, dz = losses.binary_cross_entropy(np.zeros((1, 5)), y)
    assert loss == pytest.approx(np.log(2.0), abs=1e-15)
    np.testing.assert_allclose(dz, (0.5 - y[None, :]) / 5, atol=1e-16)
    # (1, m) and bool targets are accepted
    assert losses.binary_cross_entropy(np.zeros((1, 5)), y[None, :].astype(bool))[0] == loss


def test_bce_matches_naive_formula():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((1, 9)) * 4
    y = rng.integers(0, 2, 9)
    s = 1 / (1 + np.exp(-z[0]))
    loss, dz = losses.binary_cross_entropy(z, y)
    assert loss == pytest.approx(-np.mean(y * np.log(s) + (1 - y) * np.log(1 - s)), rel=1e-12)
    np.testing.assert_allclose(dz[0], (s - y) / 9, rtol=1e-12, atol=1e-17)


def test_mse_known_value():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([[0.0, 2.0, 5.0], [1.0, 0.0, 0.0]])
    loss, dz = losses.mean_squared_error(z, y)
    assert loss == pytest.approx(0.5 * (1 + 0 + 4 + 1) / 3, abs=1e-15)
    np.testing.assert_allclose(dz, (z - y) / 3)
    # K == 1 accepts 1-D targets
    loss1, _ = losses.mean_squared_error(np.array([[1.0, 3.0]]), np.array([0.0, 1.0]))
    assert loss1 == pytest.approx(0.5 * (1 + 4) / 2)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_gradients_match_finite_differences(output):
    rng = np.random.default_rng(2)
    k = 1 if output == "sigmoid" else 4
    z = rng.standard_normal((k, 6)) * 2
    y = _targets(output, k, 6, rng)
    fn = LOSSES[output]
    _, dz = fn(z, y)
    np.testing.assert_allclose(dz, _numeric_grad(fn, z, y), rtol=1e-6, atol=1e-9)


def test_soft_targets_gradient():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((3, 5))
    y = rng.dirichlet(np.ones(3), size=5).T
    _, dz = losses.softmax_cross_entropy(z, y)
    np.testing.assert_allclose(
        dz, _numeric_grad(losses.softmax_cross_entropy, z, y), rtol=1e-6, atol=1e-9
    )


# --------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_stable_for_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4], [-1e4, 0.0, 1e4]], dtype=dtype)
    loss, dz = losses.softmax_cross_entropy(z, [0, 0, 0])  # warnings are errors
    assert np.isfinite(loss)
    # correct class wins with margin 1e4 once, loses by 1e4 twice
    assert loss == pytest.approx((0 + 1e4 + 2e4) / 3, rel=1e-6)
    assert dz.dtype == dtype
    assert np.all(np.isfinite(dz))
    np.testing.assert_allclose(dz.sum(axis=0), 0.0, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_stable_for_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 1e4, -1e4]], dtype=dtype)
    loss, dz = losses.binary_cross_entropy(z, [1, 0, 0, 1])
    assert loss == pytest.approx((0 + 0 + 1e4 + 1e4) / 4, rel=1e-6)
    assert dz.dtype == dtype
    np.testing.assert_allclose(dz[0], np.array([0, 0, 1, -1]) / 4, atol=1e-7)


def test_float32_preserved_and_ints_cast():
    z32 = np.ones((3, 2), dtype=np.float32)
    for output in ("softmax", "linear"):
        y = [0, 2] if output == "softmax" else np.zeros((3, 2))
        _, dz = LOSSES[output](z32, y)
        assert dz.dtype == np.float32
    _, dz = losses.mean_squared_error(np.ones((1, 2), dtype=int), [0.0, 1.0])
    assert dz.dtype == np.float64


# --------------------------------------------------------------------------- helpers


def test_get_and_output_activation():
    assert losses.get("softmax") is losses.softmax_cross_entropy
    assert losses.get("sigmoid") is losses.binary_cross_entropy
    assert losses.get("linear") is losses.mean_squared_error
    z = np.array([[1e4, 0.0, -3.0], [-1e4, 0.0, 2.0]])
    p = losses.output_activation("softmax", z)
    np.testing.assert_allclose(p.sum(axis=0), 1.0)
    np.testing.assert_allclose(p[:, 1], 0.5)
    s = losses.output_activation("sigmoid", z)
    np.testing.assert_allclose(s[:, 1], 0.5)
    assert s[0, 0] == 1.0 and s[1, 0] == 0.0
    np.testing.assert_allclose(s[:, 1:], 1 / (1 + np.exp(-z[:, 1:])), rtol=1e-14)
    lin = losses.output_activation("linear", z)
    np.testing.assert_array_equal(lin, z)
    assert lin is not z


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("fn", "z", "y", "match"),
    [
        (losses.softmax_cross_entropy, np.zeros((3, 2)), [0, 3], "y"),  # label >= K
        (losses.softmax_cross_entropy, np.zeros((3, 2)), [-1, 0], "y"),  # negative label
        (losses.softmax_cross_entropy, np.zeros((3, 2)), [0.5, 1], "y"),  # non-integer
        (losses.softmax_cross_entropy, np.zeros((3, 2)), [0, 1, 2], "y"),  # wrong m
        (losses.softmax_cross_entropy, np.zeros((3, 2)), np.ones((3, 2)), "y"),  # not one-hot
        (losses.softmax_cross_entropy, np.zeros((3, 2)), np.zeros((2, 3)), "y"),  # shape
        (losses.softmax_cross_entropy, np.zeros(3), [0, 1, 2], "z"),  # 1-D z
        (losses.softmax_cross_entropy, np.zeros((3, 0)), [], "z"),  # no examples
        (losses.softmax_cross_entropy, np.array([[np.nan, 0.0]]), [0, 0], "z"),
        (losses.binary_cross_entropy, np.zeros((1, 2)), [0, 2], "y"),  # not 0/1
        (losses.binary_cross_entropy, np.zeros((1, 2)), [0.5, 1], "y"),
        (losses.binary_cross_entropy, np.zeros((2, 2)), [0, 1], "K=1"),
        (losses.binary_cross_entropy, np.zeros((1, 2)), [0, 1, 1], "y"),
        (losses.binary_cross_entropy, np.zeros((1, 2)), np.zeros((2, 2)), "y"),
        (losses.mean_squared_error, np.zeros((2, 3)), np.zeros((3, 2)), "y"),
        (losses.mean_squared_error, np.zeros((2, 3)), np.zeros(3), "y"),
        (losses.mean_squared_error, np.zeros((1, 2)), [0.0, np.inf], "y"),
    ],
)
def test_bad_inputs_raise_value_error(fn, z, y, match):
    with pytest.raises(ValueError, match=match):
        fn(z, y)


def test_bad_types_and_names():
    with pytest.raises(TypeError, match="z"):
        losses.softmax_cross_entropy("abc", [0])
    with pytest.raises(TypeError, match="y"):
        losses.softmax_cross_entropy(np.zeros((2, 1)), ["a"])
    with pytest.raises(ValueError, match="output"):
        losses.get("tanh")
    with pytest.raises(ValueError, match="output"):
        losses.output_activation("relu", np.zeros((1, 1)))


# --------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(
    k=st.integers(1, 6),
    m=st.integers(1, 6),
    scale=st.sampled_from([1e-3, 1.0, 1e2, 1e4]),
    seed=st.integers(0, 2**32 - 1),
)
def test_loss_properties_random(k, m, scale, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((k, m)) * scale
    y = rng.integers(0, k, m)
    loss, dz = losses.softmax_cross_entropy(z, y)
    assert np.isfinite(loss) and loss >= 0.0
    np.testing.assert_allclose(dz.sum(axis=0), 0.0, atol=1e-12)
    assert np.all(np.abs(dz) <= 1.0 / m + 1e-15)
    zb = z[:1]
    yb = rng.integers(0, 2, m)
    loss_b, dz_b = losses.binary_cross_entropy(zb, yb)
    assert np.isfinite(loss_b) and loss_b >= 0.0
    assert np.all(np.abs(dz_b) <= 1.0 / m + 1e-15)
    loss_l, dz_l = losses.mean_squared_error(z, np.zeros_like(z))
    assert loss_l == pytest.approx(0.5 * np.sum(z**2) / m, rel=1e-12)
