r"""Weight initializers: the family of schemes studied in the course.

Every initializer has the signature ``fn(shape, <params>, *, rng=None, dtype=np.float64)``
and returns a new array of the requested ``shape``: ``rng`` is the source of randomness (a
``numpy.random.Generator``, an int seed or None for fresh entropy) and ``dtype`` the output's
dtype (float32 or float64). Weight matrices follow the course
convention ``W.shape == (n_out, n_in)``; convolution kernels are ``(out, in, *kernel)``.

Fans
----
For a shape ``(n_out, n_in)``: ``fan_in = n_in`` and ``fan_out = n_out``.
For a convolution kernel ``(out, in, k1, k2, ...)`` both are multiplied by the receptive
field size ``k1 * k2 * ...`` (:func:`fans`).

The family
----------
All schemes draw i.i.d. entries with mean zero (except :func:`constant` and an asymmetric
:func:`truncated_normal`); what distinguishes them is the variance of one entry. A uniform
distribution on ``[-B, B]`` has variance ``B**2 / 3``, so every "uniform" scheme below uses
``B = sqrt(3 * Var)``.

==================  =========================================  ==============================
initializer         variance of one entry                      distribution
==================  =========================================  ==============================
zeros               0                                          all zeros
constant            0                                          all equal to ``value``
uniform             bound**2 / 3                               U(-bound, bound)
normal              std**2                                     N(0, std**2)
standard_normal     1                                          N(0, 1)
standard_uniform    1 / (3 fan_in)                             U(+-1 / sqrt(fan_in))
lecun_uniform       1 / fan_in                                 U(+-sqrt(3 / fan_in))
lecun_normal        1 / fan_in                                 normal
xavier_uniform      gain**2 * 2 / (fan_in + fan_out)           U(+-sqrt(3 Var))
xavier_normal       gain**2 * 2 / (fan_in + fan_out)           normal
he_uniform          2 / ((1 + negative_slope**2) * fan)        U(+-sqrt(3 Var))
he_normal           2 / ((1 + negative_slope**2) * fan)        normal
orthogonal          gain**2 / max(rows, cols)                  scaled (semi-)orthogonal
truncated_normal    std**2 * v(a, b), or std**2 if corrected   N(0, std**2) cut at a, b std
==================  =========================================  ==============================

``fan`` for the He (Kaiming) schemes is ``fan_in`` (``mode="fan_in"``, preserves the variance
of the forward signal) or ``fan_out`` (``mode="fan_out"``, preserves the variance of the
backward gradient); ``negative_slope`` is the negative slope of a leaky ReLU (0 for ReLU).

``orthogonal`` flattens the shape to ``(rows, cols) = (shape[0], prod(shape[1:]))`` and
returns ``gain * Q`` where ``Q`` has orthonormal rows (``rows <= cols``) or orthonormal
columns (``rows >= cols``), drawn uniformly (Haar measure) by the QR decomposition of a
Gaussian matrix with the sign correction ``Q <- Q * sign(diag(R))``.

For ``truncated_normal`` with truncation points ``a < b`` (in units of ``std``), the variance
of a standard normal truncated to ``[a, b]`` is

.. math::

    v(a, b) = 1 + \frac{a\varphi(a) - b\varphi(b)}{Z}
              - \left(\frac{\varphi(a) - \varphi(b)}{Z}\right)^2,
    \qquad Z = \Phi(b) - \Phi(a),

so ``N(0, std^2)`` cut at two standard deviations has standard deviation
``sqrt(v(-2, 2)) * std = 0.87962566 * std``. With ``corrected=True`` the samples are divided by
``sqrt(v(a, b))``, so that the realised standard deviation is exactly ``std`` (this is what
Keras' ``VarianceScaling(distribution="truncated_normal")`` does).

Framework defaults (notebook 09), each following the framework's own definition:
``torch_linear`` (PyTorch ``nn.Linear`` weight, ``kaiming_uniform_`` with ``a = sqrt(5)``,
variance ``1 / (3 fan_in)``), ``torch_linear_bias`` (its bias, ``U(+-1 / sqrt(fan_in))``),
``keras_glorot_uniform`` (Keras ``Dense``, variance ``2 / (fan_in + fan_out)``) and
``flax_lecun_normal`` (Flax ``Dense``, normal truncated at 2 std, variance ``1 / fan_in``).
The last two take ``layout="in_out"`` for the frameworks' own ``(in, out)`` kernel shapes.

:func:`variance` returns the exact theoretical variance of one entry for every initializer,
:func:`calculate_gain` the recommended gains (PyTorch's values) and :func:`get` /
:func:`names` give access to the initializers by name.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable

import numpy as np

from course_utils._validation import (
    MAX_ELEMENTS,
    MAX_SCALE,
    RngLike,
    check_bool,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_name,
    check_rng,
    check_shape,
)

__all__ = [
    "calculate_gain",
    "constant",
    "TRUNCATED_STD_2",
    "fans",
    "flax_lecun_normal",
    "get",
    "he_normal",
    "he_uniform",
    "keras_glorot_uniform",
    "lecun_normal",
    "lecun_uniform",
    "names",
    "normal",
    "orthogonal",
    "standard_normal",
    "standard_uniform",
    "torch_linear",
    "torch_linear_bias",
    "truncated_normal",
    "truncated_std",
    "uniform",
    "variance",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

Shape = tuple[int, ...] | list[int] | int
DTypeLike = type | np.dtype | str

_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_MAX_BATCH = 1 << 22  # largest number of proposals drawn at once by the truncated sampler
_MIN_ACCEPTANCE = 1e-3  # refuse truncation intervals that rejection sampling cannot handle

# --------------------------------------------------------------------------------------
# Fans and gains
# --------------------------------------------------------------------------------------


def _fan_dims(shape: Shape) -> tuple[tuple[int, ...], int, int]:
    """Validated ``shape`` (at least 2 dimensions) with its ``fan_in`` and ``fan_out``."""
    dims = check_shape(shape, "shape", min_dims=2)
    receptive = math.prod(dims[2:])
    return dims, dims[1] * receptive, dims[0] * receptive


def fans(shape: Shape) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight of the given shape.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` for a dense layer or ``(out, in, *kernel)`` for a convolution;
        at least 2 dimensions.

    Returns
    -------
    fan_in, fan_out : int
        ``(n_in, n_out)``; for a convolution both are multiplied by ``prod(kernel)``.

    Examples
    --------
    >>> fans((300, 784))
    (784, 300)
    >>> fans((32, 16, 3, 3))
    (144, 288)
    """
    _, fan_in, fan_out = _fan_dims(shape)
    return fan_in, fan_out


