r"""Activation functions ``g`` and their derivatives ``g'``, numerically stable.

Each activation is an :class:`Activation` object obtained with :func:`get`::

    g = get("tanh")
    a = g(z)              # elementwise g(z)
    da_dz = g.derivative(z)
    da_dz = g.derivative(z, a)   # the same from a = g(z) where that is cheaper (1 - a**2)

Inputs may be scalars or arrays of any shape. Outputs are new ndarrays (0-d for a scalar)
with the input's float dtype (float32 stays float32, float64 stays float64; integers, bools
and other floats give float64). Every activation is finite, accurate and free of
floating-point warnings for ``|z| <= 1e4`` (and far beyond); ``+-inf`` give the limits and
NaN propagates.

=============  ===========================================  ====================================
name           g(z)                                         g'(z)
=============  ===========================================  ====================================
identity       z                                            1
tanh           tanh(z)                                      1 - tanh(z)**2
logistic       1 / (1 + exp(-z))  (alias ``sigmoid``)       g(z) * (1 - g(z))
relu           max(z, 0)                                    1 if z > 0 else 0
leaky_relu     z if z > 0 else slope * z                    1 if z > 0 else slope
softsign       z / (1 + |z|)                                1 / (1 + |z|)**2
selu           scale * (z if z > 0 else alpha (e^z - 1))    scale * (1 if z > 0 else alpha e^z)
gelu           z Phi(z)  (exact, erf-based)                 Phi(z) + z phi(z)
silu           z logistic(z)  (alias ``swish``)             s(z) (1 + z (1 - s(z)))
=============  ===========================================  ====================================

At the kink ``z = 0`` of relu, leaky_relu and selu the derivative returned is the left one
(0, ``slope`` and ``scale * alpha`` respectively). The SELU constants are those of
Klambauer et al. (2017): ``alpha = 1.6732632423543772``, ``scale = 1.0507009873554805``.

Stability: the logistic function and the derivatives of logistic and tanh are written with
``e = exp(-|z|)`` (or ``exp(-2|z|)``), which never overflows; e.g.
``logistic(z) = 1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``, and
``tanh'(z) = 4 e / (1 + e)**2`` with ``e = exp(-2|z|)``. SELU applies ``expm1`` to
``min(z, 0)`` only. The harmless underflow of ``exp(-|z|)`` to 0 for large ``|z|`` is
silenced locally, so even ``np.errstate(all="raise")`` raises nothing.

GELU uses the standard normal CDF ``Phi(z) = erfc(-z / sqrt(2)) / 2`` and density ``phi``.
numpy has no ``erfc``, so a vectorised one is computed in float64: a series of positive terms
below 2, a continued fraction above, within 4e-13 relative of ``math.erfc``. SiLU reuses the
stable logistic function; its derivative is written as ``s + z e / (1 + e)**2`` with
``e = exp(-|z|)``, and ``z`` is capped at ``+-1000`` (where the result has long reached its
limit) so that ``-inf * 0`` never occurs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from course_utils._validation import check_array, check_float

__all__ = ["SELU_ALPHA", "SELU_SCALE", "Activation", "get", "names"]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

ArrayFn = Callable[[np.ndarray], np.ndarray]


def _as_float_array(z: object) -> np.ndarray:
    """``z`` as an ndarray of float32 (if it is float32) or float64; NaN/inf allowed."""
    arr = check_array(z, "z", finite=False)
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr


@dataclass(frozen=True)
class Activation:
    """An elementwise activation function ``g`` with its derivative ``g'``.

    Parameters
    ----------
    name : str
        Canonical name (``"logistic"`` also for the alias ``"sigmoid"``).
    _forward, _derivative : callable
        Private implementations, taking and returning float ndarrays. Use :func:`get`
        rather than building an ``Activation`` by hand.
    _derivative_from_output : callable or None
        ``g'`` written in terms of ``a = g(z)`` where that is cheaper than from ``z``
        (tanh, logistic), else None.
    """

    name: str
    _forward: ArrayFn = field(repr=False)
    _derivative: ArrayFn = field(repr=False)
    _derivative_from_output: ArrayFn | None = field(default=None, repr=False)

    def __call__(self, z: object) -> np.ndarray:
        """Return ``g(z)`` elementwise, same shape and float dtype as ``z``."""
        return self._apply(_as_float_array(z))

    def derivative(self, z: object, a: object = None) -> np.ndarray:
        """Return ``g'(z)`` elementwise, same shape and float dtype as ``z``.

        ``a``, if given, must be ``g(z)`` (the forward pass's output). Tanh and logistic
        then return ``1 - a**2`` and ``a * (1 - a)``: no exponential to recompute, as in
        back-propagation. These lose the relative accuracy of the tiny derivatives of
        saturated units (where ``a`` rounds to +-1 they give exactly 0); the other
        activations ignore ``a``.
        """
        if a is not None and self._derivative_from_output is not None:
            return self._slope(None, _as_float_array(a))
        return self._slope(_as_float_array(z), None)

    # The network's passes call these two on their own float32/float64 arrays: no validation.

    def _apply(self, z: np.ndarray) -> np.ndarray:
        """``g(z)`` of a float ndarray, in its dtype."""
        return np.asarray(self._forward(z), dtype=z.dtype)

    def _slope(self, z: np.ndarray | None, a: np.ndarray | None) -> np.ndarray:
        """``g'(z)`` of float ndarrays as :meth:`derivative` gives it, from ``a = g(z)`` when
        that is given and the activation has a formula in ``a``, else from ``z``."""
        if a is not None and self._derivative_from_output is not None:
            return np.asarray(self._derivative_from_output(a), dtype=a.dtype)
        return np.asarray(self._derivative(z), dtype=z.dtype)


# --------------------------------------------------------------------------------------
# Implementations (z is a float32/float64 ndarray)
# --------------------------------------------------------------------------------------


def _identity(z: np.ndarray) -> np.ndarray:
    return z.copy()


def _identity_derivative(z: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(z), z, 1.0)  # 1 everywhere, NaN stays NaN


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def _tanh_derivative(z: np.ndarray) -> np.ndarray:
    # 1 - tanh(z)^2 = sech(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|) in (0, 1];
    # |z| is capped at 400 (where the result already underflows to 0) so 2|z| cannot overflow
    with np.errstate(under="ignore"):
        e = np.exp(-2.0 * np.minimum(np.abs(z), 400.0))
        return 4.0 * e / (1.0 + e) ** 2


def _tanh_derivative_from_output(a: np.ndarray) -> np.ndarray:
    return 1.0 - a**2


def _logistic(z: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _logistic_derivative(z: np.ndarray) -> np.ndarray:
    # s (1 - s) = e / (1 + e)^2 with e = exp(-|z|) (symmetric, no cancellation)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return e / (1.0 + e) ** 2


def _logistic_derivative_from_output(a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_derivative(z: np.ndarray) -> np.ndarray:
    return np.heaviside(z, 0.0)  # 1 for z > 0, 0 for z <= 0, NaN for NaN


def _softsign(z: np.ndarray) -> np.ndarray:
    big = np.finfo(z.dtype).max
    zc = np.clip(z, -big, big)  # maps +-inf to +-max so that the ratio stays defined
    return zc / (1.0 + np.abs(zc))


def _softsign_derivative(z: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        return (1.0 / (1.0 + np.abs(z))) ** 2


def _selu(z: np.ndarray) -> np.ndarray:
    negative = SELU_ALPHA * np.expm1(np.minimum(z, 0.0))
    return SELU_SCALE * np.where(z > 0, z, negative)


def _selu_derivative(z: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        negative = SELU_ALPHA * np.exp(np.minimum(z, 0.0))
    return SELU_SCALE * np.where(z > 0, 1.0, negative)


_SQRT_HALF = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_TWO_OVER_SQRT_PI = 1.1283791670955126
_ERFC_SWITCH = 2.0  # series below, continued fraction above
_ERFC_SERIES_TERMS = 40
_ERFC_FRACTION_DEPTH = 60


def _erfc_nonnegative(x: np.ndarray) -> np.ndarray:
    """``erfc(x)`` for float64 ``x >= 0`` (or NaN), within 4e-13 relative of ``math.erfc``.

    Below 2: ``erfc = 1 - erf`` with the series of positive terms
    ``erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!`` (40 terms). From 2 on:
    the continued fraction ``erfc(x) = exp(-x^2) / (sqrt(pi) (x + (1/2) / (x + 1 / (x +
    (3/2) / (x + ...)))))``, evaluated from depth 60 upwards.
    """
    out = np.empty_like(x)
    small = x < _ERFC_SWITCH
    with np.errstate(under="ignore"):  # tiny x: high powers underflow harmlessly to 0
        xs = x[small]
        x2 = xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, _ERFC_SERIES_TERMS):
            term *= (2.0 / (2 * n + 1)) * x2
            total += term
        out[small] = 1.0 - _TWO_OVER_SQRT_PI * np.exp(-x2) * total
        large = ~small
        xl = np.minimum(x[large], 1e150)  # +inf: the result is 0 either way
        frac = xl.copy()
        for k in range(_ERFC_FRACTION_DEPTH, 0, -1):
            frac = xl + (0.5 * k) / frac
        out[large] = np.exp(-xl * xl) / (frac / (0.5 * _TWO_OVER_SQRT_PI))
    return out


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF ``erfc(-z / sqrt(2)) / 2`` in float64, accurate in both tails."""
    with np.errstate(under="ignore"):
        x = -np.asarray(z, dtype=np.float64) * _SQRT_HALF
        ax = np.abs(x)
        tail = _erfc_nonnegative(np.where(np.isnan(ax), 0.0, ax))
        cdf = np.where(x >= 0, 0.5 * tail, 1.0 - 0.5 * tail)
    return np.where(np.isnan(x), np.nan, cdf)


def _gelu(z: np.ndarray) -> np.ndarray:
    cdf = _normal_cdf(z)
    # cap z where z * Phi(z) has reached its limit (0 or z) so that -inf * 0 cannot occur
    zc = np.clip(np.asarray(z, dtype=np.float64), -1e3, np.inf)
    with np.errstate(under="ignore"):
        return np.where(np.isneginf(z), 0.0, zc * cdf)


def _gelu_derivative(z: np.ndarray) -> np.ndarray:
    zc = np.clip(np.asarray(z, dtype=np.float64), -60.0, 60.0)  # phi(60) underflows to 0
    with np.errstate(under="ignore"):
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * zc * zc)
        return _normal_cdf(z) + zc * pdf


