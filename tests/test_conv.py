"""course_utils.conv: im2col convolution against a direct loop, adjoint, fans, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import conv, initializers


def direct_conv(x, w, b, stride, padding):
    m, c, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((m, c_out, ho, wo))
    for n in range(m):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    patch = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, o, i, j] = np.sum(patch * w[o]) + (0.0 if b is None else b[o])
    return out


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 3),
    c=st.integers(1, 3),
    c_out=st.integers(1, 3),
    h=st.integers(3, 7),
    wd=st.integers(3, 7),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 2),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_conv2d_matches_direct_loop(m, c, c_out, h, wd, kh, kw, stride, padding, bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, c, h, wd))
    w = rng.standard_normal((c_out, c, kh, kw))
    b = rng.standard_normal(c_out) if bias else None
    got = conv.conv2d(x, w, b, stride=stride, padding=padding)
    np.testing.assert_allclose(got, direct_conv(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 1)])
def test_input_grad_is_the_adjoint(stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    z = conv.conv2d(x, w, stride=stride, padding=padding)
    dz = rng.standard_normal(z.shape)
    dx = conv.conv2d_input_grad(dz, w, x.shape, stride=stride, padding=padding)
    # <conv(x), dz> = <x, conv^T(dz)>, and the gradient of sum(conv(x) * dz) by finite differences
    assert np.sum(z * dz) == pytest.approx(np.sum(x * dx), rel=1e-12)
    e = np.zeros_like(x)
    e[1, 2, 3, 4] = 1e-6
    numeric = (
        np.sum(conv.conv2d(x + e, w, stride=stride, padding=padding) * dz)
        - np.sum(conv.conv2d(x - e, w, stride=stride, padding=padding) * dz)
    ) / 2e-6
    assert dx[1, 2, 3, 4] == pytest.approx(numeric, rel=1e-6)


def test_im2col_rows_are_fan_in():
    x = np.zeros((5, 16, 8, 8))
    cols = conv.im2col(x, 3, 3, padding=1)
    fan_in, fan_out = initializers.fans((32, 16, 3, 3))
    assert cols.shape == (fan_in, 5 * 8 * 8)
    assert (fan_in, fan_out) == (16 * 9, 32 * 9)


def test_variance_recurrence_with_conv_fans():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 16, 12, 12))
    w = initializers.normal((64, 16, 3, 3), std=0.1, rng=rng)
    z = conv.conv2d(x, w)
    fan_in, fan_out = initializers.fans(w.shape)
    assert z.var() / x.var() == pytest.approx(fan_in * w.var(), rel=0.03)
    dz = rng.standard_normal(z.shape)
    dx = conv.conv2d_input_grad(dz, w, x.shape)
    interior = dx[:, :, 2:-2, 2:-2]  # pixels that every kernel position reaches
    assert interior.var() == pytest.approx(fan_out * w.var(), rel=0.03)


def test_bad_input():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError, match="x"):
        conv.conv2d(np.zeros((2, 4, 4)), np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="C_in"):
        conv.conv2d(x, np.zeros((1, 3, 3, 3)))
    with pytest.raises(ValueError, match="kernel"):
        conv.conv2d(x, np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="b"):
        conv.conv2d(x, np.zeros((3, 2, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="stride"):
        conv.conv2d(x, np.zeros((1, 2, 3, 3)), stride=0)
    with pytest.raises(TypeError, match="padding"):
        conv.conv2d(x, np.zeros((1, 2, 3, 3)), padding=1.5)
    with pytest.raises(ValueError, match="dz"):
        conv.conv2d_input_grad(np.zeros((1, 1, 3, 3)), np.zeros((1, 2, 3, 3)), x.shape)
    with pytest.raises(TypeError, match="x_shape"):
        conv.col2im(np.zeros((18, 4)), (1, 2, 4), 3, 3)
    with pytest.raises(ValueError, match="cols"):
        conv.col2im(np.zeros((18, 5)), (1, 2, 4, 4), 3, 3)
