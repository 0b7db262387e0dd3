"""Tests for course_utils.initializers: exact values, statistics, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course_utils import initializers as init

SHAPES = [(64, 32), (256, 128), (32, 16, 3, 3)]
TANH_GAIN = 5.0 / 3.0

# (name, kwargs) pairs whose entries are i.i.d. draws of a known distribution
IID_CASES = [
    ("uniform", {"bound": 0.3}),
    ("normal", {"std": 0.2}),
    ("standard_normal", {}),
    ("standard_uniform", {}),
    ("lecun_uniform", {}),
    ("lecun_normal", {}),
    ("lecun_uniform", {"mode": "fan_out"}),
    ("lecun_normal", {"mode": "fan_out"}),
    ("xavier_uniform", {}),
    ("xavier_uniform", {"gain": TANH_GAIN}),
    ("xavier_normal", {}),
    ("xavier_normal", {"gain": 0.5}),
    ("he_uniform", {}),
    ("he_uniform", {"mode": "fan_out", "negative_slope": 0.2}),
    ("he_normal", {}),
    ("he_normal", {"mode": "fan_out", "negative_slope": 0.1}),
    ("truncated_normal", {"std": 0.05}),
    ("truncated_normal", {"std": 0.05, "corrected": True}),
    ("truncated_normal", {"std": 1.0, "a": -1.0, "b": 3.0}),
    ("truncated_normal", {"std": 0.1, "a": -3.0, "b": 1.5, "corrected": True}),
]


def _hand_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def reference(name: str, shape: tuple[int, ...], kw: dict) -> stats.rv_continuous:
    """The textbook distribution of one entry, built independently of the module."""
    fan_in, fan_out = _hand_fans(shape) if len(shape) >= 2 else (None, None)
    if name == "uniform":
        bound = kw.get("bound", 1.0)
    elif name == "standard_uniform":
        bound = 1.0 / math.sqrt(fan_in)
    elif name == "lecun_uniform":
        bound = math.sqrt(3.0 / (fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out))
    elif name == "xavier_uniform":
        bound = kw.get("gain", 1.0) * math.sqrt(6.0 / (fan_in + fan_out))
    elif name == "he_uniform":
        fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
        bound = math.sqrt(6.0 / ((1.0 + kw.get("negative_slope", 0.0) ** 2) * fan))
    else:
        bound = None
    if bound is not None:
        return stats.uniform(loc=-bound, scale=2.0 * bound)
    if name == "normal":
        return stats.norm(scale=kw.get("std", 1.0))
    if name == "standard_normal":
        return stats.norm()
    if name == "lecun_normal":
        fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
        return stats.norm(scale=1.0 / math.sqrt(fan))
    if name == "xavier_normal":
        return stats.norm(scale=kw.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out)))
    if name == "he_normal":
        fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
        return stats.norm(scale=math.sqrt(2.0 / ((1.0 + kw.get("negative_slope", 0.0) ** 2) * fan)))
    if name == "truncated_normal":
        a, b, std = kw.get("a", -2.0), kw.get("b", 2.0), kw.get("std", 1.0)
        scale = std / stats.truncnorm(a, b).std() if kw.get("corrected", False) else std
        return stats.truncnorm(a, b, scale=scale)
    raise AssertionError(name)


# --------------------------------------------------------------------------------------
# Fans and gains: exact values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((300, 784), (784, 300)),
        ((10, 1), (1, 10)),
        ([5, 7], (7, 5)),
        ((32, 16, 3, 3), (144, 288)),
        ((8, 4, 5), (20, 40)),
        ((2, 3, 2, 2, 2), (24, 16)),
    ],
)
def test_fans_exact(shape, expected):
    assert init.fans(shape) == expected


@pytest.mark.parametrize("shape", [(5,), 5, ()])
def test_fans_needs_two_dims(shape):
    with pytest.raises(ValueError, match="shape"):
        init.fans(shape)


@pytest.mark.parametrize(
    ("name", "param", "expected"),
    [
        ("linear", None, 1.0),
        ("conv1d", None, 1.0),
        ("conv2d", None, 1.0),
        ("conv3d", None, 1.0),
        ("conv_transpose1d", None, 1.0),
        ("conv_transpose2d", None, 1.0),
        ("conv_transpose3d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 1.6666666666666667),
        ("relu", None, 1.4142135623730951),
        ("leaky_relu", None, 1.4141428569978354),  # default slope 0.01
        ("leaky_relu", 0.2, 1.3867504905630728),
        ("leaky_relu", 0, 1.4142135623730951),
        ("leaky_relu", 1.0, 1.0),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain_pytorch_values(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("param", [True, "0.1", [0.1], float("nan"), float("inf")])
def test_calculate_gain_bad_leaky_param(param):
    with pytest.raises(ValueError, match="param"):
        init.calculate_gain("leaky_relu", param)


def test_calculate_gain_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="nonlinearity") as info:
        init.calculate_gain("gelu")
    for valid in ("linear", "conv_transpose3d", "tanh", "leaky_relu", "selu"):
        assert valid in str(info.value)
    with pytest.raises(TypeError, match="nonlinearity"):
        init.calculate_gain(None)


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

EXPECTED_NAMES = {
    "zeros",
    "constant",
    "uniform",
    "normal",
    "standard_normal",
    "standard_uniform",
    "lecun_uniform",
    "lecun_normal",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "orthogonal",
    "truncated_normal",
    "torch_linear",
    "torch_linear_bias",
    "keras_glorot_uniform",
    "flax_lecun_normal",
}


def test_names_and_get():
    assert init.names() == sorted(EXPECTED_NAMES)
    for name in init.names():
        assert init.get(name) is getattr(init, name)


def test_get_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="valid names") as info:
        init.get("glorot")
    assert "xavier_normal" in str(info.value)
    with pytest.raises(TypeError, match="name"):
        init.get(3)
    with pytest.raises(ValueError, match="valid names"):
        init.variance("glorot", (3, 3))


# --------------------------------------------------------------------------------------
# Theoretical variances
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("name", "kw"), IID_CASES)
def test_variance_matches_reference_distribution(name, kw, shape):
    assert init.variance(name, shape, **kw) == pytest.approx(
        reference(name, shape, kw).var(), rel=1e-12
    )


def test_variance_exact_values():
    assert init.variance("zeros", (3, 4)) == 0.0
    assert init.variance("constant", (3, 4), value=2.5) == 0.0
    assert init.variance("constant", (3, 4)) == 0.0
    assert init.variance("uniform", (7,), bound=3.0) == pytest.approx(3.0)
    assert init.variance("normal", (7,), std=0.5) == 0.25
    assert init.variance("standard_normal", (7,)) == 1.0
    assert init.variance("standard_uniform", (300, 784)) == pytest.approx(1.0 / (3 * 784))
    assert init.variance("lecun_normal", (32, 16, 3, 3)) == pytest.approx(1.0 / 144)
    assert init.variance("lecun_uniform", (32, 16, 3, 3)) == pytest.approx(1.0 / 144)
    assert init.variance("xavier_normal", (300, 784)) == pytest.approx(2.0 / 1084)
    assert init.variance("he_normal", (300, 784)) == pytest.approx(2.0 / 784)
    assert init.variance("he_uniform", (300, 784), mode="fan_out") == pytest.approx(2.0 / 300)
    assert init.variance("he_normal", (300, 784), negative_slope=1.0) == pytest.approx(1.0 / 784)
    assert init.variance("orthogonal", (10, 40), gain=2.0) == pytest.approx(4.0 / 40)
    assert init.variance("orthogonal", (40, 10)) == pytest.approx(1.0 / 40)
    assert init.variance("orthogonal", (8, 4, 3, 3)) == pytest.approx(1.0 / 36)
    assert init.variance("truncated_normal", (5,), std=0.1, corrected=True) == pytest.approx(0.01)


def test_truncated_normal_factor_0_8796():
    factor = math.sqrt(init.variance("truncated_normal", (1,), std=1.0, a=-2.0, b=2.0))
    assert round(factor, 4) == 0.8796
    assert factor == pytest.approx(0.87962566103423978, rel=1e-14)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (-2.0, 2.0),
        (-1.0, 1.0),
        (-3.0, 1.5),
        (0.0, 2.0),
        (-1.0, 3.0),
        (0.5, 0.6),
        (4.0, 6.0),
        (-9.0, -5.0),
        (-0.001, 0.002),
        (-8.0, 8.0),
    ],
)
def test_truncated_variance_formula_matches_scipy(a, b):
    assert init.variance("truncated_normal", (1,), a=a, b=b) == pytest.approx(
        stats.truncnorm(a, b).var(), rel=1e-9
    )


def test_variance_rejects_foreign_parameters():
    with pytest.raises(TypeError, match="rng"):
        init.variance("xavier_normal", (3, 3), rng=0)
    with pytest.raises(TypeError, match="std"):
        init.variance("xavier_normal", (3, 3), std=1.0)
    with pytest.raises(ValueError, match="mode"):
        init.variance("he_normal", (3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="shape"):
        init.variance("he_normal", (3,))
    with pytest.raises(ValueError, match="a must be < b"):
        init.variance("truncated_normal", (3,), a=1.0, b=0.0)


# --------------------------------------------------------------------------------------
# Sampling statistics
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("name", "kw"), IID_CASES)
def test_sample_statistics(name, kw, shape):
    w = init.get(name)(shape, **kw, rng=20240611)
    assert w.shape == shape
    assert w.dtype == np.float64
    ref = reference(name, shape, kw)
    x = w.ravel()
    n = x.size
    # variance within 5 standard errors (SE from the 4th central moment)
    var = init.variance(name, shape, **kw)
    mean = x.mean()
    s2 = x.var(ddof=1)
    m4 = np.mean((x - mean) ** 4)
    se = math.sqrt((m4 - s2**2) / n)
    assert abs(s2 - var) < 5 * se, (s2, var, se)
    # mean within 5 standard errors
    assert abs(mean - ref.mean()) < 5 * math.sqrt(var / n)
    # whole distribution: Kolmogorov-Smirnov
    assert stats.kstest(x, ref.cdf).pvalue > 1e-4
    # support respected (uniform and truncated families)
    lo, hi = ref.support()
    assert x.min() >= lo
    assert x.max() <= hi


def test_truncated_normal_bounds_and_corrected_std():
    std = 0.3
    plain = init.truncated_normal((200, 200), std=std, rng=1)
    assert plain.min() >= -2 * std
    assert plain.max() <= 2 * std
    assert plain.std() == pytest.approx(0.8796 * std, rel=0.01)
    fixed = init.truncated_normal((200, 200), std=std, corrected=True, rng=1)
    assert fixed.std() == pytest.approx(std, rel=0.01)
    assert np.abs(fixed).max() <= 2 * std / 0.87962566103423978 + 1e-15


@pytest.mark.parametrize(("a", "b"), [(4.0, 6.0), (-9.0, -5.0), (0.5, 0.6), (-0.001, 0.002)])
def test_truncated_normal_tail_intervals(a, b):
    """Intervals away from 0 (exponential and uniform proposals) still sample correctly."""
    x = init.truncated_normal((20000,), std=1.0, a=a, b=b, rng=7)
    assert x.min() >= a
    assert x.max() <= b
    assert stats.kstest(x, stats.truncnorm(a, b).cdf).pvalue > 1e-4


def test_truncated_normal_asymmetric_mean():
    x = init.truncated_normal((100_000,), std=2.0, a=0.0, b=1.0, rng=3)
    ref = stats.truncnorm(0.0, 1.0, scale=2.0)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(x.size)


def test_truncated_normal_hopeless_interval():
    with pytest.raises(ValueError, match="interval"):
        init.truncated_normal((10,), a=60.0, b=70.0, rng=0)


def test_zeros_and_constant():
    assert np.array_equal(init.zeros((3, 2)), np.zeros((3, 2)))
    assert np.array_equal(init.zeros(4), np.zeros(4))
    c = init.constant((2, 5), 0.1, dtype=np.float32)
    assert c.dtype == np.float32
    assert np.all(c == np.float32(0.1))


# --------------------------------------------------------------------------------------
# Orthogonal
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(64, 32), (32, 64), (50, 50), (1, 7), (7, 1), (16, 8, 3, 3), (300, 20)]
)
@pytest.mark.parametrize("gain", [1.0, 1.4142135623730951])
def test_orthogonal_is_orthogonal(shape, gain):
    w = init.orthogonal(shape, gain=gain, rng=11)
    assert w.shape == shape
    q = w.reshape(shape[0], -1) / gain
    rows, cols = q.shape
    if rows <= cols:
        np.testing.assert_allclose(q @ q.T, np.eye(rows), rtol=0, atol=1e-10)
    if rows >= cols:
        np.testing.assert_allclose(q.T @ q, np.eye(cols), rtol=0, atol=1e-10)
    # the mean square is exactly the theoretical variance (sum of squares is fixed)
    assert np.mean(w**2) == pytest.approx(init.variance("orthogonal", shape, gain=gain), rel=1e-10)


def test_orthogonal_sign_correction_gives_unbiased_entries():
    """Without the sign(diag(R)) correction, LAPACK's QR makes Q[0, 0] biased."""
    gen = np.random.default_rng(0)
    n_draws, size = 2000, 4
    first = np.array([init.orthogonal((size, size), rng=gen)[0, 0] for _ in range(n_draws)])
    se = math.sqrt(1.0 / size / n_draws)
    assert abs(first.mean()) < 5 * se
    assert first.var() == pytest.approx(1.0 / size, rel=0.1)


