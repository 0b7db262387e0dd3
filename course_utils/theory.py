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
from collections.abc import Sequence

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
