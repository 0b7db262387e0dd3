"""Tests for course_utils.theory: Gaussian moments and mean-field variance predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from course_utils import activations, theory

WIDTH = 500
DEPTH = 10


def gaussian_expectation(f, q: float) -> float:
    """E[f(z)] for z ~ N(0, q) with scipy's adaptive quadrature, split at kinks and scales."""

    def integrand(z: float) -> float:
        return f(z) * math.exp(-z * z / (2 * q)) / math.sqrt(2 * math.pi * q)

    sd = math.sqrt(q)
    edges = sorted({0.0, *(e for e in (0.5, 1.0, 2.0, 4.0, 8.0, 16.0) if e < 12 * sd), 12 * sd})
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        for lo, hi in ((a, b), (-b, -a)):
            total += integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return total


def scalar(act: activations.Activation, method: str = "__call__"):
    fn = getattr(act, method)
    return lambda z: float(fn(np.float64(z)))


# ---------------------------------------------------------------------------
# gaussian_moments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.5, 1e4])
def test_identity_closed_form(q):
    mom = theory.gaussian_moments("identity", q)
    assert mom == {"mean": 0.0, "second": pytest.approx(q, rel=1e-15), "deriv_sq": 1.0}


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.5, 1e4])
def test_relu_closed_form(q):
    mom = theory.gaussian_moments("relu", q)
    assert mom["mean"] == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-14)
    assert mom["second"] == pytest.approx(q / 2, rel=1e-15)
    assert mom["deriv_sq"] == 0.5


@pytest.mark.parametrize("slope", [0.01, 0.2, 0.5])
def test_leaky_relu_closed_form(slope):
    act = activations.get("leaky_relu", slope=slope)
    mom = theory.gaussian_moments(act, 2.0)
    assert mom["mean"] == pytest.approx((1 - slope) * math.sqrt(1 / math.pi), rel=1e-14)
    assert mom["second"] == pytest.approx(1 + slope**2, rel=1e-14)
    assert mom["deriv_sq"] == pytest.approx((1 + slope**2) / 2, rel=1e-14)


@pytest.mark.parametrize("name", ["identity", "relu", "leaky_relu"])
@pytest.mark.parametrize("q", [0.01, 1.0, 50.0])
def test_quadrature_reproduces_closed_forms(name, q):
    # The generic quadrature (used for all other activations) must agree with the exact
    # formulas, kinks at 0 included.
    act = activations.get(name)
    exact = theory.gaussian_moments(act, q)
    quad = theory._quadrature_moments(act, q, 16)
    assert quad == pytest.approx((exact["mean"], exact["second"], exact["deriv_sq"]), rel=1e-12)


@pytest.mark.parametrize("q", [0.1, 1.0, 10.0, 100.0, 1e4])
def test_tanh_deriv_sq_matches_scipy(q):
    # Plain Gauss-Hermite quadrature is off by ~1e-2 here for q >= 10.
    act = activations.get("tanh")
    expected = gaussian_expectation(lambda z: scalar(act, "derivative")(z) ** 2, q)
    assert theory.gaussian_moments(act, q)["deriv_sq"] == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("name", ["tanh", "logistic", "softsign", "selu"])
@pytest.mark.parametrize("q", [0.05, 2.0, 300.0])
def test_smooth_activation_moments_match_scipy(name, q):
    act = activations.get(name)
    g, dg = scalar(act), scalar(act, "derivative")
    mom = theory.gaussian_moments(act, q)
    scale = max(1.0, q)
    assert mom["mean"] == pytest.approx(gaussian_expectation(g, q), abs=1e-9 * scale)
    assert mom["second"] == pytest.approx(
        gaussian_expectation(lambda z: g(z) ** 2, q), abs=1e-9 * scale
    )
    assert mom["deriv_sq"] == pytest.approx(gaussian_expectation(lambda z: dg(z) ** 2, q), abs=1e-9)


