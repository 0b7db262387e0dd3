r"""Mean-field predictions of per-layer variances in a deep network at initialization.

Consider a fully connected network with widths ``[n_0, n_1, ..., n_L]``: layer ``l``
computes ``z_l = W_l @ a_{l-1}`` (biases zero at initialization) and ``a_l = g(z_l)``,
where ``W_l`` has shape ``(n_l, n_{l-1})`` and i.i.d. zero-mean entries of variance
``v_l`` (:func:`course_utils.initializers.variance`). The input ``a_0 = x`` has i.i.d.
entries with mean square ``E[x^2] = input_var``.

Forward pass. Given ``a_{l-1}``, each ``z_l`` entry is a sum of ``n_{l-1}`` independent
zero-mean terms, so

.. math::

    q_l := \operatorname{Var}(z_l) = n_{l-1} \, v_l \, E[a_{l-1}^2], \qquad
    E[a_l^2] = E_{z \sim N(0, q_l)}[g(z)^2].

(It is the *second moment* of ``a``, not its variance, that enters: a ReLU output has a
non-zero mean.) For large width, ``z_l`` is close to Gaussian (central limit theorem), which
gives the second formula.

Backward pass. Start from a random probe ``dL/da_L`` with i.i.d. unit-variance entries
(the gradient of the "random linear loss" ``L = sum(probe * a_L)``). Then
``dL/dz_l = g'(z_l) * dL/da_l`` and ``dL/da_{l-1} = W_l.T @ dL/dz_l``, so

.. math::

    \operatorname{Var}(dL/dz_l) = E[g'(z_l)^2] \operatorname{Var}(dL/da_l), \qquad
    \operatorname{Var}(dL/da_{l-1}) = n_l \, v_l \operatorname{Var}(dL/dz_l).

Assumptions: zero-mean weights independent of each other and of the data; large widths
(Gaussian pre-activations); in the backward pass the weights are treated as independent
of the forward pass ("gradient independence", exact for linear networks, accurate for wide
ones). With ``n v = 1`` per layer (LeCun/He/Xavier-style choices for the matching
activation) the variances stay constant with depth; otherwise they grow or shrink
geometrically. :func:`simulate_variances` measures the same quantities on sampled networks.

The Gaussian expectations are computed by :func:`gaussian_moments`: in closed form for the
piecewise-linear activations (identity, ReLU, leaky ReLU) and by composite Gauss-Legendre
quadrature otherwise (accurate to ~1e-12 for the course's activations and any ``q``).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from course_utils import activations, initializers
from course_utils._validation import (
    MAX_SCALE,
    MAX_TRIALS,
    RngLike,
    check_activation,
    check_array,
    check_bool,
    check_dtype,
    check_float,
    check_initializer_name,
    check_int,
    check_rng,
    check_size,
    check_sizes,
)

__all__ = ["gaussian_moments", "predict_variances", "simulate_variances"]

#: Keys of the dictionaries returned by :func:`predict_variances` / :func:`simulate_variances`.
VARIANCE_KEYS = ("weight_var", "z_var", "a_second", "a_var", "grad_a_var", "grad_var")

_MAX_Q = 10_000  # gaussian_moments: most variances per call (about 1 ms each)
_PIECEWISE_LINEAR = frozenset({"identity", "linear", "relu", "leaky_relu"})
_X_MAX = 10.0  # integrate the standard normal over [-10, 10]; the rest has mass ~1.5e-23
_BASE_EDGES = np.linspace(0.0, _X_MAX, 21)
# Panel edges in z units (the activations' own scale), geometric so that each panel is no
# wider than its distance to 0: features near z = 0 (kinks, poles at |z| ~ 1, slow
# 1 / |z| approaches such as softsign's) are resolved whatever the standard deviation of z.
_Z_EDGES = np.unique(np.concatenate([[0.75, 1.5, 3.0, 6.0], 2.0 ** np.arange(-3, 64)]))


# ---------------------------------------------------------------------------
# Gaussian expectations
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _legendre(order: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(order)


def _half_line_nodes(sigma: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``x > 0`` and weights for integrating ``f(x) phi(x)`` over ``[0, _X_MAX]``."""
    extra = _Z_EDGES / sigma
    edges = np.unique(np.concatenate([_BASE_EDGES, extra[extra < _X_MAX]]))
    t, w = _legendre(order)
    lo, hi = edges[:-1, None], edges[1:, None]
    half = (hi - lo) / 2
    x = (lo + half * (t + 1.0)).ravel()
    with np.errstate(under="ignore"):
        weights = (half * w).ravel() * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return x, weights


def _quadrature_moments(
    act: activations.Activation, q: float, order: int
) -> tuple[float, float, float]:
    sigma = float(np.sqrt(q))
    x, w = _half_line_nodes(sigma, order)
    z = np.concatenate([sigma * x, -sigma * x])
    ww = np.concatenate([w, w])
    ww = ww / ww.sum()  # renormalise the (tiny) truncated tail mass away
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        g = np.asarray(act(z), dtype=np.float64)
        dg = np.asarray(act.derivative(z), dtype=np.float64)
        return float(ww @ g), float(ww @ (g * g)), float(ww @ (dg * dg))


def _point_mass(act: activations.Activation) -> tuple[float, float, float]:
    zero = np.zeros(1)
    g = float(np.asarray(act(zero))[0])
    dg = float(np.asarray(act.derivative(zero))[0])
    return g, g * g, dg * dg


