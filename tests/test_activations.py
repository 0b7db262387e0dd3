"""Tests for course_utils.activations: derivatives, stability, exact values, validation."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, special, stats

from course_utils import activations as act

ALPHA = 1.6732632423543772
SCALE = 1.0507009873554805

CASES = [
    ("identity", {}),
    ("tanh", {}),
    ("logistic", {}),
    ("sigmoid", {}),
    ("relu", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"slope": 0.2}),
    ("leaky_relu", {"slope": 0.0}),
    ("softsign", {}),
    ("selu", {}),
]
CASE_IDS = [f"{n}{kw}" for n, kw in CASES]
EXTREME = np.array([-1e4, -1e3, -750.0, -50.0, -1.0, 0.0, 1.0, 50.0, 750.0, 1e3, 1e4])


def test_names():
    assert act.names() == sorted(
        ["identity", "tanh", "logistic", "relu", "leaky_relu", "softsign", "selu", "gelu", "silu"]
    )
    for name in act.names():
        assert act.get(name).name == name


def test_sigmoid_is_alias_of_logistic():
    sig, log = act.get("sigmoid"), act.get("logistic")
    assert sig.name == "logistic"
    z = np.linspace(-30, 30, 101)
    assert np.array_equal(sig(z), log(z))
    assert np.array_equal(sig.derivative(z), log.derivative(z))


def test_activation_is_frozen():
    g = act.get("tanh")
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.name = "relu"


# --------------------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_derivative_matches_central_differences(name, kw):
    g = act.get(name, **kw)
    z = np.linspace(-8.0, 8.0, 400)  # even count: never 0, nearest points are +-0.02
    h = 1e-5
    fd = (g(z + h) - g(z - h)) / (2 * h)
    np.testing.assert_allclose(g.derivative(z), fd, rtol=1e-6, atol=1e-8)


@settings(max_examples=50, deadline=None)
@given(
    case=st.sampled_from(CASES),
    z=st.floats(-30.0, 30.0).filter(lambda v: abs(v) > 1e-3),
)
def test_derivative_matches_central_differences_random_points(case, z):
    name, kw = case
    g = act.get(name, **kw)
    h = 1e-6
    fd = (float(g(z + h)) - float(g(z - h))) / (2 * h)
    assert float(g.derivative(z)) == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_derivative_identities():
    z = np.linspace(-20, 20, 801)
    s = act.get("logistic")(z)
    # s (1 - s) loses relative precision for large z (1 - s cancels): compare absolutely
    np.testing.assert_allclose(act.get("logistic").derivative(z), s * (1 - s), rtol=0, atol=1e-15)
    neg = z <= 0
    np.testing.assert_allclose(
        act.get("logistic").derivative(z[neg]), s[neg] * (1 - s[neg]), rtol=1e-14
    )
    np.testing.assert_allclose(s, 0.5 * (1 + np.tanh(z / 2)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(act.get("logistic")(-z), 1 - s, rtol=0, atol=1e-15)
    t = np.tanh(z)
    np.testing.assert_allclose(act.get("tanh").derivative(z), 1 - t**2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(act.get("softsign").derivative(z), 1 / (1 + np.abs(z)) ** 2)


def test_logistic_accurate_in_both_tails():
    z = np.linspace(-700, 700, 2801)
    np.testing.assert_allclose(act.get("logistic")(z), special.expit(z), rtol=1e-13)
    np.testing.assert_allclose(
        act.get("logistic").derivative(z), special.expit(z) * special.expit(-z), rtol=1e-12
    )


# --------------------------------------------------------------------------------------
# Exact known values
# --------------------------------------------------------------------------------------


def test_exact_values():
    logistic, tanh = act.get("logistic"), act.get("tanh")
    assert logistic(0.0) == 0.5
    assert logistic.derivative(0.0) == 0.25
    assert tanh(0.0) == 0.0
    assert tanh.derivative(0.0) == 1.0
    assert act.get("identity")(3.5) == 3.5
    assert act.get("identity").derivative(-2.0) == 1.0
    assert act.get("softsign")(1.0) == 0.5
    assert act.get("softsign")(-3.0) == -0.75
    assert act.get("softsign").derivative(1.0) == 0.25
    assert act.get("softsign").derivative(0.0) == 1.0
    relu = act.get("relu")
    np.testing.assert_array_equal(relu([-2.0, 0.0, 3.0]), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu.derivative([-2.0, 0.0, 3.0]), [0.0, 0.0, 1.0])
    leaky = act.get("leaky_relu", slope=0.1)
    assert leaky(-2.0) == pytest.approx(-0.2)
    assert leaky(2.0) == 2.0
    np.testing.assert_array_equal(leaky.derivative([-2.0, 0.0, 3.0]), [0.1, 0.1, 1.0])
    assert act.get("leaky_relu")(-1.0) == pytest.approx(-0.01)  # default slope


def test_selu_constants():
    assert act.SELU_ALPHA == ALPHA
    assert act.SELU_SCALE == SCALE
    selu = act.get("selu")
    assert selu(1.0) == SCALE
    assert selu(0.0) == 0.0
    assert selu(-1.0) == pytest.approx(SCALE * ALPHA * (np.exp(-1.0) - 1.0), rel=1e-15)
    assert selu(-1e4) == pytest.approx(-SCALE * ALPHA, rel=1e-15)
    assert selu.derivative(2.0) == SCALE
    assert selu.derivative(0.0) == pytest.approx(SCALE * ALPHA)  # left derivative at the kink
    assert selu.derivative(-1.0) == pytest.approx(SCALE * ALPHA * np.exp(-1.0), rel=1e-15)
    # self-normalising fixed point: E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1)
    for power, expected in ((1, 0.0), (2, 1.0)):

        def integrand(z, power=power):
            return float(selu(z)) ** power * stats.norm.pdf(z)

        moment = sum(
            integrate.quad(integrand, lo, hi, epsabs=1e-13, epsrel=1e-13)[0]
            for lo, hi in ((-np.inf, 0.0), (0.0, np.inf))
        )
        assert moment == pytest.approx(expected, abs=1e-10)


# --------------------------------------------------------------------------------------
# Stability
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_no_warnings_and_finite_for_large_inputs(name, kw, dtype):
    g = act.get(name, **kw)
    z = EXTREME.astype(dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a, d = g(z), g.derivative(z)
    assert a.dtype == dtype
    assert d.dtype == dtype
    assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(d))
    assert np.all(d >= 0)


def test_large_input_limits():
    z = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(act.get("logistic")(z), [0.0, 1.0])
    np.testing.assert_array_equal(act.get("logistic").derivative(z), [0.0, 0.0])
    np.testing.assert_array_equal(act.get("tanh")(z), [-1.0, 1.0])
    np.testing.assert_array_equal(act.get("tanh").derivative(z), [0.0, 0.0])
    np.testing.assert_allclose(act.get("softsign")(z), [-1e4 / (1 + 1e4), 1e4 / (1 + 1e4)])
    np.testing.assert_allclose(act.get("softsign").derivative(z), 1 / (1 + 1e4) ** 2)
    np.testing.assert_allclose(act.get("selu")(z), [-SCALE * ALPHA, SCALE * 1e4])
    np.testing.assert_array_equal(act.get("selu").derivative(z), [0.0, SCALE])


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_non_finite_inputs_give_limits_without_warnings(name, kw):
    g = act.get(name, **kw)
    z = np.array([-np.inf, np.inf, np.nan, -1e308, 1e308])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a, d = g(z), g.derivative(z)
    assert np.isnan(a[2])
    assert np.isnan(d[2])
    assert not np.any(np.isnan(a[[0, 1, 3, 4]]))
    assert not np.any(np.isnan(d[[0, 1, 3, 4]]))


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_dtypes_and_shapes(name, kw):
    g = act.get(name, **kw)
    z32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for fn in (g, g.derivative):
        out = fn(z32)
        assert out.dtype == np.float32
        assert out.shape == (3, 4)
        out64 = fn(z32.astype(np.float64))
        assert out64.dtype == np.float64
        np.testing.assert_allclose(out, out64, rtol=1e-5, atol=1e-6)
        ints = fn(np.array([[-2, 0, 3]]))
        assert ints.dtype == np.float64
        assert ints.shape == (1, 3)
        scalar = fn(1.5)
        assert isinstance(scalar, np.ndarray)
        assert scalar.shape == ()
        assert scalar.dtype == np.float64
        assert fn([True, False]).dtype == np.float64
        assert fn(np.float32(2.0)).dtype == np.float32


def test_output_is_a_new_array():
    z = np.array([1.0, -2.0])
    out = act.get("identity")(z)
    out[0] = 99.0
    assert z[0] == 1.0


@pytest.mark.parametrize("bad", ["abc", None, np.array([1 + 2j]), [object()]])
def test_bad_z(bad):
    g = act.get("tanh")
    with pytest.raises(TypeError, match="z"):
        g(bad)
    with pytest.raises(TypeError, match="z"):
        g.derivative(bad)


# --------------------------------------------------------------------------------------
# get() validation
# --------------------------------------------------------------------------------------


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="valid names") as info:
        act.get("mish")
    for name in act.names():
        assert name in str(info.value)
    with pytest.raises(TypeError, match="name"):
        act.get(None)


@pytest.mark.parametrize(
    ("name", "params", "exc", "match"),
    [
        ("tanh", {"slope": 0.1}, TypeError, "slope"),
        ("relu", {"slope": 0.1}, TypeError, "slope"),
        ("sigmoid", {"beta": 1.0}, TypeError, "beta"),
        ("leaky_relu", {"alpha": 0.1}, TypeError, "alpha"),
        ("leaky_relu", {"slope": -0.1}, ValueError, "slope"),
        ("leaky_relu", {"slope": float("inf")}, ValueError, "slope"),
        ("leaky_relu", {"slope": float("nan")}, ValueError, "slope"),
        ("leaky_relu", {"slope": "0.1"}, TypeError, "slope"),
        ("leaky_relu", {"slope": True}, TypeError, "slope"),
    ],
)
def test_get_bad_params(name, params, exc, match):
    with pytest.raises(exc, match=match):
        act.get(name, **params)


# --------------------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------------------

BOUNDS = {
    "logistic": (0.0, 1.0),
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "relu": (0.0, np.inf),
    "selu": (-SCALE * ALPHA, np.inf),
}


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(CASES),
    data=st.data(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_random_arrays_finite_bounded_monotone(case, data, dtype):
    name, kw = case
    z = data.draw(
        hnp.arrays(
            dtype,
            hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
            elements=st.floats(-1e4, 1e4, width=32 if dtype == np.float32 else 64),
        )
    )
    g = act.get(name, **kw)
    # Overflow, invalid and divide-by-zero would be bugs. Underflow to a subnormal or to 0
    # (e.g. slope * 1e-38 in float32) is correct rounding, and numpy ignores it by default.
    with np.errstate(all="raise", under="ignore"):
        a, d = g(z), g.derivative(z)
    assert a.shape == z.shape
    assert d.shape == z.shape
    assert a.dtype == dtype
    assert d.dtype == dtype
    assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(d))
    assert np.all(d >= 0)  # every activation here is non-decreasing
    lo, hi = BOUNDS.get(name, (-np.inf, np.inf))
    tol = 4 * np.finfo(dtype).eps * 2.0  # rounding of the bounds themselves in float32
    assert np.all(a >= lo - tol)
    assert np.all(a <= hi + tol)


@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=20).filter(lambda s: s not in {*act.names(), "sigmoid"}))
def test_unknown_names_rejected(name):
    with pytest.raises(ValueError, match="valid names"):
        act.get(name)


@settings(max_examples=40, deadline=None)
@given(slope=st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False))
def test_negative_slopes_rejected(slope):
    with pytest.raises(ValueError, match="slope"):
        act.get("leaky_relu", slope=slope)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_derivative_from_the_output_agrees_with_the_derivative_from_z(name, kw, dtype):
    # Back-propagation passes a = g(z): tanh and logistic then use 1 - a**2 and a (1 - a);
    # every other activation ignores a. Same values up to rounding (absolute: the output
    # forms lose the relative accuracy of tiny derivatives), same dtype and shape.
    g = act.get(name, **kw)
    z = np.concatenate([np.linspace(-30, 30, 601), EXTREME, [np.inf, -np.inf]]).astype(dtype)
    a = g(z)
    from_a, from_z = g.derivative(z, a), g.derivative(z)
    assert from_a.dtype == np.dtype(dtype) and from_a.shape == z.shape
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(from_a, from_z, rtol=0, atol=4 * eps)
    if name not in ("tanh", "logistic", "sigmoid"):
        np.testing.assert_array_equal(from_a, from_z)
    assert np.isnan(g.derivative(np.array([np.nan]), g(np.array([np.nan])))[0])


def test_derivative_from_the_output_is_the_textbook_formula():
    z = np.linspace(-5, 5, 101)
    t, s = np.tanh(z), act.get("logistic")(z)
    np.testing.assert_array_equal(act.get("tanh").derivative(z, t), 1 - t**2)
    np.testing.assert_array_equal(act.get("logistic").derivative(z, s), s * (1 - s))


@pytest.mark.parametrize("name", [*act.names(), "gelu", "silu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_equals_the_public_functions_bit_for_bit(name, dtype):
    # The MLP's passes call _apply and _slope (no validation); they must give exactly what
    # g(z) and g.derivative(z, g(z)) give, in the dtype of z.
    g = act.get(name)
    z = np.concatenate([EXTREME, np.linspace(-6.0, 6.0, 97)]).astype(dtype).reshape(6, 18)
    a = g(z)
    fast_a = g._apply(z)
    fast_slope = g._slope(z, a)
    assert fast_a.dtype == dtype and fast_slope.dtype == dtype
    np.testing.assert_array_equal(fast_a, a)
    np.testing.assert_array_equal(fast_slope, g.derivative(z, a))
    np.testing.assert_array_equal(g._slope(z, None), g.derivative(z))