@pytest.mark.parametrize("q", [1e-8, 0.5, 3.0, 1e3, 1e8])
def test_logistic_mean_is_one_half(q):
    # sigma(z) + sigma(-z) = 1 and z is symmetric
    assert theory.gaussian_moments("logistic", q)["mean"] == pytest.approx(0.5, abs=1e-15)
    assert theory.gaussian_moments("sigmoid", q)["mean"] == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("name", ["tanh", "softsign"])
def test_odd_activations_have_zero_mean(name):
    assert theory.gaussian_moments(name, 2.5)["mean"] == pytest.approx(0.0, abs=1e-16)


def test_selu_fixed_point():
    # Klambauer et al.: for z ~ N(0, 1), SELU output has mean 0 and second moment 1.
    mom = theory.gaussian_moments("selu", 1.0)
    assert mom["mean"] == pytest.approx(0.0, abs=1e-9)
    assert mom["second"] == pytest.approx(1.0, abs=1e-9)


def test_q_zero_is_point_mass():
    assert theory.gaussian_moments("tanh", 0.0) == {"mean": 0.0, "second": 0.0, "deriv_sq": 1.0}
    assert theory.gaussian_moments("logistic", 0) == {
        "mean": 0.5,
        "second": 0.25,
        "deriv_sq": 0.0625,
    }
    # the activations use the left derivative at the kink
    assert theory.gaussian_moments("relu", 0.0) == {"mean": 0.0, "second": 0.0, "deriv_sq": 0.0}


def test_small_q_tends_to_point_mass():
    mom = theory.gaussian_moments("tanh", 1e-12)
    assert mom["second"] == pytest.approx(1e-12, rel=1e-9)
    assert mom["deriv_sq"] == pytest.approx(1.0, abs=1e-11)


def test_vectorised_over_q():
    q = np.array([[0.0, 0.5, 1.0], [2.0, 10.0, 1e3]])
    for name in ["tanh", "relu", "selu"]:
        mom = theory.gaussian_moments(name, q)
        for key in ("mean", "second", "deriv_sq"):
            assert mom[key].shape == q.shape
            expected = [theory.gaussian_moments(name, float(v))[key] for v in q.ravel()]
            np.testing.assert_allclose(mom[key].ravel(), expected, rtol=0, atol=0)
    scalar_out = theory.gaussian_moments("tanh", np.float64(1.0))
    assert isinstance(scalar_out["mean"], float)


@settings(max_examples=40, deadline=None)
@given(q=st.floats(min_value=1e-6, max_value=1e6))
def test_tanh_moment_bounds(q):
    mom = theory.gaussian_moments("tanh", q)
    # |tanh z| <= min(|z|, 1) and 0 < tanh' <= 1
    assert 0 < mom["second"] <= min(q, 1.0) * (1 + 1e-12)
    assert 0 < mom["deriv_sq"] <= 1.0
    # Jensen: E[g'^2] >= E[g']^2 >= ... and E[g^2] >= E[g]^2 = 0
    assert abs(mom["mean"]) < 1e-12


@settings(max_examples=40, deadline=None)
@given(q=st.floats(min_value=0.0, max_value=1e8), slope=st.floats(0.0, 1.0))
def test_piecewise_linear_homogeneity(q, slope):
    # E[g(z)^2] for a positively homogeneous g scales linearly with q
    act = activations.get("leaky_relu", slope=slope)
    mom = theory.gaussian_moments(act, q)
    assert mom["second"] == pytest.approx((1 + slope**2) * q / 2, rel=1e-12, abs=1e-300)
    assert mom["second"] >= mom["mean"] ** 2 * (1 - 1e-12)


