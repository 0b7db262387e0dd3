"""Layer Jacobians and their singular values (course_utils.jacobians)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from course_utils import activations, initializers
from course_utils.jacobians import (
    QUARTER_CIRCLE_MEAN,
    jacobian_singular_values,
    layer_jacobian,
    quarter_circle_cdf,
    quarter_circle_pdf,
)


@pytest.mark.parametrize("name", ["tanh", "logistic", "softsign", "identity"])
def test_layer_jacobian_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    W = rng.normal(0.0, 0.5, (4, 3))
    a_prev = rng.normal(size=3)
    g = activations.get(name)
    J = layer_jacobian(W, W @ a_prev, name)
    eps = 1e-6
    fd = np.empty_like(J)
    for j in range(3):
        e = np.zeros(3)
        e[j] = eps
        fd[:, j] = (g(W @ (a_prev + e)) - g(W @ (a_prev - e))) / (2 * eps)
    np.testing.assert_allclose(J, fd, rtol=1e-7, atol=1e-9)


def test_layer_jacobian_batch_stacks_one_jacobian_per_example():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(5, 3))
    z = rng.normal(size=(5, 4))
    J = layer_jacobian(W, z, "tanh")
    assert J.shape == (4, 5, 3)
    for k in range(4):
        np.testing.assert_allclose(J[k], layer_jacobian(W, z[:, k], "tanh"))


def test_layer_jacobian_accepts_activation_objects_and_keeps_float32():
    W = np.ones((2, 3), dtype=np.float32)
    J = layer_jacobian(W, np.zeros(2), activations.get("leaky_relu", slope=0.2))
    assert J.dtype == np.float32
    np.testing.assert_allclose(J, 0.2 * W)  # left derivative at the kink


def test_identity_singular_values_are_those_of_W():
    W = np.random.default_rng(2).normal(size=(6, 4))
    s = jacobian_singular_values(W, np.zeros(6), "identity")
    np.testing.assert_allclose(s, np.linalg.svd(W, compute_uv=False))
    assert s.shape == (4,)


@given(gain=st.floats(0.1, 10.0), n=st.integers(2, 12))
@settings(max_examples=25, deadline=None)
def test_orthogonal_weights_have_all_singular_values_equal_to_gain(gain, n):
    W = initializers.orthogonal((n, n), gain=gain, rng=0)
    s = jacobian_singular_values(W, np.zeros((n, 2)), "identity")
    assert s.shape == (2, n)
    np.testing.assert_allclose(s, gain, rtol=1e-10)


def test_saturated_units_zero_out_rows():
    W = np.eye(3)
    z = np.array([0.0, 50.0, -50.0])  # tanh'(+-50) is ~1e-43
    s = jacobian_singular_values(W, z, "tanh")
    np.testing.assert_allclose(s, [1.0, 0.0, 0.0], atol=1e-30)


def test_rms_singular_value_is_the_backward_variance_factor():
    # mean of squared singular values = ||diag(g') W||_F^2 / n, computed exactly
    rng = np.random.default_rng(3)
    n = 60
    W = rng.normal(0.0, 1.0 / math.sqrt(n), (n, n))
    z = rng.normal(size=n)
    s = jacobian_singular_values(W, z, "tanh")
    dg = activations.get("tanh").derivative(z)
    expected = np.sum((dg[:, None] * W) ** 2) / n
    assert np.mean(s**2) == pytest.approx(expected, rel=1e-10)


def test_random_square_matrix_follows_the_quarter_circle():
    n = 400
    W = initializers.normal((n, n), std=0.5 / math.sqrt(n), rng=4)
    s = jacobian_singular_values(W, np.zeros(n), "identity")
    # mean and rms within a few per cent of the large-n limits (0.5 and 8 * 0.5 / (3 pi))
    assert np.sqrt(np.mean(s**2)) == pytest.approx(0.5, rel=0.03)
    assert np.mean(s) == pytest.approx(QUARTER_CIRCLE_MEAN * 0.5, rel=0.03)
    # histogram close to the density (bins of width 0.1 on [0, 1])
    hist, edges = np.histogram(s, bins=10, range=(0.0, 1.0), density=True)
    mids = (edges[:-1] + edges[1:]) / 2
    assert np.max(np.abs(hist - quarter_circle_pdf(mids, rms=0.5))) < 0.25


@pytest.mark.parametrize("rms", [0.3, 1.0, 2.5])
def test_quarter_circle_moments(rms):
    def moment(k):
        return integrate.quad(lambda x: x**k * quarter_circle_pdf(x, rms), 0, 2 * rms)[0]

    assert moment(0) == pytest.approx(1.0, rel=1e-7)
    assert moment(1) == pytest.approx(QUARTER_CIRCLE_MEAN * rms, rel=1e-7)
    assert moment(2) == pytest.approx(rms**2, rel=1e-7)


@pytest.mark.parametrize("rms", [0.3, 1.0, 2.5])
def test_quarter_circle_cdf_is_the_integral_of_the_pdf(rms):
    for x in np.linspace(-0.5, 2.5, 13) * rms:
        integral = integrate.quad(lambda t: quarter_circle_pdf(t, rms), 0, max(x, 0.0))[0]
        assert quarter_circle_cdf(x, rms) == pytest.approx(integral, abs=1e-9)
    # its slope is the density, inside the support
    x, h = 0.7 * rms, 1e-6 * rms
    slope = (quarter_circle_cdf(x + h, rms) - quarter_circle_cdf(x - h, rms)) / (2 * h)
    assert slope == pytest.approx(quarter_circle_pdf(x, rms), rel=1e-6)


def test_quarter_circle_cdf_exact_values_and_shape():
    assert quarter_circle_cdf(0.0) == 0.0
    assert quarter_circle_cdf(-1.0) == 0.0
    assert quarter_circle_cdf(2.0) == pytest.approx(1.0, abs=1e-15)
    assert quarter_circle_cdf(1e300) == pytest.approx(1.0, abs=1e-15)
    # v = 1/2: (2 / pi) (sqrt(3) / 4 + pi / 6) = 1/3 + sqrt(3) / (2 pi)
    assert quarter_circle_cdf(1.0) == pytest.approx(1 / 3 + math.sqrt(3) / (2 * math.pi))
    out = quarter_circle_cdf(np.array([[0.5, 1.0], [3.0, -2.0]]), rms=1.5)
    assert out.shape == (2, 2) and np.all(np.diff(np.sort(out.ravel())) >= 0)


def test_quarter_circle_cdf_matches_a_random_matrix():
    n = 400
    W = initializers.normal((n, n), std=0.5 / math.sqrt(n), rng=5)
    s = jacobian_singular_values(W, np.zeros(n), "identity")
    for lo, hi in [(0.0, 0.2), (0.4, 0.6), (0.8, 1.0)]:
        share = np.mean((s >= lo) & (s < hi))
        law = quarter_circle_cdf(hi, 0.5) - quarter_circle_cdf(lo, 0.5)
        # 400 values: a binomial share of about 0.2 has a standard error of 0.02
        assert abs(share - law) < 0.06


def test_quarter_circle_pdf_shapes_and_support():
    assert isinstance(quarter_circle_pdf(0.5), float)
    out = quarter_circle_pdf(np.array([-1.0, 0.0, 1.0, 2.0, 3.0]))
    assert out.shape == (5,)
    assert out[0] == 0.0 and out[3] == 0.0 and out[4] == 0.0
    assert out[1] == pytest.approx(2 / math.pi)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"W": np.ones(3)}, ValueError, "W"),
        ({"W": "abc"}, TypeError, "W"),
        ({"z": np.ones(4)}, ValueError, "z"),
        ({"z": np.ones((2, 2, 2))}, ValueError, "z"),
        ({"z": np.ones((2, 0))}, ValueError, "z"),
        ({"z": np.array([np.nan, 0.0])}, ValueError, "z"),
        ({"activation": 3}, TypeError, "activation"),
        ({"activation": "mish"}, ValueError, "activation"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    args = {"W": np.ones((2, 3)), "z": np.zeros(2), "activation": "tanh", **kwargs}
    with pytest.raises(error, match=match):
        layer_jacobian(**args)
    with pytest.raises(error, match=match):
        jacobian_singular_values(**args)


def test_quarter_circle_bad_rms():
    with pytest.raises(ValueError, match="rms"):
        quarter_circle_pdf(1.0, rms=0.0)
    with pytest.raises(TypeError, match="rms"):
        quarter_circle_pdf(1.0, rms="1")
    with pytest.raises(ValueError, match="x"):
        quarter_circle_pdf(np.array([np.inf]))
    for rms, error in [(0.0, ValueError), ("1", TypeError), (-1.0, ValueError)]:
        with pytest.raises(error, match="rms"):
            quarter_circle_cdf(1.0, rms=rms)
    with pytest.raises(ValueError, match="x"):
        quarter_circle_cdf(np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="x"):
        quarter_circle_cdf("half")