# --------------------------------------------------------------------------------------
# Determinism, rng handling, dtype
# --------------------------------------------------------------------------------------

ALL_KWARGS = {name: {} for name in EXPECTED_NAMES} | {
    "constant": {"value": 0.5},
    "torch_linear_bias": {"fan_in": 7},
}
RANDOM_NAMES = sorted(EXPECTED_NAMES - {"zeros", "constant"})


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_determinism_by_seed(name):
    fn = init.get(name)
    kw = ALL_KWARGS[name]
    shape = (12, 9, 2)
    first = fn(shape, **kw, rng=42)
    assert np.array_equal(first, fn(shape, **kw, rng=42))
    assert np.array_equal(first, fn(shape, **kw, rng=np.random.default_rng(42)))
    assert not np.array_equal(first, fn(shape, **kw, rng=43))
    gen = np.random.default_rng(42)
    assert not np.array_equal(fn(shape, **kw, rng=gen), fn(shape, **kw, rng=gen))


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_global_random_state_untouched(name):
    # the legacy global state is inspected on purpose: it must not be consumed
    before = np.random.get_state()  # noqa: NPY002
    init.get(name)((6, 5), **ALL_KWARGS[name], rng=None)
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], before[1])
    assert after[2] == before[2]


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
@pytest.mark.parametrize("dtype", [np.float32, "float32", np.dtype("float32")])
def test_float32_on_request(name, dtype):
    fn = init.get(name)
    w32 = fn((20, 10), **ALL_KWARGS[name], rng=5, dtype=dtype)
    w64 = fn((20, 10), **ALL_KWARGS[name], rng=5)
    assert w32.dtype == np.float32
    assert w64.dtype == np.float64
    np.testing.assert_allclose(w32, w64, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128", bool])
def test_bad_dtype(dtype):
    with pytest.raises(ValueError, match="dtype"):
        init.xavier_normal((3, 3), dtype=dtype)


def test_bad_rng():
    with pytest.raises(TypeError, match="rng"):
        init.normal((3, 3), rng="seed")
    with pytest.raises(ValueError, match="rng"):
        init.normal((3, 3), rng=-1)
    with pytest.raises(TypeError, match="rng"):
        init.zeros((3, 3), rng=1.5)


def test_one_dimensional_shapes():
    for name in ("zeros", "uniform", "normal", "standard_normal", "truncated_normal"):
        assert init.get(name)((5,), rng=0).shape == (5,)
    assert init.constant(5, 1.0).shape == (5,)
    for name in (
        "standard_uniform",
        "lecun_uniform",
        "lecun_normal",
        "xavier_uniform",
        "xavier_normal",
        "he_uniform",
        "he_normal",
        "orthogonal",
    ):
        with pytest.raises(ValueError, match="shape"):
            init.get(name)((5,), rng=0)


# --------------------------------------------------------------------------------------
# Bad parameters
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "param"),
    [
        (lambda: init.normal((3, 3), std=-0.1), ValueError, "std"),
        (lambda: init.normal((3, 3), std=float("nan")), ValueError, "std"),
        (lambda: init.normal((3, 3), std="1"), TypeError, "std"),
        (lambda: init.truncated_normal((3, 3), std=-1.0), ValueError, "std"),
        (lambda: init.uniform((3, 3), bound=-0.5), ValueError, "bound"),
        (lambda: init.constant((3, 3), float("inf")), ValueError, "value"),
        (lambda: init.xavier_normal((3, 3), gain=0.0), ValueError, "gain"),
        (lambda: init.xavier_uniform((3, 3), gain=-1.0), ValueError, "gain"),
        (lambda: init.orthogonal((3, 3), gain=0.0), ValueError, "gain"),
        (lambda: init.he_normal((3, 3), mode="fan_avg"), ValueError, "mode"),
        (lambda: init.he_uniform((3, 3), mode=1), TypeError, "mode"),
        (lambda: init.he_uniform((3, 3), negative_slope=-0.1), ValueError, "negative_slope"),
        (lambda: init.truncated_normal((3,), a=2.0, b=2.0), ValueError, "a must be < b"),
        (lambda: init.truncated_normal((3,), a=1.0, b=-1.0), ValueError, "a must be < b"),
        (lambda: init.truncated_normal((3,), a=float("-inf")), ValueError, "a"),
        (lambda: init.truncated_normal((3,), corrected="yes"), TypeError, "corrected"),
        (lambda: init.normal((3, -2)), ValueError, "shape"),
        (lambda: init.normal((3, 0)), ValueError, "shape"),
        (lambda: init.normal((3, 2.0)), TypeError, "shape"),
        (lambda: init.normal("3x3"), TypeError, "shape"),
        (lambda: init.zeros(()), ValueError, "shape"),
    ],
)
def test_bad_parameters(call, exc, param):
    with pytest.raises(exc, match=param):
        call()