def test_gaussian_moments_bad_input():
    with pytest.raises(ValueError, match="q"):
        theory.gaussian_moments("tanh", -1.0)
    with pytest.raises(ValueError, match="q"):
        theory.gaussian_moments("tanh", [1.0, np.nan])
    with pytest.raises(TypeError, match="q"):
        theory.gaussian_moments("tanh", "big")
    with pytest.raises(TypeError, match="activation"):
        theory.gaussian_moments(3, 1.0)
    with pytest.raises(ValueError, match="valid names"):
        theory.gaussian_moments("mish", 1.0)
    with pytest.raises(ValueError, match="order"):
        theory.gaussian_moments("tanh", 1.0, order=1)
    with pytest.raises(TypeError, match="order"):
        theory.gaussian_moments("tanh", 1.0, order=2.5)


# ---------------------------------------------------------------------------
# predict_variances
# ---------------------------------------------------------------------------


def test_predict_keys_and_shapes():
    out = theory.predict_variances([784, 300, 100, 10], "xavier_normal", "tanh")
    assert set(out) == set(theory.VARIANCE_KEYS)
    for value in out.values():
        assert value.shape == (3,)
        assert np.all(np.isfinite(value))


def test_linear_growth_is_exactly_geometric():
    # n * Var(W) = 1.5 per layer: Var(z_l) = 1.5**l * input_var forward and
    # Var(dL/dz_l) = 1.5**(L - l) backward.
    n, depth = 200, 12
    std = math.sqrt(1.5 / n)
    out = theory.predict_variances([n] * (depth + 1), "normal", "identity", input_var=2.0, std=std)
    layers = np.arange(1, depth + 1)
    np.testing.assert_allclose(out["z_var"], 2.0 * 1.5**layers, rtol=1e-12)
    np.testing.assert_allclose(out["a_second"], out["z_var"], rtol=0)
    np.testing.assert_allclose(out["a_var"], out["z_var"], rtol=0)
    np.testing.assert_allclose(out["grad_var"], 1.5 ** (depth - layers), rtol=1e-12)
    assert out["grad_a_var"][-1] == 1.0
    np.testing.assert_allclose(out["weight_var"], std**2, rtol=1e-14)


def test_relu_he_preserves_variance_exactly():
    out = theory.predict_variances([WIDTH] * (DEPTH + 1), "he_normal", "relu")
    np.testing.assert_allclose(out["z_var"], 2.0, rtol=1e-13)
    np.testing.assert_allclose(out["a_second"], 1.0, rtol=1e-13)
    np.testing.assert_allclose(out["a_var"], 1.0 - 1.0 / math.pi, rtol=1e-13)
    np.testing.assert_allclose(out["grad_var"], 0.5, rtol=1e-13)
    np.testing.assert_allclose(out["grad_a_var"], 1.0, rtol=1e-13)


def test_rectangular_widths_use_fan_in_forward_and_fan_out_backward():
    widths = [50, 200, 20]
    out = theory.predict_variances(widths, "normal", "identity", std=0.1)
    assert out["z_var"] == pytest.approx([50 * 0.01, 200 * 0.01 * 50 * 0.01])
    # backward: Var(dL/da_1) = n_2 * v * Var(dL/dz_2) = 20 * 0.01 * 1
    assert out["grad_var"] == pytest.approx([20 * 0.01, 1.0])


def test_tanh_xavier_signal_shrinks_slowly_and_sigmoid_does_not_vanish():
    tanh = theory.predict_variances([WIDTH] * (DEPTH + 1), "xavier_normal", "tanh")
    assert np.all(np.diff(tanh["z_var"]) < 0)  # tanh' <= 1: the forward signal shrinks
    assert np.all(np.diff(tanh["grad_var"]) > 0)  # and so does the gradient going down
    logistic = theory.predict_variances([WIDTH] * (DEPTH + 1), "xavier_normal", "logistic")
    # the logistic's mean 1/2 keeps E[a^2] >= 1/4
    assert np.all(logistic["a_second"] >= 0.25)


