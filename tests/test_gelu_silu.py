"""GELU and SiLU: exact values, derivatives, stability, Gaussian moments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special, stats

from course_utils import activations as act
from course_utils import theory
from course_utils.activations import _normal_cdf

Z = np.concatenate([np.linspace(-12, 12, 2401), [-37.5, -30.0, 30.0]])


def test_normal_cdf_matches_math_erfc():
    z = np.linspace(-38, 38, 20001)
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    np.testing.assert_allclose(_normal_cdf(z), ref, rtol=4e-13, atol=1e-300)  # subnormals


def test_gelu_exact_values():
    g = act.get("gelu")
    np.testing.assert_allclose(g(Z), Z * stats.norm.cdf(Z), rtol=1e-12, atol=1e-300)
    assert float(g(0.0)) == 0.0
    assert float(g.derivative(0.0)) == 0.5


def test_silu_exact_values():
    g = act.get("silu")
    np.testing.assert_allclose(g(Z), Z * special.expit(Z), rtol=1e-13, atol=1e-300)
    assert act.get("swish").name == "silu"


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_derivative_against_finite_differences(name):
    g = act.get(name)
    z = np.linspace(-8, 8, 801)
    h = 1e-5
    numeric = (g(z + h) - g(z - h)) / (2 * h)
    np.testing.assert_allclose(g.derivative(z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["gelu", "silu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_extremes(name, dtype):
    g = act.get(name)
    big = 1e300 if dtype == np.float64 else 1e30
    z = np.array([-np.inf, -big, -1e4, -750.0, -50.0, 0.0, 50.0, 750.0, 1e4, np.inf], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        a, d = g(z), g.derivative(z)
    assert a.dtype == dtype and d.dtype == dtype
    finite = np.isfinite(z)
    np.testing.assert_allclose(a[finite & (z < 0)], 0.0, atol=1e-10)
    np.testing.assert_allclose(a[finite & (z > 10)], z[finite & (z > 10)], rtol=1e-6)
    assert a[0] == 0.0 and a[-1] == np.inf
    assert d[0] == 0.0 and d[-1] == 1.0
    assert np.isnan(g(np.nan)) and np.isnan(g.derivative(np.nan))


@pytest.mark.parametrize("name, fn", [("gelu", stats.norm.cdf), ("silu", special.expit)])
def test_gaussian_moments_match_scipy_quadrature(name, fn):
    def g(z):
        return z * fn(z)

    pdf = stats.norm.pdf
    second = integrate.quad(lambda z: g(z) ** 2 * pdf(z), -np.inf, np.inf)[0]
    moments = theory.gaussian_moments(name, 1.0)
    assert moments["second"] == pytest.approx(second, rel=1e-9)
    dg = act.get(name).derivative
    deriv_sq = integrate.quad(lambda z: float(dg(z)) ** 2 * pdf(z), -np.inf, np.inf)[0]
    assert moments["deriv_sq"] == pytest.approx(deriv_sq, rel=1e-9)


def test_unknown_params_rejected():
    with pytest.raises(TypeError, match="no parameters"):
        act.get("gelu", approximate="tanh")
