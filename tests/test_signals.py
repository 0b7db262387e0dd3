"""Tests for course_utils.signals: exact values, statistical bounds, finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from course_utils import activations, signals

# ----------------------------------------------------------------------------- linear chain


def test_deep_linear_output_article_values():
    assert signals.deep_linear_output(1.5, 10, [1.0, 1.0]) == pytest.approx(2 * 1.5**9)
    assert signals.deep_linear_output(0.5, 10, [1.0, 1.0]) == pytest.approx(2 * 0.5**9)
    assert math.isclose(1.5**9, 38.443359375)
    assert math.isclose(0.5**9, 0.001953125)


@given(
    scale=st.floats(0.1, 3.0),
    depth=st.integers(1, 20),
    x=st.lists(st.floats(-10, 10), min_size=1, max_size=5),
)
@settings(max_examples=50, deadline=None)
def test_deep_linear_output_closed_form(scale, depth, x):
    expected = scale ** (depth - 1) * sum(x)
    got = signals.deep_linear_output(scale, depth, x)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_deep_linear_output_depth_one_is_sum():
    assert signals.deep_linear_output(7.0, 1, [1.0, 2.0, 3.0]) == 6.0


def test_deep_linear_output_overflow_is_a_clear_error():
    with pytest.raises(ValueError, match="overflows"):
        signals.deep_linear_output(1e10, 40, [1.0, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"scale": "1", "depth": 3, "x": [1.0]}, TypeError, "scale"),
        ({"scale": 1.0, "depth": 0, "x": [1.0]}, ValueError, "depth"),
        ({"scale": 1.0, "depth": 2.5, "x": [1.0]}, TypeError, "depth"),
        ({"scale": 1.0, "depth": 3, "x": [[1.0]]}, ValueError, "x"),
        ({"scale": 1.0, "depth": 3, "x": []}, ValueError, "x"),
        ({"scale": 1.0, "depth": 3, "x": [np.nan]}, ValueError, "x"),
    ],
)
def test_deep_linear_output_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        signals.deep_linear_output(**kwargs)


def test_first_depth_below_exact():
    assert signals.first_depth_below(0.5, 1e-6) == 21
    assert 0.5**19 >= 1e-6 > 0.5**20
    assert signals.first_depth_below(0.5, 2.0) == 1
    assert signals.first_depth_below(0.5, 1.0) == 2


@given(factor=st.floats(0.05, 0.95), threshold=st.floats(1e-12, 0.99))
@settings(max_examples=50, deadline=None)
def test_first_depth_below_is_minimal(factor, threshold):
    depth = signals.first_depth_below(factor, threshold)
    assert factor ** (depth - 1) < threshold * (1 + 1e-12)
    assert factor ** (depth - 2) >= threshold * (1 - 1e-12)


@pytest.mark.parametrize(
    ("factor", "threshold", "exc", "match"),
    [
        (1.0, 0.1, ValueError, "factor"),
        (0.0, 0.1, ValueError, "factor"),
        (0.5, 0.0, ValueError, "threshold"),
        ("a", 0.1, TypeError, "factor"),
    ],
)
def test_first_depth_below_validation(factor, threshold, exc, match):
    with pytest.raises(exc, match=match):
        signals.first_depth_below(factor, threshold)


# ----------------------------------------------------------------------------- products


def test_first_nonfinite():
    assert signals.first_nonfinite([1.0, 2.0, np.inf, np.nan]) == 2
    assert signals.first_nonfinite([1.0, np.nan]) == 1
    assert signals.first_nonfinite([1.0, 2.0]) is None
    assert signals.first_nonfinite([1, 2]) is None
    with pytest.raises(ValueError, match="values"):
        signals.first_nonfinite([[1.0]])


def test_matrix_product_growth_float32_overflows_without_warning():
    # sqrt(64) = 8 per layer, float32 max ~3.4e38: log(3.4e38)/log(8) ~ 42.7 layers
    res = signals.matrix_product_growth(64, 60, rng=0, dtype=np.float32)
    assert res.dtype == np.float32
    assert res.overflow_layer is not None
    assert 35 <= res.overflow_layer <= 45
    k = res.overflow_layer - 1
    assert np.all(np.isfinite(res.rms[:k]))
    assert np.all(np.isnan(res.rms[k:]))
    assert np.all(res.max_abs[:k] >= res.rms[:k])
    assert res.max_abs[k - 1] < np.finfo(np.float32).max
    np.testing.assert_array_equal(res.layers, np.arange(1, 61))


def test_matrix_product_growth_rate_matches_sqrt_n():
    n, depth = 100, 30
    res = signals.matrix_product_growth(n, depth, rng=1)
    assert res.overflow_layer is None
    slope = np.polyfit(res.layers, np.log(res.rms), 1)[0]
    assert slope == pytest.approx(0.5 * math.log(n), abs=0.05)
    assert res.rms[0] == pytest.approx(1.0, rel=0.05)


def test_matrix_product_growth_scaled_is_stable():
    n = 128
    res = signals.matrix_product_growth(n, 40, scale=1 / math.sqrt(n), rng=2)
    assert res.overflow_layer is None
    # the rms entry stays near 1/sqrt(n): Frobenius norm kept on average
    ratio = res.rms * math.sqrt(n)
    assert np.all((ratio > 0.3) & (ratio < 3.0))


def test_matrix_product_growth_is_seeded():
    a = signals.matrix_product_growth(16, 5, rng=3)
    b = signals.matrix_product_growth(16, 5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.rms, b.rms)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n": 0, "depth": 2}, ValueError, "n"),
        ({"n": 2, "depth": 0}, ValueError, "depth"),
        ({"n": 2, "depth": 2, "scale": 0.0}, ValueError, "scale"),
        ({"n": 2, "depth": 2, "dtype": np.int32}, ValueError, "dtype"),
        ({"n": 2, "depth": 2, "rng": "x"}, TypeError, "rng"),
    ],
)
def test_matrix_product_growth_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        signals.matrix_product_growth(**kwargs)


@pytest.mark.parametrize("x", [0.1, 0.5, 1.0, 2.5, 3.0, 7.3, 128.0, 1e4])
def test_digamma_matches_scipy(x):
    assert signals.digamma(x) == pytest.approx(float(special.digamma(x)), abs=1e-11)


def test_digamma_validation():
    with pytest.raises(ValueError, match="x"):
        signals.digamma(0.0)


@pytest.mark.parametrize("n", [1, 2, 10, 256])
def test_expected_log_growth_exact_and_first_order(n):
    exact = math.log(2.0) + 0.5 * (special.digamma(n / 2) - math.log(n / 2))
    assert signals.expected_log_growth(2.0, n) == pytest.approx(exact, abs=1e-11)
    if n >= 10:
        assert signals.expected_log_growth(2.0, n) == pytest.approx(
            math.log(2.0) - 1 / (2 * n), abs=1 / n**2
        )


@pytest.mark.parametrize(
    ("scale", "n", "exc", "match"),
    [
        (0.0, 4, ValueError, "scale must be > 0.0"),
        (-1.0, 4, ValueError, "scale must be > 0.0"),
        (math.inf, 4, ValueError, "scale must be finite"),
        (math.nan, 4, ValueError, "scale must be finite"),
        ("1", 4, TypeError, "scale must be a real number"),
        (None, 4, TypeError, "scale must be a real number"),
        (1.0, 0, ValueError, "n must be >= 1"),
        (1.0, -3, ValueError, "n must be >= 1"),
        (1.0, 2.0, TypeError, "n must be an int"),
        (1.0, True, TypeError, "n must be an int"),
    ],
)
def test_expected_log_growth_validation(scale, n, exc, match):
    with pytest.raises(exc, match=match):
        signals.expected_log_growth(scale, n)


def test_expected_log_growth_monte_carlo_chi2():
    # E log sqrt(chi2_n / n) by direct sampling
    rng = np.random.default_rng(0)
    n = 4
    samples = 0.5 * np.log(rng.chisquare(n, size=400_000) / n)
    assert float(samples.mean()) == pytest.approx(
        signals.expected_log_growth(1.0, n), abs=4 * samples.std() / math.sqrt(samples.size)
    )


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_log_growth_rate_matches_theory(scale):
    n, depth, m = 64, 40, 16
    got = signals.log_growth_rate(n, depth, scale, m=m, rng=4)
    expected = signals.expected_log_growth(scale, n)
    # per-layer std of 0.5 log(chi2_n/n) ~ sqrt(1/(2n)); the m columns share W and align
    # with depth, so count only the layers as independent samples (conservative 4-sigma band)
    tol = 4 * math.sqrt(1 / (2 * n)) / math.sqrt(depth)
    assert got == pytest.approx(expected, abs=tol)


def test_log_growth_rate_extreme_scale_no_overflow_float32():
    got = signals.log_growth_rate(32, 200, 100.0, m=4, rng=5, dtype=np.float32)
    assert got == pytest.approx(math.log(100.0), abs=0.1)


def test_log_growth_rate_validation():
    with pytest.raises(ValueError, match="scale"):
        signals.log_growth_rate(4, 3, -1.0)
    with pytest.raises(ValueError, match="m"):
        signals.log_growth_rate(4, 3, 1.0, m=0)
    with pytest.raises(ValueError, match="range"):
        signals.log_growth_rate(4, 3, 1e-50, dtype=np.float32, rng=0)


def test_linear_layer_stds_follow_forward_gain():
    n, depth = 200, 12
    for init, scale, gain in [
        ("lecun_normal", 1.0, 1.0),
        ("lecun_normal", 2.0, 2.0),
        ("standard_uniform", 1.0, 1 / math.sqrt(3)),
    ]:
        stds = signals.linear_layer_stds(init, n, depth, scale, m=64, rng=6)
        assert stds.shape == (depth + 1,)
        slope = np.polyfit(np.arange(depth + 1), np.log(stds), 1)[0]
        assert slope == pytest.approx(math.log(gain), abs=0.05)


def test_linear_layer_stds_overflow_is_inf_without_warning():
    stds = signals.linear_layer_stds(
        "standard_normal", 256, 40, 100.0, m=4, rng=7, dtype=np.float32
    )
    assert np.isinf(stds[-1])
    k = signals.first_nonfinite(stds)
    assert k is not None and np.all(np.isinf(stds[k:])) and np.all(np.isfinite(stds[:k]))


def test_linear_layer_stds_validation():
    with pytest.raises(ValueError, match="init"):
        signals.linear_layer_stds("nope", 4, 2)
    with pytest.raises(ValueError, match="init"):
        signals.linear_layer_stds("constant", 4, 2)
    with pytest.raises(ValueError, match="depth"):
        signals.linear_layer_stds("lecun_normal", 4, 0)


# ----------------------------------------------------------------------------- saturation


def test_chain_derivatives_finite_differences():
    rng = np.random.default_rng(8)
    w = rng.normal(size=5)
    b = rng.normal(size=(5, 7))
    x = rng.normal(size=7)
    for name in ["logistic", "tanh", "softsign"]:
        d = signals.chain_derivatives(name, w, b, x)
        g = activations.get(name)
        eps = 1e-6

        def run(x0, name=name, g=g):
            a, out = x0, []
            for k in range(w.size):
                a = g(w[k] * a + b[k])
                out.append(a)
            return np.array(out)

        fd = (run(x + eps) - run(x - eps)) / (2 * eps)
        np.testing.assert_allclose(d, fd, rtol=1e-5, atol=1e-10)


def test_chain_derivatives_logistic_bound():
    rng = np.random.default_rng(9)
    depth = 8
    w = np.ones(depth)
    b = rng.normal(-0.5, 1.0, size=(depth, 5000))
    d = signals.chain_derivatives("sigmoid", w, b, rng.normal(size=5000))
    bound = 0.25 ** np.arange(1, depth + 1)
    assert np.all(np.abs(d).max(axis=1) <= bound)
    assert np.abs(d[0]).max() > 0.99 * 0.25


def test_chain_derivatives_shared_biases_and_validation():
    d = signals.chain_derivatives("identity", [2.0, 3.0], [0.0, 1.0], [1.0, -1.0])
    np.testing.assert_allclose(d, [[2.0, 2.0], [6.0, 6.0]])
    with pytest.raises(ValueError, match="biases"):
        signals.chain_derivatives("tanh", [1.0, 1.0], [[0.0]], [1.0])
    with pytest.raises(ValueError, match="weights"):
        signals.chain_derivatives("tanh", [], [], [1.0])
    with pytest.raises(TypeError, match="activation"):
        signals.chain_derivatives(3, [1.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="unknown activation"):
        signals.chain_derivatives("nope", [1.0], [0.0], [1.0])


@pytest.mark.parametrize("name", ["logistic", "sigmoid", "tanh", "softsign"])
@pytest.mark.parametrize("fraction", [0.5, 0.05, 0.01, 1e-4])
def test_derivative_threshold_solves_equation(name, fraction):
    g = activations.get(name)
    z = signals.derivative_threshold(name, fraction)
    assert z > 0
    ratio = float(g.derivative(z) / g.derivative(0.0))
    assert ratio == pytest.approx(fraction, rel=1e-9)
    # saturated beyond, not before
    assert float(g.derivative(z * 1.01)) < fraction * float(g.derivative(0.0))
    assert float(g.derivative(z * 0.99)) > fraction * float(g.derivative(0.0))


def test_derivative_threshold_known_value_and_validation():
    assert signals.derivative_threshold("logistic", 0.01) == pytest.approx(2 * math.acosh(10))
    with pytest.raises(ValueError, match="fraction"):
        signals.derivative_threshold("tanh", 1.0)
    with pytest.raises(ValueError, match="fraction"):
        signals.derivative_threshold("tanh", 0.0)
    with pytest.raises(ValueError, match="activation"):
        signals.derivative_threshold("relu", 0.1)


@pytest.mark.parametrize("name", ["logistic", "tanh", "softsign"])
def test_saturation_gap_matches_direct_formula_where_accurate(name):
    z = np.linspace(-5, 5, 101)
    g = activations.get(name)(z)
    direct = np.minimum(g, 1 - g) if name == "logistic" else 1 - np.abs(g)
    np.testing.assert_allclose(signals.saturation_gap(name, z), direct, rtol=1e-9, atol=1e-15)


def test_saturation_gap_no_cancellation_far_out():
    z = np.array([30.0, 100.0, 300.0])
    gap = signals.saturation_gap("tanh", z)
    assert np.all(gap > 0)
    np.testing.assert_allclose(np.log(gap), np.log(2.0) - 2 * z, rtol=1e-12)
    np.testing.assert_allclose(signals.saturation_gap("softsign", z), 1 / (1 + z))
    assert signals.saturation_gap("tanh", 1e4) == 0.0  # underflows silently, no warning
    with pytest.raises(ValueError, match="activation"):
        signals.saturation_gap("relu", z)
    with pytest.raises(ValueError, match="z"):
        signals.saturation_gap("tanh", [np.nan])