def test_last_activation_false_makes_output_layer_linear():
    widths = [100, 100, 100, 10]
    out = theory.predict_variances(widths, "xavier_normal", "tanh", last_activation=False)
    full = theory.predict_variances(widths, "xavier_normal", "tanh")
    np.testing.assert_allclose(out["z_var"], full["z_var"], rtol=1e-15)
    assert out["a_second"][-1] == out["z_var"][-1]
    assert out["grad_var"][-1] == 1.0
    assert full["grad_var"][-1] < 1.0


def test_activation_instance_and_init_kwargs():
    act = activations.get("leaky_relu", slope=0.1)
    out = theory.predict_variances([300] * 6, "he_normal", act, negative_slope=0.1)
    np.testing.assert_allclose(out["z_var"], 2 / (1 + 0.01), rtol=1e-13)


def test_zero_init_gives_zero_signal():
    out = theory.predict_variances([10, 10, 10], "zeros", "tanh")
    assert np.all(out["z_var"] == 0)
    assert np.all(out["grad_var"][:-1] == 0)


def test_predict_overflow_is_quiet():
    with np.errstate(all="raise"):
        linear = theory.predict_variances([100] * 301, "normal", "identity", std=1.0)
        selu = theory.predict_variances([100] * 301, "normal", "selu", std=1.0)
        tanh = theory.predict_variances([100] * 301, "standard_normal", "tanh")
    assert np.isinf(linear["z_var"][-1])
    assert np.isinf(selu["z_var"][-1])
    assert np.isfinite(selu["grad_var"][-1])
    assert np.isinf(selu["grad_var"][0])  # exploding gradients too
    assert np.all(tanh["a_second"] <= 1.0)
    assert tanh["grad_var"][0] > 1e100  # exploding gradients


def test_predict_bad_input():
    with pytest.raises(TypeError, match="widths"):
        theory.predict_variances(10, "he_normal", "relu")
    with pytest.raises(ValueError, match="widths"):
        theory.predict_variances([10], "he_normal", "relu")
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        theory.predict_variances([10, 0, 5], "he_normal", "relu")
    with pytest.raises(TypeError, match=r"widths\[0\]"):
        theory.predict_variances([10.0, 5], "he_normal", "relu")
    with pytest.raises(ValueError, match="init"):
        theory.predict_variances([10, 5], "kaiming", "relu")
    with pytest.raises(TypeError, match="init"):
        theory.predict_variances([10, 5], None, "relu")
    with pytest.raises(ValueError, match="zero-mean"):
        theory.predict_variances([10, 5], "constant", "relu", value=0.5)
    with pytest.raises(TypeError, match="activation"):
        theory.predict_variances([10, 5], "he_normal", None)
    with pytest.raises(ValueError, match="input_var"):
        theory.predict_variances([10, 5], "he_normal", "relu", input_var=-1.0)
    with pytest.raises(TypeError, match="last_activation"):
        theory.predict_variances([10, 5], "he_normal", "relu", last_activation="yes")
    with pytest.raises(TypeError, match="gain"):
        theory.predict_variances([10, 5], "he_normal", "relu", gain=2.0)


# ---------------------------------------------------------------------------
# simulate_variances vs predict_variances
# ---------------------------------------------------------------------------

KEYS = ("z_var", "a_second", "a_var", "grad_a_var", "grad_var")