_LINEAR_GAIN_NAMES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
_GAIN_NAMES = (*_LINEAR_GAIN_NAMES, "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for a nonlinearity (the values used by PyTorch).

    ================================================  ==============================
    nonlinearity                                      gain
    ================================================  ==============================
    linear, conv1d/2d/3d, conv_transpose1d/2d/3d      1
    sigmoid                                           1
    tanh                                              5/3
    relu                                              sqrt(2)
    leaky_relu                                        sqrt(2 / (1 + slope**2))
    selu                                              3/4
    ================================================  ==============================

    Parameters
    ----------
    nonlinearity : str
        One of the names in the table.
    param : float, optional
        Negative slope of ``leaky_relu`` (default 0.01). Ignored for the other
        nonlinearities, as in PyTorch.

    Raises
    ------
    ValueError
        Unknown ``nonlinearity`` (the message lists the valid names), or a ``param``
        for ``leaky_relu`` that is not a finite real number.
    """
    if not isinstance(nonlinearity, str):
        raise TypeError(
            f"nonlinearity must be a str, one of {list(_GAIN_NAMES)}, "
            f"got {type(nonlinearity).__name__}"
        )
    if nonlinearity in _LINEAR_GAIN_NAMES:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise ValueError(
                f"param (negative slope of leaky_relu) must be a real number, "
                f"got {type(param).__name__}"
            )
        else:
            slope = float(param)
            if not math.isfinite(slope):
                raise ValueError(
                    f"param (negative slope of leaky_relu) must be finite, got {slope}"
                )
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"nonlinearity must be one of {list(_GAIN_NAMES)}, got {nonlinearity!r}")


# --------------------------------------------------------------------------------------
# Parameter checks shared by the samplers and by variance()
# --------------------------------------------------------------------------------------


def _check_gain(gain: object) -> float:
    return check_float(gain, "gain", minimum=0.0, strict_min=True, maximum=MAX_SCALE)


def _check_mode(mode: object) -> str:
    return check_choice(mode, "mode", ("fan_in", "fan_out"))


def _check_slope(negative_slope: object) -> float:
    return check_float(negative_slope, "negative_slope", minimum=0.0, maximum=MAX_SCALE)


def _he_variance(shape: Shape, mode: object, negative_slope: object) -> float:
    _, fan_in, fan_out = _fan_dims(shape)
    mode = _check_mode(mode)
    slope = _check_slope(negative_slope)
    fan = fan_in if mode == "fan_in" else fan_out
    return 2.0 / ((1.0 + slope**2) * fan)


def _xavier_variance(shape: Shape, gain: object) -> float:
    _, fan_in, fan_out = _fan_dims(shape)
    gain = _check_gain(gain)
    return gain**2 * 2.0 / (fan_in + fan_out)


def _orthogonal_dims(shape: Shape) -> tuple[tuple[int, ...], int, int]:
    dims = check_shape(shape, "shape", min_dims=2)
    return dims, dims[0], math.prod(dims[1:])


# --------------------------------------------------------------------------------------
# Truncated normal helpers (pure math, no scipy)
# --------------------------------------------------------------------------------------


def _phi(x: float) -> float:
    """Standard normal density (0 for infinite or huge ``x``)."""
    return math.exp(-0.5 * x * x - _LOG_SQRT_2PI) if abs(x) < 1e154 else 0.0


def _normal_mass(a: float, b: float) -> float:
    """``Phi(b) - Phi(a)`` computed without cancellation in the tails."""
    if a >= 0.0:
        return 0.5 * (math.erfc(a / _SQRT2) - math.erfc(b / _SQRT2))
    if b <= 0.0:
        return 0.5 * (math.erfc(-b / _SQRT2) - math.erfc(-a / _SQRT2))
    return 0.5 * (math.erf(b / _SQRT2) - math.erf(a / _SQRT2))


def _check_truncation(a: object, b: object) -> tuple[float, float, float]:
    """Validate ``a < b`` and return ``(a, b, Z)`` with ``Z = Phi(b) - Phi(a) > 0``."""
    a = check_float(a, "a")
    b = check_float(b, "b")
    if a >= b:
        raise ValueError(f"a must be < b (truncation interval [a, b]), got a={a}, b={b}")
    mass = _normal_mass(a, b)
    if not mass > 0.0:
        raise ValueError(
            f"the truncation interval [a, b] = [{a}, {b}] (in units of std) holds no "
            "representable probability mass; choose a and b closer to 0"
        )
    return a, b, mass


def _truncated_std_moments(a: float, b: float, mass: float) -> tuple[float, float]:
    """Mean and variance of a standard normal truncated to ``[a, b]``."""
    pa, pb = _phi(a), _phi(b)
    ta = a * pa if pa > 0.0 else 0.0
    tb = b * pb if pb > 0.0 else 0.0
    mean = (pa - pb) / mass
    var = 1.0 + (ta - tb) / mass - mean**2
    return mean, var


def _truncated_variance_factor(a: object, b: object) -> float:
    """``v(a, b)``: variance of N(0, 1) truncated to ``[a, b]``."""
    a, b, mass = _check_truncation(a, b)
    return _truncated_std_moments(a, b, mass)[1]


def _exp_rate(a: float) -> float:
    """Optimal rate of the exponential proposal for the tail ``[a, inf)`` (Robert, 1995)."""
    return 0.5 * (a + math.sqrt(a * a + 4.0))


def _log_acceptances(a: float, b: float, mass: float) -> dict[str, float]:
    """Log acceptance rates of the available rejection-sampling proposals on ``[a, b]``."""
    log_mass = math.log(mass)
    m = min(max(0.0, a), b)  # mode of the density on [a, b]
    rates = {
        "normal": log_mass,
        # uniform proposal on [a, b], envelope phi(m)
        "uniform": log_mass - math.log(b - a) + 0.5 * m * m + _LOG_SQRT_2PI,
    }
    if a > 0.0 or b < 0.0:  # one-sided tail: translated exponential proposal
        lo, hi = (a, b) if a > 0.0 else (-b, -a)
        lam = _exp_rate(lo)
        rates["exponential"] = (
            math.log(lam)
            + _LOG_SQRT_2PI
            + log_mass
            + lam * lo
            - 0.5 * lam * lam
            - math.log(-math.expm1(-lam * (hi - lo)))
        )
    return rates


def _propose(method: str, k: int, a: float, b: float, rng: np.random.Generator) -> np.ndarray:
    """Draw ``k`` proposals and return the accepted ones (all inside ``[a, b]``)."""
    if method == "normal":
        x = rng.standard_normal(k)
        return x[(x >= a) & (x <= b)]
    if method == "uniform":
        m = min(max(0.0, a), b)
        x = rng.uniform(a, b, k)
        u = rng.random(k)
        return x[u <= np.exp(0.5 * (m * m - x * x))]
    # exponential proposal on [lo, hi] (mirrored when the interval is on the negative side)
    lo, hi, sign = (a, b, 1.0) if a > 0.0 else (-b, -a, -1.0)
    lam = _exp_rate(lo)
    u = rng.random(k)
    x = lo - np.log1p(u * math.expm1(-lam * (hi - lo))) / lam
    x = np.minimum(x, hi)
    v = rng.random(k)
    return sign * x[v <= np.exp(-0.5 * (x - lam) ** 2)]


def _sample_standard_truncated(
    n: int, a: float, b: float, mass: float, rng: np.random.Generator
) -> np.ndarray:
    """``n`` i.i.d. draws of N(0, 1) truncated to ``[a, b]`` by vectorised rejection."""
    rates = _log_acceptances(a, b, mass)
    method = max(rates, key=rates.__getitem__)
    acceptance = math.exp(min(rates[method], 0.0))
    if acceptance < _MIN_ACCEPTANCE:
        raise ValueError(
            f"the truncation interval [a, b] = [{a}, {b}] is too unlikely for rejection "
            f"sampling (acceptance rate {acceptance:.2e}); choose a narrower or more "
            "central interval"
        )
    out = np.empty(n, dtype=np.float64)
    filled = 0
    with np.errstate(under="ignore"):
        while filled < n:
            need = n - filled
            k = min(int(need / acceptance * 1.2) + 64, _MAX_BATCH)
            accepted = _propose(method, k, a, b, rng)
            take = min(need, accepted.size)
            out[filled : filled + take] = accepted[:take]
            filled += take
    return out


# --------------------------------------------------------------------------------------
# Sampling helpers
# --------------------------------------------------------------------------------------


def _uniform_array(
    dims: tuple[int, ...], bound: float, rng: RngLike, dtype: DTypeLike
) -> np.ndarray:
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    return gen.uniform(-bound, bound, size=dims).astype(dt, copy=False)


def _normal_array(dims: tuple[int, ...], std: float, rng: RngLike, dtype: DTypeLike) -> np.ndarray:
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    return (std * gen.standard_normal(size=dims)).astype(dt, copy=False)


# --------------------------------------------------------------------------------------
# Initializers
# --------------------------------------------------------------------------------------


def zeros(shape: Shape, *, rng: RngLike = None, dtype: DTypeLike = np.float64) -> np.ndarray:
    """All-zero array (the symmetric initialization that breaks learning).

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    rng, dtype
        As for every initializer (see the module docstring); ``rng`` is not used.
    """
    dims = check_shape(shape, "shape")
    dt = check_dtype(dtype)
    check_rng(rng)
    return np.zeros(dims, dtype=dt)


def constant(
    shape: Shape, value: float, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """Array filled with ``value`` (variance 0).

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    value : float
        Finite fill value.
    rng, dtype
        As for every initializer (see the module docstring); ``rng`` is not used.
    """
    dims = check_shape(shape, "shape")
    value = check_float(value, "value", minimum=-MAX_SCALE, maximum=MAX_SCALE)
    dt = check_dtype(dtype)
    check_rng(rng)
    return np.full(dims, value, dtype=dt)


def uniform(
    shape: Shape, bound: float = 1.0, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """i.i.d. ``U(-bound, bound)`` entries; variance ``bound**2 / 3``.

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    bound : float
        Half-width of the interval, ``>= 0``.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims = check_shape(shape, "shape")
    bound = check_float(bound, "bound", minimum=0.0, maximum=MAX_SCALE)
    return _uniform_array(dims, bound, rng, dtype)


def normal(
    shape: Shape, std: float = 1.0, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """i.i.d. ``N(0, std**2)`` entries; variance ``std**2``.

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    std : float
        Standard deviation, ``>= 0``.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims = check_shape(shape, "shape")
    std = check_float(std, "std", minimum=0.0, maximum=MAX_SCALE)
    return _normal_array(dims, std, rng, dtype)


def standard_normal(
    shape: Shape, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """i.i.d. ``N(0, 1)`` entries, whatever the layer size (the naive choice); variance 1.

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims = check_shape(shape, "shape")
    return _normal_array(dims, 1.0, rng, dtype)


def standard_uniform(
    shape: Shape, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """The "commonly used heuristic" ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    This is the scheme criticised by Glorot & Bengio (2010); its variance is
    ``1 / (3 fan_in)``, a third of what preserves the forward variance of a linear layer.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` or ``(out, in, *kernel)``.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims, fan_in, _ = _fan_dims(shape)
    return _uniform_array(dims, 1.0 / math.sqrt(fan_in), rng, dtype)


def lecun_uniform(
    shape: Shape,
    *,
    mode: str = "fan_in",
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """LeCun uniform: ``U(-sqrt(3/fan), sqrt(3/fan))``; variance ``1 / fan``.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` or ``(out, in, *kernel)``.
    mode : {"fan_in", "fan_out"}
        ``fan_in`` keeps the forward variance (LeCun's rule), ``fan_out`` the backward one.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims, fan = _lecun_fan(shape, mode)
    return _uniform_array(dims, math.sqrt(3.0 / fan), rng, dtype)


def lecun_normal(
    shape: Shape,
    *,
    mode: str = "fan_in",
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """LeCun normal: ``N(0, 1/fan)``; variance ``1 / fan`` (with fan_in, the SELU initialization).

    The parameters are those of :func:`lecun_uniform`.
    """
    dims, fan = _lecun_fan(shape, mode)
    return _normal_array(dims, 1.0 / math.sqrt(fan), rng, dtype)


def _lecun_fan(shape: Shape, mode: object) -> tuple[tuple[int, ...], int]:
    dims, fan_in, fan_out = _fan_dims(shape)
    return dims, fan_in if _check_mode(mode) == "fan_in" else fan_out


def xavier_uniform(
    shape: Shape, gain: float = 1.0, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """Glorot/Xavier uniform: ``U(-B, B)`` with ``B = gain * sqrt(6 / (fan_in + fan_out))``.

    Variance ``gain**2 * 2 / (fan_in + fan_out)``, the compromise between preserving the
    forward (``1/fan_in``) and the backward (``1/fan_out``) variance.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` or ``(out, in, *kernel)``.
    gain : float
        Multiplier ``> 0`` (see :func:`calculate_gain`).
    rng, dtype
        As for every initializer (see the module docstring).
    """
    var = _xavier_variance(shape, gain)
    return _uniform_array(check_shape(shape, "shape"), math.sqrt(3.0 * var), rng, dtype)


def xavier_normal(
    shape: Shape, gain: float = 1.0, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """Glorot/Xavier normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    The parameters are those of :func:`xavier_uniform`.
    """
    var = _xavier_variance(shape, gain)
    return _normal_array(check_shape(shape, "shape"), math.sqrt(var), rng, dtype)


def he_uniform(
    shape: Shape,
    mode: str = "fan_in",
    negative_slope: float = 0.0,
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """He/Kaiming uniform: ``U(-sqrt(3 Var), sqrt(3 Var))``, ``Var = 2 / ((1 + slope**2) fan)``.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` or ``(out, in, *kernel)``.
    mode : {"fan_in", "fan_out"}
        ``fan_in`` preserves the forward variance, ``fan_out`` the backward one.
    negative_slope : float
        Negative slope ``>= 0`` of the leaky ReLU that follows (0 for ReLU).
    rng, dtype
        As for every initializer (see the module docstring).
    """
    var = _he_variance(shape, mode, negative_slope)
    return _uniform_array(check_shape(shape, "shape"), math.sqrt(3.0 * var), rng, dtype)


def he_normal(
    shape: Shape,
    mode: str = "fan_in",
    negative_slope: float = 0.0,
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """He/Kaiming normal: ``N(0, Var)`` with ``Var = 2 / ((1 + negative_slope**2) * fan)``.

    The parameters are those of :func:`he_uniform`.
    """
    var = _he_variance(shape, mode, negative_slope)
    return _normal_array(check_shape(shape, "shape"), math.sqrt(var), rng, dtype)


def orthogonal(
    shape: Shape, gain: float = 1.0, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """Random (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014).

    The shape is flattened to ``(rows, cols) = (shape[0], prod(shape[1:]))``. The result has
    orthonormal rows when ``rows <= cols`` and orthonormal columns when ``rows >= cols``
    (times ``gain``), drawn from the Haar measure: QR decomposition of a Gaussian matrix
    with the signs of ``diag(R)`` folded into ``Q``. Each entry has mean 0 and variance
    ``gain**2 / max(rows, cols)``.

    Parameters
    ----------
    shape : tuple of int
        At least 2 dimensions.
    gain : float
        Multiplier ``> 0``.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims, rows, cols = _orthogonal_dims(shape)
    gain = _check_gain(gain)
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    big, small = max(rows, cols), min(rows, cols)
    q, r = np.linalg.qr(gen.standard_normal((big, small)))  # q: (big, small), orthonormal cols
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1.0
    q = q * signs
    if rows < cols:
        q = q.T
    return (gain * q).reshape(dims).astype(dt, copy=False)


def truncated_normal(
    shape: Shape,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    corrected: bool = False,
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """``N(0, std**2)`` truncated to ``[a * std, b * std]`` (rejected draws are redrawn).

    Truncation shrinks the spread: the variance is ``std**2 * v(a, b)``, e.g. the standard
    deviation for ``a=-2, b=2`` is ``0.8796 * std``. With ``corrected=True`` the draws are
    divided by ``sqrt(v(a, b))`` so that their standard deviation is exactly ``std``; the
    truncation points are then ``a`` and ``b`` times the (larger) pre-truncation standard
    deviation ``std / sqrt(v(a, b))``.

    Parameters
    ----------
    shape : tuple of int
        Any shape with at least one dimension.
    std : float
        Standard deviation ``>= 0`` of the normal before truncation (after it, if
        ``corrected``).
    a, b : float
        Truncation points in units of the standard deviation, ``a < b``.
    corrected : bool
        Rescale so that the realised standard deviation is ``std``.
    rng, dtype
        As for every initializer (see the module docstring).
    """
    dims = check_shape(shape, "shape")
    std = check_float(std, "std", minimum=0.0, maximum=MAX_SCALE)
    a, b, mass = _check_truncation(a, b)
    corrected = check_bool(corrected, "corrected")
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    scale = std
    if corrected:
        scale = std / math.sqrt(_truncated_std_moments(a, b, mass)[1])
    draws = _sample_standard_truncated(math.prod(dims), a, b, mass, gen)
    return (scale * draws).reshape(dims).astype(dt, copy=False)


# --------------------------------------------------------------------------------------
# Theoretical variances
# --------------------------------------------------------------------------------------


def _var_zeros(shape: Shape) -> float:
    check_shape(shape, "shape")
    return 0.0


def _var_constant(shape: Shape, value: float | None = None) -> float:
    check_shape(shape, "shape")
    if value is not None:
        check_float(value, "value", minimum=-MAX_SCALE, maximum=MAX_SCALE)
    return 0.0


def _var_uniform(shape: Shape, bound: float = 1.0) -> float:
    check_shape(shape, "shape")
    return check_float(bound, "bound", minimum=0.0, maximum=MAX_SCALE) ** 2 / 3.0


def _var_normal(shape: Shape, std: float = 1.0) -> float:
    check_shape(shape, "shape")
    return check_float(std, "std", minimum=0.0, maximum=MAX_SCALE) ** 2


def _var_standard_normal(shape: Shape) -> float:
    check_shape(shape, "shape")
    return 1.0


def _var_standard_uniform(shape: Shape) -> float:
    return 1.0 / (3.0 * fans(shape)[0])


def _var_lecun(shape: Shape, mode: str = "fan_in") -> float:
    fan_in, fan_out = fans(shape)
    return 1.0 / (fan_in if _check_mode(mode) == "fan_in" else fan_out)


def _var_xavier(shape: Shape, gain: float = 1.0) -> float:
    return _xavier_variance(shape, gain)


def _var_he(shape: Shape, mode: str = "fan_in", negative_slope: float = 0.0) -> float:
    return _he_variance(shape, mode, negative_slope)


def _var_orthogonal(shape: Shape, gain: float = 1.0) -> float:
    _, rows, cols = _orthogonal_dims(shape)
    return _check_gain(gain) ** 2 / max(rows, cols)


def _var_truncated_normal(
    shape: Shape, std: float = 1.0, a: float = -2.0, b: float = 2.0, corrected: bool = False
) -> float:
    check_shape(shape, "shape")
    std = check_float(std, "std", minimum=0.0, maximum=MAX_SCALE)
    factor = _truncated_variance_factor(a, b)
    return std**2 if check_bool(corrected, "corrected") else std**2 * factor


_REGISTRY: dict[str, tuple[Callable[..., np.ndarray], Callable[..., float]]] = {
    "zeros": (zeros, _var_zeros),
    "constant": (constant, _var_constant),
    "uniform": (uniform, _var_uniform),
    "normal": (normal, _var_normal),
    "standard_normal": (standard_normal, _var_standard_normal),
    "standard_uniform": (standard_uniform, _var_standard_uniform),
    "lecun_uniform": (lecun_uniform, _var_lecun),
    "lecun_normal": (lecun_normal, _var_lecun),
    "xavier_uniform": (xavier_uniform, _var_xavier),
    "xavier_normal": (xavier_normal, _var_xavier),
    "he_uniform": (he_uniform, _var_he),
    "he_normal": (he_normal, _var_he),
    "orthogonal": (orthogonal, _var_orthogonal),
    "truncated_normal": (truncated_normal, _var_truncated_normal),
}


# --------------------------------------------------------------------------------------
# Framework defaults (notebook 09)
# --------------------------------------------------------------------------------------

TRUNCATED_STD_2 = 0.87962566103423978
"""Standard deviation of N(0, 1) truncated to ``[-2, 2]``, the literal JAX and Flax use
(``jax.nn.initializers.variance_scaling``: "constant is stddev of standard normal truncated
to (-2, 2)"). :func:`truncated_std` computes it."""

_LAYOUTS = ("out_in", "in_out")


def truncated_std(a: float = -2.0, b: float = 2.0) -> float:
    """Standard deviation ``sqrt(v(a, b))`` of N(0, 1) truncated to ``[a, b]``.

    Examples
    --------
    >>> round(truncated_std(-2.0, 2.0), 15)
    0.87962566103424
    """
    return math.sqrt(_truncated_variance_factor(a, b))


def _layout_fans(shape: Shape, layout: object) -> tuple[tuple[int, ...], int, int]:
    """Shape with ``(fan_in, fan_out)`` for the course/PyTorch or the Keras/Flax layout.

    ``"out_in"``: ``(n_out, n_in, *kernel)`` (the course and PyTorch). ``"in_out"``:
    ``(*kernel, n_in, n_out)`` (Keras and Flax kernels, used as ``x @ kernel``).
    """
    layout = check_choice(layout, "layout", _LAYOUTS)
    dims = check_shape(shape, "shape", min_dims=2)
    if layout == "out_in":
        receptive = math.prod(dims[2:])
        return dims, dims[1] * receptive, dims[0] * receptive
    receptive = math.prod(dims[:-2])
    return dims, dims[-2] * receptive, dims[-1] * receptive


def torch_linear(shape: Shape, *, rng: RngLike = None, dtype: DTypeLike = np.float64) -> np.ndarray:
    r"""PyTorch's default weight of ``nn.Linear`` (and ``nn.Conv*d``).

    ``Linear.reset_parameters`` calls ``init.kaiming_uniform_(self.weight, a=math.sqrt(5))``,
    which draws ``U(-bound, bound)`` with ``gain = calculate_gain("leaky_relu", a) =
    sqrt(2 / (1 + a**2))``, ``std = gain / sqrt(fan_in)`` and ``bound = sqrt(3) * std``. With
    ``a = sqrt(5)`` the gain is ``sqrt(1/3)`` and ``bound = 1 / sqrt(fan_in)``: the weights are
    :func:`standard_uniform`, variance ``1 / (3 fan_in)``. The weight has PyTorch's (and the
    course's) layout ``(out_features, in_features)``.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in)`` or ``(out, in, *kernel)``.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed).
    dtype : float32 or float64
        Output dtype.
    """
    dims, fan_in, _ = _fan_dims(shape)
    gain = calculate_gain("leaky_relu", math.sqrt(5.0))
    bound = math.sqrt(3.0) * gain / math.sqrt(fan_in)
    return _uniform_array(dims, bound, rng, dtype)


def torch_linear_bias(
    shape: Shape, fan_in: int, *, rng: RngLike = None, dtype: DTypeLike = np.float64
) -> np.ndarray:
    """PyTorch's default bias of ``nn.Linear``: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    ``Linear.reset_parameters``: ``bound = 1 / math.sqrt(fan_in)``,
    ``init.uniform_(self.bias, -bound, bound)``, with ``fan_in`` the weight's fan-in. Variance
    ``1 / (3 fan_in)``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the bias, e.g. ``(n_out, 1)`` for the course's column biases.
    fan_in : int
        Fan-in of the layer's weight (``n_in``, times the kernel area for a convolution).
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed).
    dtype : float32 or float64
        Output dtype.
    """
    dims = check_shape(shape, "shape")
    fan_in = check_int(fan_in, "fan_in", minimum=1, maximum=MAX_ELEMENTS)
    return _uniform_array(dims, 1.0 / math.sqrt(fan_in), rng, dtype)


def keras_glorot_uniform(
    shape: Shape,
    layout: str = "out_in",
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """Keras' default kernel of ``Dense`` and ``Conv*D``: ``glorot_uniform`` (biases ``zeros``).

    ``GlorotUniform`` is ``VarianceScaling(scale=1.0, mode="fan_avg",
    distribution="uniform")``: ``U(-limit, limit)`` with ``limit = sqrt(3 * scale / n)``,
    ``n = (fan_in + fan_out) / 2``, i.e. ``limit = sqrt(6 / (fan_in + fan_out))``. Keras stores
    a Dense kernel as ``(input_dim, units)`` and computes ``x @ kernel``; pass
    ``layout="in_out"`` for such a shape. The variance is symmetric in the two fans, so for a
    dense layer the layout does not change it.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in, *kernel)`` for ``layout="out_in"`` (default, the course's layout) or
        ``(*kernel, n_in, n_out)`` for ``layout="in_out"`` (Keras' own).
    layout : {"out_in", "in_out"}
        Which axes hold the fans.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed).
    dtype : float32 or float64
        Output dtype.
    """
    dims, fan_in, fan_out = _layout_fans(shape, layout)
    return _uniform_array(dims, math.sqrt(6.0 / (fan_in + fan_out)), rng, dtype)


def flax_lecun_normal(
    shape: Shape,
    layout: str = "out_in",
    *,
    rng: RngLike = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """Flax's default kernel of ``nn.Dense``: ``lecun_normal`` (biases ``zeros``).

    ``jax.nn.initializers.lecun_normal`` is ``variance_scaling(1.0, "fan_in",
    "truncated_normal")``: the draws are N(0, 1) truncated to ``[-2, 2]``, times
    ``stddev = sqrt(1 / fan_in) / .87962566103423978`` (:data:`TRUNCATED_STD_2`), so that the
    standard deviation after truncation is ``sqrt(1 / fan_in)``; the weights lie within
    ``+-2 * stddev``. Flax kernels are ``(in_features, features)`` (``layout="in_out"``);
    there ``fan_in`` is the first axis of a dense kernel, not the second.

    Parameters
    ----------
    shape : tuple of int
        ``(n_out, n_in, *kernel)`` for ``layout="out_in"`` (default) or
        ``(*kernel, n_in, n_out)`` for ``layout="in_out"`` (Flax's own).
    layout : {"out_in", "in_out"}
        Which axes hold the fans.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is a seed).
    dtype : float32 or float64
        Output dtype.
    """
    dims, fan_in, _ = _layout_fans(shape, layout)
    std = math.sqrt(1.0 / fan_in) / TRUNCATED_STD_2
    return truncated_normal(dims, std=std, a=-2.0, b=2.0, rng=rng, dtype=dtype)


def _var_torch_linear(shape: Shape) -> float:
    fan_in = fans(shape)[0]
    gain = calculate_gain("leaky_relu", math.sqrt(5.0))
    return (math.sqrt(3.0) * gain / math.sqrt(fan_in)) ** 2 / 3.0


def _var_torch_linear_bias(shape: Shape, fan_in: int | None = None) -> float:
    check_shape(shape, "shape")
    if fan_in is None:
        raise TypeError("variance('torch_linear_bias', ...) needs fan_in=<the weight's fan-in>")
    return 1.0 / (3.0 * check_int(fan_in, "fan_in", minimum=1))


def _var_keras_glorot_uniform(shape: Shape, layout: str = "out_in") -> float:
    _, fan_in, fan_out = _layout_fans(shape, layout)
    return 2.0 / (fan_in + fan_out)


def _var_flax_lecun_normal(shape: Shape, layout: str = "out_in") -> float:
    _, fan_in, _ = _layout_fans(shape, layout)
    return (1.0 / fan_in) * _truncated_variance_factor(-2.0, 2.0) / TRUNCATED_STD_2**2


_REGISTRY.update(
    {
        "torch_linear": (torch_linear, _var_torch_linear),
        "torch_linear_bias": (torch_linear_bias, _var_torch_linear_bias),
        "keras_glorot_uniform": (keras_glorot_uniform, _var_keras_glorot_uniform),
        "flax_lecun_normal": (flax_lecun_normal, _var_flax_lecun_normal),
    }
)


def names() -> list[str]:
    """Sorted list of the initializer names accepted by :func:`get` and :func:`variance`."""
    return sorted(_REGISTRY)


def _lookup(name: object) -> tuple[Callable[..., np.ndarray], Callable[..., float]]:
    return _REGISTRY[check_name(name, "name", names(), kind="initializer")]


def get(name: str) -> Callable[..., np.ndarray]:
    """Return the initializer function called ``name``.

    Raises
    ------
    ValueError
        Unknown name; the message lists the valid names (see :func:`names`).
    """
    return _lookup(name)[0]


def variance(name: str, shape: Shape, **kwargs: object) -> float:
    """Exact theoretical variance of one entry drawn by initializer ``name``.

    Parameters
    ----------
    name : str
        Initializer name (see :func:`names`).
    shape : tuple of int
        The shape that would be passed to the initializer.
    **kwargs
        The initializer's own parameters (e.g. ``gain``, ``mode``, ``std``, ``a``, ``b``);
        ``rng`` and ``dtype`` are not accepted.

    Examples
    --------
    >>> variance("xavier_normal", (300, 784))  # 2 / (784 + 300)
    0.0018450184501845018
    >>> round(variance("truncated_normal", (10,), std=1.0) ** 0.5, 4)
    0.8796
    """
    fn, var_fn = _lookup(name)
    allowed = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.name not in ("shape", "rng", "dtype")
    ]
    unexpected = sorted(set(kwargs) - set(allowed))
    if unexpected:
        raise TypeError(
            f"variance() got unexpected parameter(s) {unexpected} for initializer {name!r}; "
            f"its parameters are {allowed}"
        )
    return float(var_fn(shape, **kwargs))