def _silu(z: np.ndarray) -> np.ndarray:
    zc = np.clip(z, -1e3, np.inf)
    with np.errstate(under="ignore"):
        return zc * _logistic(zc)


def _silu_derivative(z: np.ndarray) -> np.ndarray:
    zc = np.clip(z, -1e3, 1e3)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(zc))
        return _logistic(z) + zc * e / (1.0 + e) ** 2


def _make_leaky_relu(slope: float) -> tuple[ArrayFn, ArrayFn]:
    def forward(z: np.ndarray) -> np.ndarray:
        if slope == 0.0:
            return np.maximum(z, 0.0)
        return np.where(z > 0, z, slope * z)

    def derivative(z: np.ndarray) -> np.ndarray:
        return slope + (1.0 - slope) * np.heaviside(z, 0.0)

    return forward, derivative


_FIXED: dict[str, tuple[ArrayFn, ArrayFn]] = {
    "identity": (_identity, _identity_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "logistic": (_logistic, _logistic_derivative),
    "relu": (_relu, _relu_derivative),
    "softsign": (_softsign, _softsign_derivative),
    "selu": (_selu, _selu_derivative),
    "gelu": (_gelu, _gelu_derivative),
    "silu": (_silu, _silu_derivative),
}
# g' from a = g(z), used by back-propagation where it saves recomputing exp.
_FROM_OUTPUT: dict[str, ArrayFn] = {
    "tanh": _tanh_derivative_from_output,
    "logistic": _logistic_derivative_from_output,
}
_ALIASES = {"sigmoid": "logistic", "swish": "silu"}
_PARAMS: dict[str, tuple[str, ...]] = {"leaky_relu": ("slope",)}


def names() -> list[str]:
    """Sorted list of the canonical activation names (``"sigmoid"`` is also accepted)."""
    return sorted([*_FIXED, "leaky_relu"])


def get(name: str, **params: object) -> Activation:
    """Return the activation called ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names`, or ``"sigmoid"`` (alias of ``"logistic"``).
    **params
        Only ``leaky_relu`` takes a parameter: ``slope`` (finite, ``>= 0``, default 0.01).

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid names) or invalid ``slope``.
    TypeError
        Non-str name, or a parameter the activation does not take.

    Examples
    --------
    >>> float(get("logistic")(0.0))
    0.5
    >>> float(get("leaky_relu", slope=0.1)(-2.0))
    -0.2
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {names()}, got {type(name).__name__}")
    canonical = _ALIASES.get(name, name)
    if canonical not in _FIXED and canonical not in _PARAMS:
        raise ValueError(
            f"unknown activation name {name!r}; valid names are {names()} "
            f"(aliases: {sorted(_ALIASES)})"
        )
    allowed = _PARAMS.get(canonical, ())
    unexpected = sorted(set(params) - set(allowed))
    if unexpected:
        takes = f"only takes {list(allowed)}" if allowed else "takes no parameters"
        raise TypeError(
            f"unexpected parameter(s) {unexpected} for activation {name!r}, which {takes}"
        )
    if canonical == "leaky_relu":
        slope = check_float(params.get("slope", 0.01), "slope", minimum=0.0)
        forward, derivative = _make_leaky_relu(slope)
        return Activation(canonical, forward, derivative)
    forward, derivative = _FIXED[canonical]
    return Activation(canonical, forward, derivative, _FROM_OUTPUT.get(canonical))