def _moments_array(
    act: activations.Activation, q: np.ndarray, order: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moments for an array of ``q >= 0`` (``inf`` allowed: see :func:`predict_variances`)."""
    q = np.asarray(q, dtype=np.float64)
    mean = np.empty_like(q)
    second = np.empty_like(q)
    deriv = np.empty_like(q)
    zero_moments = _point_mass(act)
    if act.name in _PIECEWISE_LINEAR:
        # g(z) = s_pos z for z > 0 and s_neg z for z < 0
        s_pos = float(np.asarray(act.derivative(np.ones(1)))[0])
        s_neg = float(np.asarray(act.derivative(-np.ones(1)))[0])
        with np.errstate(over="ignore", under="ignore"):
            mean[...] = (s_pos - s_neg) * np.sqrt(q / (2 * np.pi))
            second[...] = (s_pos**2 + s_neg**2) * q / 2
        deriv[...] = (s_pos**2 + s_neg**2) / 2
        if s_pos == s_neg:
            mean[...] = 0.0
        zero = q == 0
        mean[zero], second[zero], deriv[zero] = zero_moments
        return mean, second, deriv
    for idx, qi in np.ndenumerate(q):
        if qi == 0:
            mean[idx], second[idx], deriv[idx] = zero_moments
        elif np.isfinite(qi):
            mean[idx], second[idx], deriv[idx] = _quadrature_moments(act, float(qi), order)
        elif qi == np.inf:
            mean[idx], second[idx], deriv[idx] = _infinite_variance_moments(act)
        else:
            mean[idx] = second[idx] = deriv[idx] = np.nan
    return mean, second, deriv


def _infinite_variance_moments(act: activations.Activation) -> tuple[float, float, float]:
    """Limits for ``q -> inf``: ``z`` is ``+inf`` or ``-inf`` with probability 1/2 each."""
    z = np.array([np.inf, -np.inf])
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        g = np.asarray(act(z), dtype=np.float64)
        dg = np.asarray(act.derivative(z), dtype=np.float64)
        return float(g.mean()), float((g * g).mean()), float((dg * dg).mean())


def gaussian_moments(
    activation: str | activations.Activation, q: float | np.ndarray, *, order: int = 16
) -> dict[str, float | np.ndarray]:
    """Gaussian expectations of an activation: ``E[g(z)]``, ``E[g(z)^2]``, ``E[g'(z)^2]``.

    Parameters
    ----------
    activation : str or Activation
        Activation name (see :func:`course_utils.activations.names`) or an instance, e.g.
        ``activations.get("leaky_relu", slope=0.2)``.
    q : float or array_like
        Variance(s) of ``z ~ N(0, q)``, finite and ``>= 0``. ``q == 0`` is the point mass at
        0 (the values are ``g(0)``, ``g(0)^2`` and ``g'(0)^2``).
    order : int
        Number of Gauss-Legendre nodes per quadrature panel (>= 2). The default gives about
        12 correct digits; it is unused for the closed forms.

    Returns
    -------
    dict
        ``"mean"``: ``E[g(z)]``, ``"second"``: ``E[g(z)^2]``, ``"deriv_sq"``: ``E[g'(z)^2]``;
        floats for a scalar ``q``, arrays of ``q``'s shape otherwise.

    Notes
    -----
    Closed forms for activations that are linear on each side of 0 (slopes ``s+`` and
    ``s-``: identity 1/1, ReLU 1/0, leaky ReLU 1/slope)::

        E[g] = (s+ - s-) sqrt(q / (2 pi)),  E[g^2] = (s+^2 + s-^2) q / 2,
        E[g'^2] = (s+^2 + s-^2) / 2

    so identity gives ``(0, q, 1)`` and ReLU ``(sqrt(q / (2 pi)), q / 2, 1 / 2)``. Other
    activations use composite Gauss-Legendre quadrature on ``[-10 sd, 10 sd]`` with a
    panel break at 0 (where ReLU-like activations have kinks) and panels graded on the
    activation's own scale, so it stays accurate for very small and very large ``q``
    (plain Gauss-Hermite does not, e.g. ``E[tanh'(z)^2]`` for ``q = 100``).

    Examples
    --------
    >>> gaussian_moments("relu", 2.0)["second"]
    1.0
    >>> round(gaussian_moments("logistic", 3.0)["mean"], 12)
    0.5
    """
    act = check_activation(activation)
    order = check_int(order, "order", minimum=2, maximum=200)
    scalar = isinstance(q, numbers.Real) and not isinstance(q, bool)
    q_arr = check_array(q, "q", dtype=np.float64)
    if q_arr.size > _MAX_Q:
        raise ValueError(f"q must hold at most {_MAX_Q} variances at once, got {q_arr.size}")
    if np.any(q_arr < 0):
        raise ValueError("q must be >= 0 (it is a variance)")
    mean, second, deriv = _moments_array(act, q_arr, order)
    if scalar or q_arr.ndim == 0:
        return {"mean": float(mean), "second": float(second), "deriv_sq": float(deriv)}
    return {"mean": mean, "second": second, "deriv_sq": deriv}


# ---------------------------------------------------------------------------
# Predicted and simulated variances
# ---------------------------------------------------------------------------


def _check_init(init: object, init_kw: dict[str, object]) -> str:
    init = check_initializer_name(init, "init")
    if init == "constant" and init_kw.get("value", 0.0) != 0:
        raise ValueError(
            "init='constant' with a non-zero value is not supported: the theory assumes "
            "zero-mean random weights"
        )
    return init


def predict_variances(
    widths: Sequence[int],
    init: str,
    activation: str | activations.Activation,
    *,
    input_var: float = 1.0,
    last_activation: bool = True,
    **init_kw: object,
) -> dict[str, np.ndarray]:
    """Mean-field prediction of per-layer forward and backward variances.

    See the module docstring for the recurrences and their assumptions.

    Parameters
    ----------
    widths : sequence of int
        ``[n_0, n_1, ..., n_L]``: input size then the width of each of the ``L`` layers.
    init : str
        Initializer name (:func:`course_utils.initializers.names`); every layer uses it with
        the per-entry variance :func:`course_utils.initializers.variance` for its shape
        ``(n_l, n_{l-1})``. Must give zero-mean weights.
    activation : str or Activation
        Activation ``g`` of every layer.
    input_var : float
        Mean square ``E[x^2]`` of the input entries (their variance for zero-mean inputs).
    last_activation : bool
        If True (default) the last layer applies ``g`` too ("a deep stack of identical
        layers"); if False it is linear (``a_L = z_L``), as for the logits of a classifier.
    **init_kw
        Parameters of the initializer, e.g. ``gain=5/3`` or ``std=0.01``.

    Returns
    -------
    dict of str to ndarray
        Each array has length ``L``; entry ``i`` describes weight layer ``l = i + 1``:

        - ``"weight_var"``: per-entry variance ``v_l`` of ``W_l``;
        - ``"z_var"``: ``Var(z_l)``;
        - ``"a_second"``: ``E[a_l^2]``;
        - ``"a_var"``: ``Var(a_l) = E[a_l^2] - E[a_l]^2``;
        - ``"grad_a_var"``: ``Var(dL/da_l)`` (the last one is the probe's variance, 1);
        - ``"grad_var"``: ``Var(dL/dz_l)``.

        Values beyond the float range become ``inf`` (without warnings); the moments of an
        infinite-variance layer are their limits (e.g. tanh: ``E[a^2] -> 1``,
        ``E[g'^2] -> 0``).

    Examples
    --------
    >>> out = predict_variances([100, 100, 100], "normal", "identity", std=0.15)
    >>> out["z_var"].round(6).tolist()  # grows by n * std**2 = 2.25 per layer
    [2.25, 5.0625]
    """
    widths = check_sizes(widths, "widths")
    init = _check_init(init, init_kw)
    act = check_activation(activation)
    input_var = check_float(input_var, "input_var", minimum=0.0, maximum=MAX_SCALE)
    last_activation = check_bool(last_activation, "last_activation")
    identity = activations.get("identity")
    n_layers = len(widths) - 1
    out = {key: np.empty(n_layers) for key in VARIANCE_KEYS}
    deriv_sq = np.empty(n_layers)
    second = input_var
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for i in range(n_layers):
            v = initializers.variance(init, (widths[i + 1], widths[i]), **init_kw)
            q = widths[i] * v * second
            layer_act = act if (last_activation or i < n_layers - 1) else identity
            mean, second_arr, deriv = _moments_array(layer_act, np.array(q), 16)
            second = float(second_arr)
            out["weight_var"][i] = v
            out["z_var"][i] = q
            out["a_second"][i] = second
            out["a_var"][i] = max(second - float(mean) ** 2, 0.0)
            deriv_sq[i] = float(deriv)
        grad_a = 1.0
        for i in reversed(range(n_layers)):
            out["grad_a_var"][i] = grad_a
            out["grad_var"][i] = deriv_sq[i] * grad_a
            grad_a = widths[i + 1] * out["weight_var"][i] * out["grad_var"][i]
    return out


def simulate_variances(
    widths: Sequence[int],
    init: str,
    activation: str | activations.Activation,
    *,
    input_var: float = 1.0,
    x: np.ndarray | None = None,
    m: int = 1000,
    n_trials: int = 1,
    last_activation: bool = True,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
    **init_kw: object,
) -> dict[str, np.ndarray]:
    """Measure the quantities of :func:`predict_variances` on randomly initialized networks.

    For each trial, weights are drawn with :func:`course_utils.initializers.get` (biases
    zero), an input batch is propagated forward and a random probe ``dL/da_L`` with i.i.d.
    N(0, 1) entries is propagated backward. Zero-mean quantities are measured as mean
    squares over all units and examples (``z``, ``dL/da``, ``dL/dz``, matching the
    theory's variances over weights and data); ``a_var`` is the variance of all entries of
    ``a_l`` and ``weight_var`` the mean square of the sampled weights. Results are
    averaged over the trials. This is a plain numpy loop, independent of
    :mod:`course_utils.mlp`.

    A single finite-width network deviates from the mean-field prediction by a random
    factor that compounds with depth: for ReLU networks the log of the squared norm of a
    signal has variance of order ``5 * depth / width`` (Hanin & Rolnick, 2018), e.g. about
    30% spread for depth 10 and width 500. Average over ``n_trials`` networks to compare
    with :func:`predict_variances`.

    Parameters
    ----------
    widths, init, activation, input_var, last_activation, **init_kw
        As in :func:`predict_variances`.
    x : array_like, shape (n_0, m'), optional
        Input batch to use (e.g. MNIST images); ``input_var`` and ``m`` are then ignored.
        By default ``x`` has i.i.d. ``N(0, input_var)`` entries, redrawn for each trial.
    m : int
        Number of examples in the generated input batch.
    n_trials : int
        Number of independently initialized networks to average over.
    rng : numpy.random.Generator, int or None
        Source of randomness for weights, inputs and probes.
    dtype : float32 or float64
        Floating dtype of the simulation.

    Returns
    -------
    dict of str to ndarray
        Same keys and shapes as :func:`predict_variances`. Overflowing values (exploding
        initializations) are reported as ``inf`` or ``nan`` without warnings.
    """
    widths = check_sizes(widths, "widths")
    init = _check_init(init, init_kw)
    act = check_activation(activation)
    input_var = check_float(input_var, "input_var", minimum=0.0, maximum=MAX_SCALE)
    m = check_int(m, "m", minimum=1)
    n_trials = check_int(n_trials, "n_trials", minimum=1, maximum=MAX_TRIALS)
    check_size(max(widths) * m, "max(widths) * m (one layer's signals)")
    last_activation = check_bool(last_activation, "last_activation")
    dt = check_dtype(dtype)
    gen = check_rng(rng)
    init_fn = initializers.get(init)
    if x is not None:
        x = check_array(x, "x", ndim=2, dtype=dt)
        if x.shape[0] != widths[0] or x.shape[1] == 0:
            raise ValueError(
                f"x must have shape (widths[0], m) = ({widths[0]}, m >= 1), got {x.shape}"
            )
    identity = activations.get("identity")
    n_layers = len(widths) - 1
    acts = [act if (last_activation or i < n_layers - 1) else identity for i in range(n_layers)]
    totals = {key: np.zeros(n_layers) for key in VARIANCE_KEYS}

    def mean_square(arr: np.ndarray) -> float:
        return float(np.mean(np.square(arr, dtype=np.float64)))

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for _ in range(n_trials):
            weights = [
                np.asarray(init_fn((widths[i + 1], widths[i]), **init_kw, rng=gen, dtype=dt))
                for i in range(n_layers)
            ]
            a = x if x is not None else gen.normal(0.0, np.sqrt(input_var), (widths[0], m))
            a = a.astype(dt, copy=False)
            zs = []
            for i, (w, g) in enumerate(zip(weights, acts, strict=True)):
                z = w @ a
                a = np.asarray(g(z), dtype=dt)
                zs.append(z)
                totals["weight_var"][i] += mean_square(w)
                totals["z_var"][i] += mean_square(z)
                totals["a_second"][i] += mean_square(a)
                totals["a_var"][i] += float(np.var(a, dtype=np.float64))
            grad_a = gen.standard_normal(a.shape).astype(dt, copy=False)
            for i in reversed(range(n_layers)):
                grad_z = np.asarray(acts[i].derivative(zs[i]), dtype=dt) * grad_a
                totals["grad_a_var"][i] += mean_square(grad_a)
                totals["grad_var"][i] += mean_square(grad_z)
                grad_a = weights[i].T @ grad_z
    return {key: value / n_trials for key, value in totals.items()}


# ---------------------------------------------------------------------------
# Mean-field signal propagation: order, chaos and the depth scales
# (Poole et al. 2016; Schoenholz et al. 2017)
# ---------------------------------------------------------------------------
#
# A layer of an infinitely wide net computes z_l = W_l a_{l-1} + b_l with W entries of variance
# weight_variance / n_in (sigma_w^2 / n) and biases of variance bias_variance (sigma_b^2). Then
#
#   length map       q_l = sigma_w^2 E[phi(sqrt(q_{l-1}) z)^2] + sigma_b^2      (z ~ N(0, 1))
#   slope at q*      chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2]
#   correlation map  c_l = (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q*,
#                    (u1, u2) Gaussian, variances q*, correlation c_{l-1}
#   its slope        chi_c(c) = sigma_w^2 E[phi'(u1) phi'(u2)],   chi_c(1) = chi_1
#   depth scale      xi_c = -1 / ln chi_c(c*)
#
# Ordered phase (chi_1 < 1): c* = 1 is stable and xi_c = -1 / ln chi_1. Chaotic phase
# (chi_1 > 1): c* = 1 is unstable, the correlations settle at c* < 1 and xi_c = -1/ln chi_c(c*).
# xi_c diverges on the critical line chi_1 = 1.
#
# Integration. One-dimensional expectations use a fixed composite Gauss-Legendre rule in the
# pre-activation u itself (panels graded geometrically away from u = 0, where ReLU-like
# activations have kinks), with Gaussian weights N(u; 0, q): the activation is evaluated once
# for every q, and the rule matches `gaussian_moments` to ~1e-10 for 1e-8 <= q <= 1e4 (tested).
# Plain Gauss-Hermite is not accurate enough here: for tanh at q = 5 it is off by 2e-4 (101
# nodes) in E[tanh'^2]. The two-dimensional expectations of the correlation map are an outer
# integral over u1 = sqrt(q) z1 and an inner one over u2 = c u1 + sqrt(q (1 - c^2)) t,
# z1, t ~ N(0, 1), both with a composite Gauss-Legendre rule (see _CORR_PANELS for the accuracy).
# Activations linear on each side of 0 (identity, ReLU, leaky ReLU) use closed forms (the
# arc-cosine kernel of Cho & Saul 2009 for ReLU).

from dataclasses import dataclass  # noqa: E402  (kept with the section it serves)

__all__ += [
    "MeanField",
    "chi_1",
    "correlation_depth_scale",
    "correlation_map",
    "critical_weight_variance",
    "length_fixed_point",
    "length_map",
    "mean_field",
]

_MF_EDGES = np.unique(
    np.concatenate([[0.0, 0.75, 1.5, 3.0, 6.0], 2.0 ** np.arange(-24.0, 11.0), [1200.0]])
)
_MF_ORDER = 10
#: Rule of the correlation map, used for z1 = u1 / sqrt(q) and for t: panels of width 1 on
#: [-8, 8] (mass outside: 1e-15), 8 Gauss-Legendre nodes each. Measured against a rule with
#: 160 panels of 16 nodes, for tanh and every c in [-1, 1]: error <= 1e-9 for q <= 2,
#: <= 1e-7 for q <= 4 and <= 5e-6 for q <= 10 (tests/test_mean_field.py).
_CORR_PANELS = np.linspace(-8.0, 8.0, 17)
_CORR_ORDER = 8


@dataclass(frozen=True)
class MeanField:
    """Mean-field description of a deep net's signal propagation (see :func:`mean_field`).

    All fields are floats for scalar arguments and arrays of the broadcast shape otherwise.

    Attributes
    ----------
    q_star : float or ndarray
        Fixed point of the length map (``inf`` if the length grows without bound, ``nan``
        for a linear-on-each-side activation at exactly ``chi_1 = 1`` and zero bias
        variance, where every length is a fixed point).
    chi_1 : float or ndarray
        Slope of the correlation map at ``c = 1``: ``sigma_w^2 E[phi'(sqrt(q*) z)^2]``,
        also the factor by which the mean squared gradient grows per layer backwards.
    c_star : float or ndarray
        Stable fixed point of the correlation map (1 in the ordered phase).
    chi_c : float or ndarray
        Slope of the correlation map at ``c_star``.
    xi_c : float or ndarray
        Depth scale of correlations ``-1 / ln(chi_c)`` (``inf`` on the critical line).
    """

    q_star: float | np.ndarray
    chi_1: float | np.ndarray
    c_star: float | np.ndarray
    chi_c: float | np.ndarray
    xi_c: float | np.ndarray


@functools.lru_cache(maxsize=1)
def _mf_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``u`` (symmetric about 0) and Legendre weights of the fixed 1-D rule."""
    t, w = _legendre(_MF_ORDER)
    lo, hi = _MF_EDGES[:-1, None], _MF_EDGES[1:, None]
    half = (hi - lo) / 2
    u = (lo + half * (t + 1.0)).ravel()
    wu = (half * w).ravel()
    return np.concatenate([-u[::-1], u]), np.concatenate([wu[::-1], wu])


@functools.lru_cache(maxsize=1)
def _corr_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``t`` and weights (normalised, Gaussian density included) of the inner rule."""
    t, w = _legendre(_CORR_ORDER)
    lo, hi = _CORR_PANELS[:-1, None], _CORR_PANELS[1:, None]
    half = (hi - lo) / 2
    x = (lo + half * (t + 1.0)).ravel()
    wx = (half * w).ravel() * np.exp(-0.5 * x * x)
    return x, wx / wx.sum()


def _gauss_weights(q: np.ndarray) -> np.ndarray:
    """Weights of the 1-D rule for ``u ~ N(0, q)``, shape ``q.shape + (n_nodes,)``."""
    u, wu = _mf_nodes()
    q = np.asarray(q, dtype=np.float64)[..., None]
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        w = wu * np.exp(-0.5 * u * u / q) / np.sqrt(2 * np.pi * q)
    return w / w.sum(axis=-1, keepdims=True)


def _slopes(act: activations.Activation) -> tuple[float, float]:
    """One-sided slopes ``phi'(0+)``, ``phi'(0-)`` (the ``q -> 0`` limits)."""
    eps = np.array([1e-300, -1e-300])
    d = np.asarray(act.derivative(eps), dtype=np.float64)
    return float(d[0]), float(d[1])


#: Below this q the fixed nodes of ``_expect_1d`` no longer resolve N(0, q).
_MF_SMALL_Q = 1e-8


def _expect_1d(act: activations.Activation, q: np.ndarray, which: str) -> np.ndarray:
    """``E[phi(u)^2]`` (``which="second"``) or ``E[phi'(u)^2]`` for ``u ~ N(0, q)``, q >= 0."""
    q = np.asarray(q, dtype=np.float64)
    if act.name in _PIECEWISE_LINEAR:
        if which == "second":
            return _moments_array(act, q, 16)[1]
        s_pos, s_neg = _slopes(act)  # E[phi'^2] does not depend on q (not even at q = 0)
        return np.full(q.shape, (s_pos**2 + s_neg**2) / 2)
    u, _ = _mf_nodes()
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = act(u) if which == "second" else act.derivative(u)
        f = np.asarray(f, dtype=np.float64) ** 2
        pos = np.maximum(q, 1e-300)  # q = 0 handled below
        out = _gauss_weights(pos) @ f
    zero = q == 0
    if np.any(zero):
        if which == "second":
            value = float(np.asarray(act(np.zeros(1)))[0]) ** 2
        else:
            s_pos, s_neg = _slopes(act)
            value = (s_pos**2 + s_neg**2) / 2
        out = np.where(zero, value, out)
    inf = np.isinf(q)
    if np.any(inf):
        limits = _infinite_variance_moments(act)
        out = np.where(inf, limits[1] if which == "second" else limits[2], out)
    tiny = (q > 0) & (q < _MF_SMALL_Q)
    if np.any(tiny):  # the Gaussian is narrower than the nodes: the adaptive quadrature instead
        moments = gaussian_moments(act, q[tiny])
        out = np.array(out, dtype=np.float64)
        out[tiny] = moments["second" if which == "second" else "deriv_sq"]
    return out


def _check_variances(
    weight_variance: object, bias_variance: object
) -> tuple[np.ndarray, np.ndarray, bool]:
    sw = check_array(weight_variance, "weight_variance", dtype=np.float64)
    sb = check_array(bias_variance, "bias_variance", dtype=np.float64)
    if np.any(sw <= 0) or np.any(sw > MAX_SCALE):
        raise ValueError(f"weight_variance (sigma_w^2) must be > 0 and <= {MAX_SCALE:g}")
    if np.any(sb < 0) or np.any(sb > MAX_SCALE):
        raise ValueError(f"bias_variance (sigma_b^2) must be >= 0 and <= {MAX_SCALE:g}")
    try:
        sw, sb = np.broadcast_arrays(sw, sb)
    except ValueError as exc:
        raise ValueError(
            f"weight_variance and bias_variance must broadcast together, got shapes "
            f"{np.shape(weight_variance)} and {np.shape(bias_variance)}"
        ) from exc
    return sw.astype(np.float64), sb.astype(np.float64), sw.ndim == 0


def length_map(
    activation: str | activations.Activation,
    q: float | np.ndarray,
    weight_variance: float | np.ndarray,
    bias_variance: float | np.ndarray = 0.0,
) -> float | np.ndarray:
    r"""One step of the length map: ``sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2``.

    Parameters
    ----------
    activation : str or Activation
        The activation ``phi`` of every layer.
    q : float or array_like
        Mean square of the pre-activations entering the layer (``>= 0``).
    weight_variance : float or array_like
        ``sigma_w^2 = n_in Var(W)`` (``> 0``).
    bias_variance : float or array_like
        ``sigma_b^2 = Var(b)`` (``>= 0``).

    Returns
    -------
    float or ndarray
        The mean square of the next layer's pre-activations (broadcast shape).

    Examples
    --------
    >>> length_map("relu", 3.0, 2.0)  # ReLU keeps half of q, sigma_w^2 = 2 doubles it
    3.0
    """
    act = check_activation(activation)
    q_arr = check_array(q, "q", dtype=np.float64)
    if np.any(q_arr < 0) or np.any(q_arr > MAX_SCALE):
        raise ValueError(f"q must be >= 0 (it is a mean square) and <= {MAX_SCALE:g}")
    sw, sb, scalar = _check_variances(weight_variance, bias_variance)
    q_arr, sw, sb = np.broadcast_arrays(q_arr, sw, sb)
    out = sw * _expect_1d(act, q_arr, "second") + sb
    return float(out) if out.ndim == 0 else out


def _fixed_point_q(act: activations.Activation, sw: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """Largest fixed point of the length map (the one reached from large inputs)."""
    if act.name in _PIECEWISE_LINEAR:
        s_pos, s_neg = _slopes(act)
        k = sw * (s_pos**2 + s_neg**2) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(k < 1, sb / (1 - k), np.inf)
        return np.where((k == 1) & (sb == 0), np.nan, q)
    phi0 = float(np.asarray(act(np.zeros(1)))[0])
    bound = _infinite_variance_moments(act)[1]
    shape = sw.shape
    sw, sb = sw.ravel(), sb.ravel()

    def gap(q: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        return w * _expect_1d(act, q, "second") + b - q

    if np.isfinite(bound):
        hi = sw * bound + sb + 1.0
    else:  # grows without bound (SELU): look for a q where the map falls below the diagonal
        hi = np.full(sw.shape, np.nan)
        for cand in 2.0 ** np.arange(0, 14):
            found = np.isnan(hi) & (gap(np.full(sw.shape, cand), sw, sb) < 0)
            hi[found] = cand
        hi[np.isnan(hi)] = np.inf
    lo = np.zeros_like(sw)
    q_star = np.full(sw.shape, np.nan)
    q_star[np.isinf(hi)] = np.inf
    if phi0 == 0:  # q = 0 is a fixed point without bias; a larger one needs slope > 1 at 0
        s_pos, s_neg = _slopes(act)
        slope0 = sw * (s_pos**2 + s_neg**2) / 2
        trivial = (sb == 0) & np.isfinite(hi)
        q_star[trivial & (slope0 <= 1)] = 0.0
        lo[trivial & (slope0 > 1)] = 1e-12 * hi[trivial & (slope0 > 1)]
    todo = np.isnan(q_star)
    q_star[todo] = _illinois(lambda q, m: gap(q, sw[todo][m], sb[todo][m]), lo[todo], hi[todo])
    return q_star.reshape(shape)


def _illinois(
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Roots of ``fn`` in brackets ``[lo, hi]`` with ``fn(lo) > 0 > fn(hi)``, vectorized.

    ``fn(x, mask)`` evaluates the functions selected by the boolean ``mask`` at ``x``. The
    Illinois variant of regula falsi keeps the bracket and converges superlinearly; it stops
    at a relative bracket width of 1e-13 (or after 100 steps).
    """
    lo, hi = lo.astype(np.float64), hi.astype(np.float64)
    everything = np.ones(lo.shape, dtype=bool)
    f_lo, f_hi = fn(lo, everything), fn(hi, everything)
    x = 0.5 * (lo + hi)
    active = everything.copy()
    side = np.zeros(lo.shape, dtype=int)
    for _ in range(100):
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        bad = ~np.isfinite(x_new) | (x_new <= lo) | (x_new >= hi)
        x = np.where(active, np.where(bad, 0.5 * (lo + hi), x_new), x)
        f = np.zeros_like(x)
        f[active] = fn(x[active], active)
        up = active & (f > 0)
        down = active & (f <= 0)
        lo, f_lo = np.where(up, x, lo), np.where(up, f, f_lo)
        hi, f_hi = np.where(down, x, hi), np.where(down, f, f_hi)
        f_hi = np.where(up & (side == 1), f_hi / 2, f_hi)  # Illinois: halve the stale end
        f_lo = np.where(down & (side == -1), f_lo / 2, f_lo)
        side = np.where(up, 1, np.where(down, -1, side))
        active &= (hi - lo > 1e-13 * np.maximum(np.abs(hi), 1e-300)) & (f != 0)
        if not active.any():
            break
    return x


def _corr_expect(
    act: activations.Activation, q: np.ndarray, c: np.ndarray, which: str
) -> np.ndarray:
    """``E[f(u1) f(u2)]`` with ``f = phi`` or ``phi'``; ``u`` variances ``q > 0``, corr ``c``.

    ``q`` and ``c`` are broadcast together; the quadrature is vectorized over them.
    """
    return _corr_both(act, q, c)[0 if which == "phi" else 1]


def _corr_both(
    act: activations.Activation, q: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(E[phi(u1) phi(u2)], E[phi'(u1) phi'(u2)])`` in one pass (see :func:`_corr_expect`)."""
    q, c = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(c, dtype=np.float64))
    c = np.clip(c, -1.0, 1.0)
    if act.name in _PIECEWISE_LINEAR:
        s_pos, s_neg = _slopes(act)
        a, d = s_neg, s_pos - s_neg  # phi(u) = a u + d relu(u)
        theta = np.arccos(c)
        relu_relu = q / (2 * np.pi) * (np.sqrt(1 - c * c) + (np.pi - theta) * c)
        step_step = (np.pi - theta) / (2 * np.pi)
        return a * a * q * c + a * d * q * c + d * d * relu_relu, a * a + a * d + d * d * step_step
    z, wz = _corr_nodes()  # the same standard-normal rule for z1 and for t
    shape = q.shape
    q, c = q.ravel(), c.ravel()
    root_q = np.sqrt(q)
    s = np.sqrt(np.clip(1 - c * c, 0.0, None))
    phi_out, deriv_out = np.empty(q.shape), np.empty(q.shape)
    chunk = 16
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for start in range(0, q.size, chunk):
            sl = slice(start, start + chunk)
            rq, cc, ss = root_q[sl, None, None], c[sl, None, None], s[sl, None, None]
            u1 = rq[:, :, 0] * z  # (P, K)
            u2 = rq * (cc * z[None, :, None] + ss * z[None, None, :])  # (P, K, T)
            f1, f2 = act._forward(u1), act._forward(u2)
            if act.name == "tanh":  # tanh' = 1 - tanh^2, saves the exponentials
                d1, d2 = 1.0 - f1 * f1, 1.0 - f2 * f2
            else:
                d1, d2 = act._derivative(u1), act._derivative(u2)
            phi_out[sl] = (f1 * (f2 @ wz)) @ wz  # inner rule over t, then outer over z1
            deriv_out[sl] = (d1 * (d2 @ wz)) @ wz
    return phi_out.reshape(shape), deriv_out.reshape(shape)


def _check_mf_args(
    activation: object, weight_variance: object, bias_variance: object
) -> tuple[activations.Activation, np.ndarray, np.ndarray, bool]:
    act = check_activation(activation)
    sw, sb, scalar = _check_variances(weight_variance, bias_variance)
    return act, sw, sb, scalar


def _out(value: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(value) if scalar else value


def length_fixed_point(
    activation: str | activations.Activation,
    weight_variance: float | np.ndarray,
    bias_variance: float | np.ndarray = 0.0,
) -> float | np.ndarray:
    """Fixed point ``q*`` of the length map (the largest one: reached from large inputs).

    Returns ``0`` where the signal fades to nothing (e.g. tanh with ``sigma_w^2 <= 1`` and
    no bias), ``inf`` where it grows without bound (ReLU with ``sigma_w^2 > 2``), and
    ``nan`` for identity/ReLU/leaky ReLU exactly at ``chi_1 = 1`` with ``sigma_b^2 = 0``
    (every length is then a fixed point). Accurate to ~1e-12 relative (bisection).

    Examples
    --------
    >>> length_fixed_point("relu", 1.0, 0.5)  # q = q / 2 + 0.5
    1.0
    """
    act, sw, sb, scalar = _check_mf_args(activation, weight_variance, bias_variance)
    return _out(_fixed_point_q(act, sw, sb), scalar)


def chi_1(
    activation: str | activations.Activation,
    weight_variance: float | np.ndarray,
    bias_variance: float | np.ndarray = 0.0,
) -> float | np.ndarray:
    """``chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2]``: < 1 ordered, > 1 chaotic.

    It is the slope of the correlation map at ``c = 1`` and the factor by which a small
    perturbation's squared length (and the mean squared gradient, backwards) is multiplied
    per layer at the fixed point.

    Examples
    --------
    >>> chi_1("relu", 2.0)  # sigma_w^2 / 2
    1.0
    """
    act, sw, sb, scalar = _check_mf_args(activation, weight_variance, bias_variance)
    q = _fixed_point_q(act, sw, sb)
    value = sw * _expect_1d(act, np.nan_to_num(q, nan=1.0), "deriv")
    return _out(value, scalar)


def _finite_q_star(act: activations.Activation, sw: np.ndarray, sb: np.ndarray) -> np.ndarray:
    q = _fixed_point_q(act, sw, sb)
    if np.any(~np.isfinite(q) | (q <= 0)):
        raise ValueError(
            "the correlation map needs a finite fixed point q* > 0 of the length map; for "
            f"{act.name} with these variances q* is {np.unique(q[~np.isfinite(q) | (q <= 0)])}"
            " (change weight_variance or bias_variance)"
        )
    return q


def correlation_map(
    activation: str | activations.Activation,
    c: float | np.ndarray,
    weight_variance: float,
    bias_variance: float = 0.0,
) -> float | np.ndarray:
    """One step of the correlation map at the length fixed point ``q*``.

    Two inputs whose pre-activations have mean square ``q*`` and correlation ``c`` leave
    the next layer with correlation ``(sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q*``.

    Parameters
    ----------
    activation : str or Activation
    c : float or array_like
        Correlation(s) in ``[-1, 1]``.
    weight_variance, bias_variance : float
        ``sigma_w^2`` (``> 0``) and ``sigma_b^2`` (``>= 0``), scalars.

    Raises
    ------
    ValueError
        If ``c`` is outside ``[-1, 1]`` or ``q*`` is 0 or infinite (no correlation to map).

    Examples
    --------
    >>> round(correlation_map("tanh", 1.0, 1.5, 0.1), 10)  # c = 1 is always a fixed point
    1.0
    """
    act = check_activation(activation)
    sw, sb, _ = _check_variances(weight_variance, bias_variance)
    if sw.ndim:
        raise TypeError("weight_variance and bias_variance must be numbers here")
    sw, sb = float(sw), float(sb)
    c_arr = check_array(c, "c", dtype=np.float64)
    if np.any(np.abs(c_arr) > 1):
        raise ValueError("c must be a correlation, in [-1, 1]")
    q = float(_finite_q_star(act, np.array(sw), np.array(sb)))
    out = (sw * _corr_expect(act, np.full(c_arr.shape, q), c_arr, "phi") + sb) / q
    out = np.clip(out, -1.0, 1.0)  # a correlation, also where rounding would push it past 1
    return float(out) if out.ndim == 0 else out


def mean_field(
    activation: str | activations.Activation,
    weight_variance: float | np.ndarray,
    bias_variance: float | np.ndarray = 0.0,
) -> MeanField:
    """Fixed points, slopes and the correlation depth scale of a deep net (see module notes).

    Parameters
    ----------
    activation : str or Activation
    weight_variance, bias_variance : float or array_like
        ``sigma_w^2 > 0`` and ``sigma_b^2 >= 0`` (broadcast together: pass a grid to get
        a phase diagram).

    Returns
    -------
    MeanField
        ``q_star``, ``chi_1``, ``c_star``, ``chi_c``, ``xi_c``. In the ordered phase
        ``c_star = 1`` and ``chi_c = chi_1``; in the chaotic phase ``c_star < 1`` is found by
        safeguarded Newton iteration on the correlation map (to ~1e-9).

    Examples
    --------
    >>> mf = mean_field("tanh", 0.5)  # ordered: q* = 0, chi_1 = sigma_w^2 tanh'(0)^2
    >>> mf.q_star, mf.chi_1, mf.c_star, round(mf.xi_c, 4)
    (0.0, 0.5, 1.0, 1.4427)
    """
    act, sw, sb, scalar = _check_mf_args(activation, weight_variance, bias_variance)
    q = _fixed_point_q(act, sw, sb).ravel()
    w, b = sw.ravel(), sb.ravel()
    chi = w * _expect_1d(act, np.nan_to_num(q, nan=1.0), "deriv")
    c_star = np.ones_like(chi)
    chi_c = chi.copy()
    chaotic = (chi > 1) & np.isfinite(q) & (q > 0)
    if np.any(chaotic):
        c_star[chaotic], chi_c[chaotic] = _correlation_fixed_point(
            act, q[chaotic], w[chaotic], b[chaotic]
        )
    with np.errstate(divide="ignore"):
        xi = np.where(chi_c >= 1.0, np.inf, -1.0 / np.log(chi_c))
    fields = [q, chi, c_star, chi_c, xi]
    if scalar:
        return MeanField(*(float(v[0]) for v in fields))
    return MeanField(*(v.reshape(sw.shape) for v in fields))


def _correlation_fixed_point(
    act: activations.Activation, q: np.ndarray, sw: np.ndarray, sb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stable fixed points ``c* < 1`` of the correlation map (chaotic phase), slopes there.

    Safeguarded Newton iteration on ``F(c) - c`` (``F(1) = 1``, ``F'(1) = chi_1 > 1``),
    vectorized over the parameter points, inside a bracket ``[lo, hi]`` that shrinks every
    step; converges to ~1e-10.
    """

    def gap_and_slope(c: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phi, deriv = _corr_both(act, q[m], c)
        return (sw[m] * phi + sb[m]) / q[m] - c, sw[m] * deriv

    everything = np.ones(q.shape, dtype=bool)
    lo = np.zeros_like(q)
    hi = np.ones_like(q)
    g0, _ = gap_and_slope(lo, everything)
    negative = g0 < -1e-13  # anti-correlated fixed point: search [-1, 0]
    lo[negative] = -1.0
    hi[negative] = 0.0
    at_zero = np.abs(g0) <= 1e-13  # odd activation without bias: c* = 0 exactly
    c = np.where(at_zero, 0.0, np.where(negative, -0.5, 0.5))
    active = ~at_zero
    for _ in range(60):
        if not active.any():
            break
        g, slope = gap_and_slope(c[active], active)
        ca, la, ha = c[active], lo[active], hi[active]
        la, ha = np.where(g > 0, ca, la), np.where(g > 0, ha, ca)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = ca - g / (slope - 1.0)
        new = np.where((step > la) & (step < ha), step, 0.5 * (la + ha))
        lo[active], hi[active] = la, ha
        done = np.abs(new - ca) < 1e-10
        c[active] = new
        active[active] = ~done
    _, slope = gap_and_slope(c, everything)
    return c, slope


def correlation_depth_scale(
    activation: str | activations.Activation,
    weight_variance: float | np.ndarray,
    bias_variance: float | np.ndarray = 0.0,
) -> float | np.ndarray:
    """Depth scale ``xi_c = -1 / ln chi_c(c*)`` over which correlations approach ``c*``.

    Shorthand for ``mean_field(...).xi_c``: in the ordered phase ``-1 / ln chi_1``; it is
    infinite on the critical line. Schoenholz et al. (2017) found nets trainable up to about
    ``6 xi_c`` layers.
    """
    return mean_field(activation, weight_variance, bias_variance).xi_c


def critical_weight_variance(
    activation: str | activations.Activation, bias_variance: float = 0.0
) -> float:
    """The ``sigma_w^2`` on the order-to-chaos line (``chi_1 = 1``) for a given ``sigma_b^2``.

    Parameters
    ----------
    activation : str or Activation
    bias_variance : float
        ``sigma_b^2 >= 0``.

    Returns
    -------
    float
        The root of ``chi_1(sigma_w^2, sigma_b^2) = 1``, to ~1e-10 relative: bracketed on a
        grid of ``sigma_w^2`` in ``(0, 1000]`` (the first crossing from ordered to chaotic)
        and refined by the Illinois method. Closed form ``2 / (phi'(0+)^2 + phi'(0-)^2)`` for
        identity, ReLU and leaky ReLU (2 for ReLU, 1 for the identity).

    Raises
    ------
    ValueError
        Where no critical point exists: activations linear on each side of 0 with
        ``sigma_b^2 > 0`` (at ``chi_1 = 1`` the length ``q`` grows without bound, so there is
        no fixed point to be critical at), or no crossing of ``chi_1 = 1`` in ``(0, 1000]``.

    Examples
    --------
    >>> critical_weight_variance("relu")
    2.0
    >>> critical_weight_variance("tanh")
    1.0
    """
    act = check_activation(activation)
    # sigma_b^2 of order 1 is what nets use; far beyond 1e6 the root search would overflow.
    sb = check_float(bias_variance, "bias_variance", minimum=0.0, maximum=1e6)
    if act.name in _PIECEWISE_LINEAR:
        s_pos, s_neg = _slopes(act)
        if sb > 0:
            raise ValueError(
                f"{act.name} has no critical point for bias_variance > 0: at chi_1 = 1 the "
                "length map q -> q + sigma_b^2 has no fixed point (q grows without bound), and "
                "below it the net is ordered, above it the length diverges"
            )
        return 2.0 / (s_pos**2 + s_neg**2)
    grid = np.geomspace(1e-2, 1e3, 61)

    def excess(w: np.ndarray) -> np.ndarray:
        return chi_1(act, w, np.full(w.shape, sb)) - 1.0

    values = excess(grid)
    cross = np.flatnonzero((values[:-1] < 0) & (values[1:] >= 0))
    if cross.size == 0:
        raise ValueError(
            f"{act.name} has no critical point with bias_variance = {sb}: chi_1 does not cross "
            "1 for weight_variance in (0, 1000]"
        )
    lo, hi = grid[cross[0]], grid[cross[0] + 1]
    s_pos, s_neg = _slopes(act)
    linear_limit = 2.0 / (s_pos**2 + s_neg**2)  # chi_1 at q* = 0
    phi0 = float(np.asarray(act(np.zeros(1)))[0])
    if sb == 0 and phi0 == 0 and lo <= linear_limit <= hi:
        return linear_limit  # q* = 0 up to this point: chi_1 = sigma_w^2 phi'(0)^2 exactly
    root = _illinois(lambda w, _: -excess(w), np.array([lo]), np.array([hi]))
    return float(root[0])
