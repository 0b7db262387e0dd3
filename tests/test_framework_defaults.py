"""Framework defaults in course_utils.initializers against their documented distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from course_utils import initializers as init

SHAPE = (300, 784)  # (n_out, n_in): a 784 -> 300 layer


def test_truncated_constant_matches_jax_literal():
    # JAX/Flax: "constant is stddev of standard normal truncated to (-2, 2)"
    assert abs(init.truncated_std(-2.0, 2.0) - init.TRUNCATED_STD_2) < 1e-12
    assert abs(init.truncated_std(-2.0, 2.0) - stats.truncnorm(-2, 2).std()) < 1e-12
    # without the correction the variance is v(-2, 2) ~ 0.774 of the intended one
    assert init.truncated_std() ** 2 == pytest.approx(0.7737413, abs=1e-7)


def test_torch_linear_is_standard_uniform():
    w = init.torch_linear(SHAPE, rng=0)
    np.testing.assert_allclose(w, init.standard_uniform(SHAPE, rng=0), rtol=1e-15, atol=0)
    bound = 1 / math.sqrt(784)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound
    assert stats.kstest(w.ravel(), stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    assert init.variance("torch_linear", SHAPE) == pytest.approx(1 / (3 * 784), rel=1e-14)
    # conv kernel: fan_in = in_channels * kernel area
    assert init.variance("torch_linear", (32, 16, 3, 3)) == pytest.approx(1 / (3 * 144), rel=1e-14)


def test_torch_linear_bias():
    b = init.torch_linear_bias((300, 1), fan_in=784, rng=1)
    bound = 1 / math.sqrt(784)
    assert b.shape == (300, 1)
    assert np.abs(b).max() <= bound
    big = init.torch_linear_bias((100_000,), fan_in=784, rng=2)
    assert stats.kstest(big, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    assert init.variance("torch_linear_bias", (300, 1), fan_in=784) == pytest.approx(1 / 2352)
    with pytest.raises(TypeError, match="fan_in"):
        init.variance("torch_linear_bias", (300, 1))
    with pytest.raises(ValueError, match="fan_in"):
        init.torch_linear_bias((3,), fan_in=0)
    with pytest.raises(TypeError, match="fan_in"):
        init.torch_linear_bias((3,), fan_in=2.5)


@pytest.mark.parametrize("layout, shape", [("out_in", SHAPE), ("in_out", SHAPE[::-1])])
def test_keras_glorot_uniform(layout, shape):
    w = init.keras_glorot_uniform(shape, layout=layout, rng=3)
    limit = math.sqrt(6 / (784 + 300))
    assert w.shape == shape
    assert np.abs(w).max() <= limit
    assert stats.kstest(w.ravel(), stats.uniform(-limit, 2 * limit).cdf).pvalue > 1e-3
    assert init.variance("keras_glorot_uniform", shape, layout=layout) == pytest.approx(
        2 / 1084, rel=1e-14
    )


def test_keras_conv_layout_fans():
    # Keras conv kernels are (kh, kw, in, out); the course's are (out, in, kh, kw)
    assert init.variance("keras_glorot_uniform", (3, 3, 16, 32), layout="in_out") == (
        pytest.approx(init.variance("keras_glorot_uniform", (32, 16, 3, 3)))
    )
    assert init.variance("keras_glorot_uniform", (3, 3, 16, 32), layout="in_out") == (
        pytest.approx(2 / (144 + 288))
    )


def test_flax_lecun_normal_distribution():
    shape = (784, 300)  # Flax kernel (in_features, features)
    w = init.flax_lecun_normal(shape, layout="in_out", rng=4)
    std = math.sqrt(1 / 784) / init.TRUNCATED_STD_2
    assert np.abs(w).max() <= 2 * std
    dist = stats.truncnorm(-2, 2, scale=std)
    assert stats.kstest(w.ravel(), dist.cdf).pvalue > 1e-3
    # exact variance: 1 / fan_in up to the rounding of the literal
    var = init.variance("flax_lecun_normal", shape, layout="in_out")
    assert var == pytest.approx(dist.var(), rel=1e-12)
    assert var == pytest.approx(1 / 784, rel=1e-15)
    assert w.var() == pytest.approx(1 / 784, rel=0.02)
    # the same numbers read in the course's layout would use fan_in = 300
    assert init.variance("flax_lecun_normal", shape) == pytest.approx(1 / 300, rel=1e-15)


def test_uncorrected_truncation_loses_a_quarter():
    w = init.truncated_normal((400, 400), std=1.0, rng=5)
    assert w.var() == pytest.approx(0.7737413, rel=0.01)
    assert init.variance("truncated_normal", (4,), std=1.0) == pytest.approx(
        stats.truncnorm(-2, 2).var(), rel=1e-12
    )


def test_mlp_accepts_framework_defaults():
    from course_utils.mlp import MLP

    for name in ("torch_linear", "keras_glorot_uniform", "flax_lecun_normal"):
        net = MLP([20, 30, 5], init=name, rng=0)
        assert [w.shape for w in net.weights] == [(30, 20), (5, 30)]


def test_bad_layout():
    with pytest.raises(ValueError, match="layout"):
        init.keras_glorot_uniform((3, 4), layout="nchw")
    with pytest.raises(ValueError, match="layout"):
        init.variance("flax_lecun_normal", (3, 4), layout="oi")
    with pytest.raises(ValueError, match="shape"):
        init.flax_lecun_normal((3,), layout="in_out")