# --------------------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------------------

shapes_st = st.lists(st.integers(1, 20), min_size=2, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(EXPECTED_NAMES)),
    shape=shapes_st,
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_valid_shape_works(name, shape, dtype, seed):
    w = init.get(name)(shape, **ALL_KWARGS[name], rng=seed, dtype=dtype)
    assert w.shape == shape
    assert w.dtype == dtype
    assert np.all(np.isfinite(w))
    var = init.variance(name, shape, **ALL_KWARGS[name])
    assert var >= 0.0
    if name in ("standard_uniform", "lecun_uniform", "xavier_uniform", "he_uniform"):
        assert np.abs(w).max() <= math.sqrt(3.0 * var) * (1 + 1e-6)
    if name == "orthogonal":
        q = w.reshape(shape[0], -1).astype(np.float64)
        gram = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        tol = 1e-10 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=tol)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(EXPECTED_NAMES)),
    shape=st.lists(st.integers(-20, 20), min_size=2, max_size=4).filter(
        lambda s: any(d <= 0 for d in s)
    ),
)
def test_non_positive_sizes_rejected(name, shape):
    with pytest.raises(ValueError, match="shape"):
        init.get(name)(tuple(shape), **ALL_KWARGS[name], rng=0)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(EXPECTED_NAMES)),
    bad=st.one_of(st.floats(allow_nan=False), st.text(max_size=3), st.none(), st.booleans()),
    position=st.integers(0, 1),
)
def test_non_int_sizes_rejected(name, bad, position):
    shape = [4, 4]
    shape[position] = bad
    with pytest.raises(TypeError, match="shape"):
        init.get(name)(tuple(shape), **ALL_KWARGS[name], rng=0)


@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=20).filter(lambda s: s not in EXPECTED_NAMES))
def test_unknown_names_rejected(name):
    with pytest.raises(ValueError, match="valid names"):
        init.get(name)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(["normal", "truncated_normal"]),
    std=st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False),
)
def test_negative_std_rejected(name, std):
    with pytest.raises(ValueError, match="std"):
        init.get(name)((3, 3), std=std, rng=0)
    with pytest.raises(ValueError, match="std"):
        init.variance(name, (3, 3), std=std)


@pytest.mark.parametrize("name", ["lecun_uniform", "lecun_normal"])
def test_lecun_mode_is_checked_and_fan_out_uses_the_output_count(name):
    with pytest.raises(ValueError, match="mode"):
        init.get(name)((3, 4), mode="fan_avg")
    assert init.variance(name, (30, 10), mode="fan_out") == pytest.approx(1 / 30)
    assert init.variance(name, (30, 10)) == pytest.approx(1 / 10)
