r"""How signals and gradients grow or shrink through deep networks (notebooks 02 and 03).

Small, reusable computations behind the exploding/vanishing-signal and saturation
notebooks. Everything here is plain numpy; overflow, where it is the point of an
experiment, is caught on purpose (``np.errstate``) and reported as a value, never as a
warning.

Deep linear chains
    :func:`deep_linear_output` evaluates ``y = [1 ... 1] (s I)^(L-1) x`` layer by layer and
    :func:`first_depth_below` finds the first depth at which ``factor**(L-1)`` drops
    below a threshold.
Random products
    :func:`matrix_product_growth` multiplies ``depth`` random ``n x n`` matrices with i.i.d.
    ``N(0, scale**2)`` entries and records the size of the running product, including the
    layer where it stops being finite. :func:`log_growth_rate` measures the mean
    per-layer growth of ``log ||a||`` for ``a <- W a`` with ``W = s * N(0, 1/n)``, and
    :func:`expected_log_growth` is its exact expectation,
    ``log s + (psi(n/2) - log(n/2)) / 2`` (``psi`` the digamma function), which is
    ``log s - 1/(2n)`` to first order. :func:`linear_layer_stds` follows the standard
    deviation of the signal layer by layer for any initializer and scale.
Saturation
    :func:`chain_derivatives` differentiates a scalar chain ``a_l = g(w_l a_{l-1} + b_l)``
    exactly; :func:`derivative_threshold` gives the ``|z|`` beyond which ``g'(z)`` is below
    a fraction of ``g'(0)``; :func:`saturation_gap` is the distance ``1 - |g(z)|`` to the
    nearest asymptote (``min(g, 1 - g)`` for the logistic function), computed without
    cancellation so it can be drawn on a log axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from course_utils import activations as _activations
from course_utils import initializers as _initializers
from course_utils._validation import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_SCALE,
    RngLike,
    check_array,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_rng,
    check_size,
)

__all__ = [
    "ProductGrowth",
    "chain_derivatives",
    "deep_linear_output",
    "derivative_threshold",
    "digamma",
    "expected_log_growth",
    "first_depth_below",
    "first_nonfinite",
    "linear_layer_stds",
    "log_growth_rate",
    "matrix_product_growth",
    "saturation_gap",
]

_SATURATING = ("logistic", "tanh", "softsign")


# --------------------------------------------------------------------------------------
# Deep linear chains
# --------------------------------------------------------------------------------------


def deep_linear_output(scale: float, depth: int, x: Sequence[float] | np.ndarray) -> float:
    r"""Output of the deep linear network ``y = [1 ... 1] (scale I)^(depth-1) x``.

    Layers ``1 .. depth-1`` are ``W = scale * I`` (``n x n`` with ``n = len(x)``); the last
    layer is a row of ones, so ``y = scale**(depth-1) * sum(x)``. The product is applied
    layer by layer (not through the closed form), so it can serve as an independent check
    of that formula.

    Parameters
    ----------
    scale : float
        Diagonal value of the hidden weight matrices (finite).
    depth : int
        Number of weight layers ``L`` (>= 1).
    x : array_like, shape (n,)
        The input vector (finite, n >= 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(deep_linear_output(1.5, 10, [1.0, 1.0]), 4)
    76.8867
    """
    scale = check_float(scale, "scale")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    a = check_array(x, "x", ndim=1, dtype=np.float64).reshape(-1, 1)
    if a.shape[0] < 1:
        raise ValueError("x must contain at least one value")
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(depth - 1):
            a = scale * a  # W a with W = scale * I, without building the n x n matrix
        y = float(np.sum(a))
    if not math.isfinite(y):
        raise ValueError(f"the output overflows float64 for scale={scale}, depth={depth}")
    return y


def first_depth_below(factor: float, threshold: float) -> int:
    r"""Smallest depth ``L >= 1`` with ``factor**(L-1) < threshold``.

    Parameters
    ----------
    factor : float
        Per-layer factor, ``0 < factor < 1``.
    threshold : float
        ``0 < threshold``; for ``threshold > 1`` the answer is 1.

    Examples
    --------
    >>> first_depth_below(0.5, 1e-6)
    21
    """
    factor = check_float(factor, "factor", minimum=0.0, strict_min=True)
    if factor >= 1.0:
        raise ValueError(f"factor must be < 1 (a shrinking chain), got {factor}")
    threshold = check_float(threshold, "threshold", minimum=0.0, strict_min=True)
    if threshold > 1.0:
        return 1
    # factor**(L-1) < threshold  <=>  L - 1 > log(threshold) / log(factor): closed form, then
    # a step either way where rounding put the ratio on the wrong side of an integer
    depth = math.floor(math.log(threshold) / math.log(factor)) + 2
    while depth > 1 and factor ** (depth - 2) < threshold:
        depth -= 1
    while factor ** (depth - 1) >= threshold:
        depth += 1
    return depth


# --------------------------------------------------------------------------------------
# Random products
# --------------------------------------------------------------------------------------


def first_nonfinite(values: Sequence[float] | np.ndarray) -> int | None:
    """Index (0-based) of the first NaN or infinite entry of a 1-D sequence, or None."""
    arr = check_array(values, "values", ndim=1, finite=False)
    if arr.dtype.kind != "f":
        return None
    bad = np.flatnonzero(~np.isfinite(arr))
    return int(bad[0]) if bad.size else None


@dataclass(frozen=True)
class ProductGrowth:
    """Size of the running product ``P_l = W_l ... W_1`` of random matrices.

    Attributes
    ----------
    layers : ndarray of int, shape (depth,)
        ``1 .. depth``.
    rms : ndarray of float64, shape (depth,)
        Root mean square of the entries of ``P_l``; NaN from the first layer whose
        product is no longer finite (the multiplication stops there).
    max_abs : ndarray of float64, shape (depth,)
        Largest absolute entry of ``P_l``; NaN likewise.
    overflow_layer : int or None
        First layer ``l`` whose product contains inf or NaN, or None if all stayed finite.
    dtype : numpy.dtype
        Dtype the products were computed in.
    """

    layers: np.ndarray
    rms: np.ndarray
    max_abs: np.ndarray
    overflow_layer: int | None
    dtype: np.dtype


def matrix_product_growth(
    n: int,
    depth: int,
    scale: float = 1.0,
    *,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
) -> ProductGrowth:
    r"""Multiply ``depth`` random ``n x n`` matrices and follow the size of the product.

    Each factor has i.i.d. ``N(0, scale**2)`` entries, drawn in ``dtype``. For a fixed
    matrix ``P``, ``E ||W P||_F^2 = n scale^2 ||P||_F^2``, so the root mean square entry
    of ``P_l`` is about ``scale * (sqrt(n) scale)**(l-1)``: it explodes for
    ``scale > 1/sqrt(n)`` and vanishes below.

    Overflow is expected for large ``scale``: it is silenced on purpose
    (``np.errstate(over="ignore", invalid="ignore")``), detected with ``np.isfinite`` and
    reported in :attr:`ProductGrowth.overflow_layer`; no warning is emitted. Statistics
    are taken in float64 so that squaring a large float32 entry cannot overflow.

    Parameters
    ----------
    n : int
        Matrix size (>= 1).
    depth : int
        Number of factors (>= 1).
    scale : float
        Standard deviation of one entry (> 0).
    rng : numpy.random.Generator, int or None
        Source of randomness.
    dtype : float32 or float64
        Precision of the factors and of the products.

    Returns
    -------
    ProductGrowth
    """
    n = check_int(n, "n", minimum=1, maximum=MAX_ELEMENTS)
    check_size(n * n, "n (n x n weight matrices)")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    rng = check_rng(rng)
    dt = check_dtype(dtype)
    rms = np.full(depth, np.nan)
    max_abs = np.full(depth, np.nan)
    overflow: int | None = None
    product: np.ndarray | None = None
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(1, depth + 1):
            w = rng.standard_normal((n, n), dtype=dt)
            w *= dt.type(scale)
            product = w if product is None else w @ product
            if not np.all(np.isfinite(product)):
                overflow = layer
                break
            p64 = product.astype(np.float64)
            big = float(np.max(np.abs(p64)))
            max_abs[layer - 1] = big
            # rms = big * sqrt(mean((p / big)^2)): no overflow even for huge entries
            rms[layer - 1] = big * math.sqrt(float(np.mean((p64 / big) ** 2))) if big else 0.0
    return ProductGrowth(
        layers=np.arange(1, depth + 1),
        rms=rms,
        max_abs=max_abs,
        overflow_layer=overflow,
        dtype=dt,
    )


def digamma(x: float) -> float:
    r"""The digamma function ``psi(x) = d/dx log Gamma(x)`` for ``x > 0``.

    Recurrence ``psi(x) = psi(x + 1) - 1/x`` up to ``x >= 10``, then the asymptotic series
    ``log x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8)`` (absolute error
    below 1e-12). Kept here so that the package does not depend on scipy.
    """
    x = check_float(x, "x", minimum=0.0, strict_min=True)
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 / 240)))
    return shift + math.log(x) - 0.5 / x - series


def expected_log_growth(scale: float, n: int) -> float:
    r"""Expected per-layer change of ``log ||a||`` for ``a <- W a``, ``W = scale * N(0, 1/n)``.

    For any fixed ``a``, ``||W a||^2 / ||a||^2 = scale^2 * chi2_n / n``, and
    ``E log chi2_n = psi(n/2) + log 2``, so

    .. math:: E \log \frac{\|W a\|}{\|a\|} = \log s + \tfrac12\big(\psi(n/2) - \log(n/2)\big)
              \approx \log s - \frac{1}{2n}.

    Parameters
    ----------
    scale : float
        ``s > 0``.
    n : int
        Width (>= 1).
    """
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    n = check_int(n, "n", minimum=1, maximum=MAX_ELEMENTS)
    return math.log(scale) + 0.5 * (digamma(n / 2) - math.log(n / 2))


def log_growth_rate(
    n: int,
    depth: int,
    scale: float,
    *,
    m: int = 16,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
) -> float:
    r"""Measured mean per-layer growth of ``log ||a||`` through random linear layers.

    ``m`` random input columns go through ``depth`` layers ``a <- W a`` with fresh
    ``W = scale * N(0, 1/n)`` (shape ``n x n``) each layer. After every layer the log of
    each column's norm ratio is recorded and the columns are rescaled to unit norm, so
    nothing overflows or underflows however large or small ``scale`` is (this is how
    Lyapunov exponents are measured). Compare with :func:`expected_log_growth`. The
    columns share the weights of each layer and their directions align with depth, so the
    ``m`` ratios of one layer are not independent samples.

    Parameters
    ----------
    n, depth : int
        Width and number of layers (>= 1).
    scale : float
        ``s > 0``.
    m : int
        Number of input columns (>= 1).
    rng : numpy.random.Generator, int or None
        Source of randomness.
    dtype : float32 or float64
        Precision of the propagation.

    Returns
    -------
    float
        Mean over layers and columns of ``log(||W a|| / ||a||)``.
    """
    n = check_int(n, "n", minimum=1, maximum=MAX_ELEMENTS)
    check_size(n * n, "n (n x n weight matrices)")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    m = check_int(m, "m", minimum=1, maximum=MAX_ELEMENTS)
    check_size(n * m, "n * m (the signals of one layer)")
    rng = check_rng(rng)
    dt = check_dtype(dtype)
    a = rng.standard_normal((n, m), dtype=dt)
    a /= np.linalg.norm(a, axis=0, keepdims=True)
    w_std = dt.type(scale / math.sqrt(n))
    total = 0.0
    for _ in range(depth):
        w = rng.standard_normal((n, n), dtype=dt)
        w *= w_std
        a = w @ a
        norms = np.linalg.norm(a.astype(np.float64), axis=0)
        if not np.all(norms > 0) or not np.all(np.isfinite(norms)):
            raise ValueError(
                f"the signal left the range of {dt} in one layer (scale={scale}); "
                "use float64 or a scale closer to 1"
            )
        total += float(np.sum(np.log(norms)))
        a /= norms.astype(dt)
    return total / (depth * m)


def linear_layer_stds(
    init: str,
    n: int,
    depth: int,
    scale: float = 1.0,
    *,
    m: int = 64,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
) -> np.ndarray:
    r"""Standard deviation of the signal after each layer of a deep linear network.

    The input is ``m`` columns of i.i.d. ``N(0, 1)`` values of width ``n``; each of the
    ``depth`` layers multiplies by ``scale * init((n, n))`` (zero biases, identity
    activation). Values that overflow are reported as ``inf`` (silenced on purpose, no
    warning); values that underflow become 0.

    Parameters
    ----------
    init : str
        An initializer name from :func:`course_utils.initializers.names` (one that needs no
        extra argument).
    n, depth : int
        Width (>= 1) and number of layers (>= 1).
    scale : float
        Multiplier of the sampled weights (> 0).
    m : int
        Number of input columns (>= 1).
    rng : numpy.random.Generator, int or None
        Source of randomness.
    dtype : float32 or float64
        Precision.

    Returns
    -------
    ndarray of float64, shape (depth + 1,)
        Entry 0 is the input's std, entry ``l`` the std after layer ``l``.
    """
    check_choice(init, "init", [k for k in _initializers.names() if k != "constant"])
    n = check_int(n, "n", minimum=1, maximum=MAX_ELEMENTS)
    check_size(n * n, "n (n x n weight matrices)")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    m = check_int(m, "m", minimum=1, maximum=MAX_ELEMENTS)
    check_size(n * m, "n * m (the signals of one layer)")
    rng = check_rng(rng)
    dt = check_dtype(dtype)
    fn = _initializers.get(init)
    a = rng.standard_normal((n, m), dtype=dt)
    stds = np.empty(depth + 1)
    stds[0] = _std(a)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in range(1, depth + 1):
            w = fn((n, n), rng=rng, dtype=dt)
            w *= dt.type(scale)
            a = w @ a
            if not np.all(np.isfinite(a)):
                stds[layer:] = np.inf
                break
            stds[layer] = _std(a)
    return stds


def _std(a: np.ndarray) -> float:
    """Standard deviation in float64, safe for huge entries (scaled by the max)."""
    a64 = a.astype(np.float64)
    big = float(np.max(np.abs(a64)))
    if big == 0.0:
        return 0.0
    return big * float(np.std(a64 / big))


# --------------------------------------------------------------------------------------
# Saturation
# --------------------------------------------------------------------------------------


def chain_derivatives(
    activation: str,
    weights: Sequence[float] | np.ndarray,
    biases: Sequence[float] | np.ndarray,
    x: Sequence[float] | np.ndarray,
) -> np.ndarray:
    r"""Derivatives ``d a_l / d x`` of scalar chains ``a_l = g(w_l a_{l-1} + b_l)``.

    Many chains are evaluated at once, one per column: ``a_0 = x``. By the chain rule
    ``d a_l / d x = prod_{k <= l} w_k g'(z_k)``; with ``|g'| <= c`` this is bounded by
    ``c**l prod |w_k|`` (``c = 1/4`` for the logistic function).

    Parameters
    ----------
    activation : str
        An activation name (see :func:`course_utils.activations.names`).
    weights : array_like, shape (L,)
        One scalar weight per layer (L >= 1).
    biases : array_like, shape (L,) or (L, m)
        One bias per layer, shared by the chains or one per chain.
    x : array_like, shape (m,)
        Inputs of the ``m`` chains.

    Returns
    -------
    ndarray, shape (L, m)
        Row ``l - 1`` holds ``d a_l / d x`` for every chain.
    """
    g = _activations.get(activation) if isinstance(activation, str) else None
    if g is None:
        raise TypeError(f"activation must be a str, got {type(activation).__name__}")
    w = check_array(weights, "weights", ndim=1, dtype=np.float64)
    if w.size < 1:
        raise ValueError("weights must contain at least one layer")
    a = check_array(x, "x", ndim=1, dtype=np.float64)
    b = check_array(biases, "biases", dtype=np.float64)
    if b.shape == (w.size,):
        b = np.repeat(b[:, None], a.size, axis=1)
    elif b.shape != (w.size, a.size):
        raise ValueError(
            f"biases must have shape ({w.size},) or ({w.size}, {a.size}), got {b.shape}"
        )
    out = np.empty((w.size, a.size))
    grad = np.ones_like(a)
    for k in range(w.size):
        z = w[k] * a + b[k]
        grad = grad * w[k] * g.derivative(z)
        a = g(z)
        out[k] = grad
    return out


def derivative_threshold(activation: str, fraction: float) -> float:
    r"""The ``|z|`` beyond which ``g'(z) < fraction * g'(0)``.

    Closed forms (all three derivatives are even and decreasing in ``|z|``):

    - logistic: ``g'(z)/g'(0) = sech(z/2)^2`` so ``|z| = 2 arccosh(1/sqrt(fraction))``;
    - tanh: ``g'(z)/g'(0) = sech(z)^2`` so ``|z| = arccosh(1/sqrt(fraction))``;
    - softsign: ``g'(z)/g'(0) = (1 + |z|)^-2`` so ``|z| = 1/sqrt(fraction) - 1``.

    Parameters
    ----------
    activation : {"logistic", "sigmoid", "tanh", "softsign"}
    fraction : float
        ``0 < fraction < 1``.

    Examples
    --------
    >>> round(derivative_threshold("logistic", 0.01), 4)
    5.9865
    """
    name = _saturating_name(activation)
    fraction = check_float(fraction, "fraction", minimum=0.0, strict_min=True)
    if fraction >= 1.0:
        raise ValueError(f"fraction must be < 1, got {fraction}")
    r = 1.0 / math.sqrt(fraction)
    if name == "logistic":
        return 2.0 * math.acosh(r)
    if name == "tanh":
        return math.acosh(r)
    return r - 1.0


def saturation_gap(activation: str, z: object) -> np.ndarray:
    r"""Distance of ``g(z)`` to the asymptote it approaches, without cancellation.

    - tanh: ``1 - |tanh z| = 2e / (1 + e)`` with ``e = exp(-2|z|)``;
    - softsign: ``1 - |z|/(1 + |z|) = 1 / (1 + |z|)``;
    - logistic: ``min(g, 1 - g) = e / (1 + e)`` with ``e = exp(-|z|)``.

    Computing ``1 - np.tanh(z)`` directly gives exactly 0 beyond ``|z| ~ 19`` in float64;
    these forms stay accurate (down to the smallest float) so they can be plotted on a log
    axis.

    Parameters
    ----------
    activation : {"logistic", "sigmoid", "tanh", "softsign"}
    z : array_like
        Pre-activations (finite).

    Returns
    -------
    ndarray of float64, same shape as ``z``
    """
    name = _saturating_name(activation)
    az = np.abs(check_array(z, "z", dtype=np.float64))
    if name == "softsign":
        return 1.0 / (1.0 + az)
    with np.errstate(under="ignore"):
        if name == "tanh":
            e = np.exp(-2.0 * az)
            return 2.0 * e / (1.0 + e)
        e = np.exp(-az)
        return e / (1.0 + e)


def _saturating_name(activation: object) -> str:
    if isinstance(activation, str) and activation == "sigmoid":
        return "logistic"
    return check_choice(activation, "activation", _SATURATING)