@pytest.mark.parametrize(
    ("init", "act", "kwargs", "m", "n_trials", "rtol"),
    [
        ("normal", "identity", {"std": math.sqrt(1 / WIDTH)}, 200, 2, 0.10),
        ("xavier_normal", "tanh", {}, 200, 2, 0.10),
        # Finite-width fluctuations of deep ReLU nets are ~30% per network at this size
        # (log-norm variance ~ 5 depth / width), so average over networks.
        ("he_normal", "relu", {}, 32, 20, 0.15),
    ],
)
def test_simulation_matches_prediction(init, act, kwargs, m, n_trials, rtol):
    widths = [WIDTH] * (DEPTH + 1)
    pred = theory.predict_variances(widths, init, act, **kwargs)
    sim = theory.simulate_variances(widths, init, act, m=m, n_trials=n_trials, rng=1, **kwargs)
    for key in KEYS:
        np.testing.assert_allclose(sim[key], pred[key], rtol=rtol, err_msg=key)
    np.testing.assert_allclose(sim["weight_var"], pred["weight_var"], rtol=0.02)
    # the probe's variance at the top
    assert sim["grad_a_var"][-1] == pytest.approx(1.0, rel=0.05)


def test_simulation_shows_linear_explosion():
    std = math.sqrt(1.5 / 200)
    sim = theory.simulate_variances([200] * 9, "normal", "identity", m=200, rng=3, std=std)
    ratios = sim["z_var"][1:] / sim["z_var"][:-1]
    np.testing.assert_allclose(ratios, 1.5, rtol=0.1)


def test_simulate_is_deterministic_given_seed():
    args = ([20, 30, 30, 5], "xavier_uniform", "tanh")
    a = theory.simulate_variances(*args, m=50, n_trials=2, rng=7)
    b = theory.simulate_variances(*args, m=50, n_trials=2, rng=np.random.default_rng(7))
    c = theory.simulate_variances(*args, m=50, n_trials=2, rng=8)
    for key in theory.VARIANCE_KEYS:
        np.testing.assert_array_equal(a[key], b[key])
        assert a[key].shape == (3,)
    assert not np.array_equal(a["z_var"], c["z_var"])


def test_simulate_with_given_input_and_float32():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(30, 40))
    out = theory.simulate_variances(
        [30, 60, 60], "he_uniform", "relu", x=x, rng=1, dtype=np.float32, m=1
    )
    for value in out.values():
        assert value.shape == (2,)
        assert np.all(np.isfinite(value))
    # the first layer sees E[x^2] = 1/3 (mean square, not variance, of the input)
    pred = theory.predict_variances([30, 60, 60], "he_uniform", "relu", input_var=1 / 3)
    assert out["z_var"][0] == pytest.approx(pred["z_var"][0], rel=0.3)


def test_simulate_last_activation_false():
    out = theory.simulate_variances(
        [20, 20, 20], "xavier_normal", "tanh", m=10, rng=0, last_activation=False
    )
    assert out["a_second"][-1] == out["z_var"][-1]
    assert out["grad_var"][-1] == out["grad_a_var"][-1]


def test_simulate_overflow_is_quiet():
    with np.errstate(all="raise"):
        out = theory.simulate_variances([50] * 201, "standard_normal", "identity", m=5, rng=0)
    assert np.isinf(out["z_var"][-1])


def test_simulate_bad_input():
    ok = ([10, 10], "he_normal", "relu")
    with pytest.raises(ValueError, match="m"):
        theory.simulate_variances(*ok, m=0)
    with pytest.raises(ValueError, match="n_trials"):
        theory.simulate_variances(*ok, n_trials=0)
    with pytest.raises(ValueError, match="x"):
        theory.simulate_variances(*ok, x=np.ones((9, 4)))
    with pytest.raises(ValueError, match="x"):
        theory.simulate_variances(*ok, x=np.ones(10))
    with pytest.raises(ValueError, match="x"):
        theory.simulate_variances(*ok, x=np.full((10, 3), np.inf))
    with pytest.raises(ValueError, match="dtype"):
        theory.simulate_variances(*ok, dtype=np.int32)
    with pytest.raises(TypeError, match="rng"):
        theory.simulate_variances(*ok, rng="seed")
    with pytest.raises(ValueError, match="widths"):
        theory.simulate_variances([10], "he_normal", "relu")
    with pytest.raises(ValueError, match="init"):
        theory.simulate_variances([10, 10], "nope", "relu")
