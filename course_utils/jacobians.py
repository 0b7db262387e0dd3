r"""Layer Jacobians of a fully connected network and their singular values.

A layer computes ``z = W @ a_prev`` (plus a bias) and ``a = g(z)``. For one example, the
Jacobian of the layer's output with respect to its input is

.. math::

    J = \frac{\partial a}{\partial a_{\text{prev}}} = \operatorname{diag}(g'(z))\, W,
    \qquad J \in \mathbb{R}^{n_\text{out} \times n_\text{in}},

the matrix that maps a small change of the input to the change of the output, and whose
transpose carries gradients backwards (``dL/da_prev = J.T @ dL/da``). Its singular values say
how much the layer stretches or shrinks volumes and signals. Glorot & Bengio (2010) report
their average as a summary of how well a layer preserves signal size.

Two reference facts for a square ``n x n`` matrix with i.i.d. zero-mean entries of variance
``s**2 / n`` and large ``n``:

- the mean of the *squared* singular values is ``s**2`` exactly in expectation (it is
  ``||J||_F**2 / n``), so the root mean square of the singular values is ``s``;
- the singular values follow the quarter-circle law on ``[0, 2 s]``,
  ``p(x) = sqrt(4 s**2 - x**2) / (pi s**2)``, whose mean is ``8 s / (3 pi) ~ 0.849 s``
  (:func:`quarter_circle_pdf`, :func:`quarter_circle_cdf`, :data:`QUARTER_CIRCLE_MEAN`).

For ``J = diag(g'(z)) W`` the root mean square is
``sqrt(n_in * Var(W) * mean(g'(z)**2))``: the per-layer factor of the backward variance.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import activations, theory
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    check_activation,
    check_array,
    check_choice,
    check_float,
    check_int,
)

__all__ = [
    "QUARTER_CIRCLE_MEAN",
    "jacobian_singular_values",
    "layer_jacobian",
    "quarter_circle_cdf",
    "quarter_circle_pdf",
]

#: Mean singular value of a large square random matrix whose singular values have root
#: mean square 1 (quarter-circle law): ``8 / (3 pi)``.
QUARTER_CIRCLE_MEAN = 8.0 / (3.0 * math.pi)


def _check_layer(W: object, z: object) -> tuple[np.ndarray, np.ndarray]:
    W = check_array(W, "W", ndim=2)
    if W.dtype.kind != "f":
        W = W.astype(np.float64)
    z = check_array(z, "z")
    if z.ndim not in (1, 2):
        raise ValueError(f"z must be 1-D (one example) or 2-D (n_out, m), got shape {z.shape}")
    if z.shape[0] != W.shape[0]:
        raise ValueError(
            f"z must have W.shape[0] = {W.shape[0]} rows (one per output unit), got shape {z.shape}"
        )
    if z.ndim == 2 and z.shape[1] == 0:
        raise ValueError("z must contain at least one example (column)")
    return W, z


def layer_jacobian(
    W: np.ndarray, z: np.ndarray, activation: str | activations.Activation
) -> np.ndarray:
    """Jacobian ``diag(g'(z)) @ W`` of the map ``a_prev -> g(W @ a_prev + b)``.

    Parameters
    ----------
    W : array_like, shape (n_out, n_in)
        Weight matrix of the layer.
    z : array_like, shape (n_out,) or (n_out, m)
        Pre-activation of the layer for one example, or for ``m`` examples (columns).
    activation : str or Activation
        The layer's activation ``g``.

    Returns
    -------
    ndarray
        Shape ``(n_out, n_in)`` for a 1-D ``z``; ``(m, n_out, n_in)`` (one Jacobian per
        example) for a 2-D ``z``. The dtype is ``W``'s float dtype.

    Examples
    --------
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> layer_jacobian(W, np.zeros(2), "tanh").tolist()  # tanh'(0) = 1
    [[1.0, 2.0], [3.0, 4.0]]
    """
    W, z = _check_layer(W, z)
    act = check_activation(activation)
    dg = np.asarray(act.derivative(z), dtype=W.dtype)
    if dg.ndim == 1:
        return dg[:, None] * W
    return dg.T[:, :, None] * W[None, :, :]


def jacobian_singular_values(
    W: np.ndarray, z: np.ndarray, activation: str | activations.Activation
) -> np.ndarray:
    """Singular values of the layer Jacobian ``diag(g'(z)) @ W``, one set per example.

    Parameters
    ----------
    W : array_like, shape (n_out, n_in)
        Weight matrix of the layer.
    z : array_like, shape (n_out,) or (n_out, m)
        Pre-activation of the layer for one example or for ``m`` examples. Each example
        costs one singular value decomposition (about a second for ``1000 x 1000``), so
        pass a few columns only.
    activation : str or Activation
        The layer's activation ``g``.

    Returns
    -------
    ndarray
        ``min(n_out, n_in)`` singular values in decreasing order: shape ``(k,)`` for a 1-D
        ``z``, ``(m, k)`` for a 2-D ``z``. Always float64.

    Examples
    --------
    >>> W = np.diag([3.0, -2.0])
    >>> jacobian_singular_values(W, np.zeros(2), "identity").tolist()
    [3.0, 2.0]
    """
    J = layer_jacobian(W, z, activation).astype(np.float64, copy=False)
    big = float(np.max(np.abs(J), initial=0.0))
    if big == 0.0:
        return np.linalg.svd(J, compute_uv=False)
    with np.errstate(over="ignore"):  # scaled by the largest entry: the SVD itself is safe
        s = np.linalg.svd(J / big, compute_uv=False) * big
    if not np.all(np.isfinite(s)):
        raise ValueError(
            f"W is too large: the singular values of the Jacobian overflow float64 "
            f"(largest |W| = {float(np.max(np.abs(W))):.3g})"
        )
    return s


def _quarter_circle_args(x: object, rms: object) -> tuple[bool, np.ndarray, np.ndarray, float]:
    """``x`` and ``rms`` checked: whether ``x`` is a scalar, ``x`` as float64, ``|x| / rms``
    and ``rms``."""
    rms = check_float(rms, "rms", minimum=1e-300, maximum=MAX_SCALE)
    x_arr = check_array(x, "x", dtype=np.float64)
    with np.errstate(over="ignore"):  # |x| / rms beyond float range is outside the support
        u = np.abs(x_arr) / rms
    return np.ndim(x) == 0, x_arr, u, rms


def quarter_circle_pdf(x: np.ndarray | float, rms: float = 1.0) -> np.ndarray | float:
    """Quarter-circle density of the singular values of a large square random matrix.

    For an ``n x n`` matrix with i.i.d. zero-mean entries of variance ``rms**2 / n`` the
    singular values have, as ``n`` grows, the density
    ``sqrt(4 rms**2 - x**2) / (pi rms**2)`` on ``[0, 2 rms]`` (0 elsewhere). Its mean is
    ``QUARTER_CIRCLE_MEAN * rms`` and its mean square ``rms**2``.

    Parameters
    ----------
    x : float or array_like
        Where to evaluate the density.
    rms : float
        Root mean square of the singular values (> 0).

    Returns
    -------
    float or ndarray
        The density, of ``x``'s shape.
    """
    scalar, x_arr, u, rms = _quarter_circle_args(x, rms)
    inside = np.clip(4.0 - np.square(np.minimum(u, 2.0)), 0.0, None)
    # sqrt(4 rms^2 - x^2) / (pi rms^2) = sqrt(4 - u^2) / (pi rms), without squaring rms
    pdf = np.where(x_arr >= 0.0, np.sqrt(inside) / (math.pi * rms), 0.0)
    return float(pdf) if scalar else pdf


def quarter_circle_cdf(x: np.ndarray | float, rms: float = 1.0) -> np.ndarray | float:
    """Share of the quarter-circle law at or below ``x``: the integral of
    :func:`quarter_circle_pdf` from 0 to ``x``.

    With ``v = x / (2 rms)`` in ``[0, 1]`` it is ``(2 / pi) (v sqrt(1 - v**2) + arcsin v)``;
    0 for ``x <= 0`` and 1 for ``x >= 2 rms``. The share of the singular values in a window
    ``[lo, hi]`` is ``quarter_circle_cdf(hi, rms) - quarter_circle_cdf(lo, rms)``.

    Parameters
    ----------
    x : float or array_like
        Upper end of the integral.
    rms : float
        Root mean square of the singular values (> 0).

    Returns
    -------
    float or ndarray
        The share, in ``[0, 1]``, of ``x``'s shape.
    """
    scalar, x_arr, u, _ = _quarter_circle_args(x, rms)
    v = np.minimum(u / 2.0, 1.0)
    cdf = np.where(x_arr > 0.0, (2.0 / math.pi) * (v * np.sqrt(1.0 - v * v) + np.arcsin(v)), 0.0)
    return float(cdf) if scalar else cdf


# ---------------------------------------------------------------------------
# End-to-end Jacobians of deep networks and their spectra (notebook 08)
# ---------------------------------------------------------------------------

__all__ += [
    "critical_spectrum_variance",
    "end_to_end_jacobian",
    "end_to_end_singular_values",
    "gaussian_product_spectrum_moments",
]


def _check_weights(weights: object) -> list[np.ndarray]:
    if isinstance(weights, np.ndarray) or not isinstance(weights, list | tuple):
        raise TypeError(
            f"weights must be a list of 2-D arrays [W_1, ..., W_L], got {type(weights).__name__}"
        )
    if len(weights) == 0:
        raise ValueError("weights must contain at least one layer")
    out = []
    for i, w in enumerate(weights):
        w = check_array(w, f"weights[{i}]", ndim=2, dtype=np.float64)
        if i > 0 and w.shape[1] != out[-1].shape[0]:
            raise ValueError(
                f"weights[{i}] has {w.shape[1]} columns but weights[{i - 1}] has "
                f"{out[-1].shape[0]} rows: shapes must chain as (n_l, n_(l-1))"
            )
        out.append(w)
    return out


def end_to_end_jacobian(
    weights: list[np.ndarray],
    x: np.ndarray | None = None,
    activation: str | activations.Activation = "identity",
    *,
    biases: list[np.ndarray] | None = None,
) -> np.ndarray:
    r"""Input-output Jacobian ``J = D_L W_L ... D_1 W_1`` of a deep net at one input.

    Layer ``l`` computes ``z_l = W_l a_{l-1} + b_l``, ``a_l = g(z_l)``, and
    ``D_l = diag(g'(z_l))``. For the identity ``J = W_L ... W_1`` whatever ``x``.

    Parameters
    ----------
    weights : list of array_like
        ``[W_1, ..., W_L]``, ``W_l`` of shape ``(n_l, n_(l-1))``.
    x : array_like, shape (n_0,), optional
        The input at which the Jacobian is taken (needed unless the activation is the
        identity).
    activation : str or Activation
        The activation ``g`` of every layer.
    biases : list of array_like, optional
        ``[b_1, ..., b_L]``, ``b_l`` of shape ``(n_l,)``; zero if omitted.

    Returns
    -------
    ndarray, shape (n_L, n_0)
        ``dJ = da_L / dx``, float64.

    Examples
    --------
    >>> W = [np.diag([2.0, 3.0]), np.diag([0.5, 1.0])]
    >>> end_to_end_jacobian(W).tolist()
    [[1.0, 0.0], [0.0, 3.0]]
    """
    weights = _check_weights(weights)
    act = check_activation(activation)
    if biases is not None:
        if not isinstance(biases, list | tuple) or len(biases) != len(weights):
            raise ValueError(f"biases must be a list of {len(weights)} vectors, one per layer")
        biases = [
            check_array(b, f"biases[{i}]", dtype=np.float64).reshape(-1)
            for i, b in enumerate(biases)
        ]
        for i, (b, w) in enumerate(zip(biases, weights, strict=True)):
            if b.shape[0] != w.shape[0]:
                raise ValueError(f"biases[{i}] must have {w.shape[0]} entries, got {b.shape[0]}")
    if act.name in ("identity", "linear") and biases is None:
        jac = weights[0]
        for w in weights[1:]:
            jac = w @ jac
        return jac.copy()
    if x is None:
        raise ValueError(f"x (the input) is needed for the Jacobian of a {act.name} network")
    a = check_array(x, "x", ndim=1, dtype=np.float64)
    if a.shape[0] != weights[0].shape[1]:
        raise ValueError(f"x must have {weights[0].shape[1]} entries, got {a.shape[0]}")
    jac = np.eye(a.shape[0])
    for i, w in enumerate(weights):
        z = w @ a + (0.0 if biases is None else biases[i])
        a = act(z)
        jac = act.derivative(z)[:, None] * (w @ jac)
    return jac


def end_to_end_singular_values(
    weights: list[np.ndarray],
    x: np.ndarray | None = None,
    activation: str | activations.Activation = "identity",
    *,
    biases: list[np.ndarray] | None = None,
    depths: list[int] | None = None,
) -> dict[int, np.ndarray]:
    """Singular values of the end-to-end Jacobian after each depth in ``depths``.

    One forward pass computes the Jacobians of the first ``L`` layers for every ``L`` in
    ``depths`` (a net of depth 100 gives those of depth 1, 10 and 50 on the way).

    Parameters
    ----------
    weights, x, activation, biases
        As in :func:`end_to_end_jacobian`.
    depths : list of int, optional
        Depths ``1 <= L <= len(weights)``; default ``[len(weights)]``.

    Returns
    -------
    dict of int to ndarray
        For each depth, the singular values in decreasing order (float64).
    """
    weights = _check_weights(weights)
    if biases is not None and (isinstance(biases, str) or not isinstance(biases, list | tuple)):
        raise TypeError(f"biases must be a list of arrays or None, got {type(biases).__name__}")
    depths = [len(weights)] if depths is None else depths
    if not isinstance(depths, list | tuple) or len(depths) == 0:
        raise TypeError("depths must be a non-empty list of ints")
    depths = [check_int(d, "depths[i]", minimum=1, maximum=len(weights)) for d in depths]
    out = {}
    for d in sorted(set(depths)):
        sub_b = None if biases is None else biases[:d]
        jac = end_to_end_jacobian(weights[:d], x, activation, biases=sub_b)
        out[d] = np.linalg.svd(jac, compute_uv=False)
    return out


def gaussian_product_spectrum_moments(n: int, depth: int) -> dict[str, float]:
    r"""Exact expected moments of the spectrum of ``J J^T`` for ``J = W_L ... W_1``.

    Each ``W_l`` is ``n x n`` with i.i.d. ``N(0, 1/n)`` entries. Write ``lambda_i`` for the
    ``n`` eigenvalues of ``J J^T`` (the squared singular values of ``J``) and take the mean
    and the variance over ``i``, as a histogram of one sampled ``J`` shows them. Wick's
    theorem gives, with ``T_1 = tr(J J^T)`` and ``T_2 = tr((J J^T)^2)``, the exact recursion
    (one more layer ``W``)

    .. math::

        E[T_1'] = T_1,\quad E[T_1'^2] = T_1^2 + \tfrac{2}{n} T_2,\quad
        E[T_2'] = (1 + \tfrac1n)\,T_2 + \tfrac1n T_1^2,

    from ``T_1 = T_2 = n`` at depth 0. For ``n -> infinity`` the mean is 1 and the variance
    is ``L`` (the Fuss-Catalan law, second moment ``L + 1``); at finite width it is larger,
    e.g. ``1 + 1/n - 2/n^2`` for ``L = 1``.

    Returns
    -------
    dict
        ``"mean"`` (always 1), ``"mean_square"`` ``E[mean_i lambda_i^2]`` and ``"variance"``
        ``E[mean_i lambda_i^2 - (mean_i lambda_i)^2]``.

    Examples
    --------
    >>> round(gaussian_product_spectrum_moments(100, 1)["variance"], 6)  # 1 + 1/n - 2/n^2
    1.0098
    """
    n = check_int(n, "n", minimum=1, maximum=10**15)
    depth = check_int(depth, "depth", minimum=0, maximum=MAX_DEPTH)
    a, b = 1.0, 1.0  # E[T_2] / n and E[T_1^2] / n^2
    for _ in range(depth):
        a, b = (1 + 1 / n) * a + b, b + 2 * a / n**2
    return {"mean": 1.0, "mean_square": a, "variance": a - b}


def critical_spectrum_variance(
    activation: str | activations.Activation,
    bias_variance: float,
    depth: int,
    weights: str = "gaussian",
) -> float:
    r"""Large-width variance of the spectrum of ``J J^T`` for a net on the critical line.

    Pennington, Schoenholz & Ganguli (2017) show that at ``chi_1 = 1`` the eigenvalues of
    ``J J^T`` have mean 1 and variance

    .. math::

        \sigma^2_{JJ^T} = L\left(\frac{\mu_2}{\mu_1^2} - 1 - s_1\right),\qquad
        \mu_k = E\big[\phi'(\sqrt{q^*} z)^{2k}\big],

    with ``s_1 = -1`` for Gaussian and ``s_1 = 0`` for orthogonal weights. A linear net gives
    ``L`` and 0; ReLU (``mu_2 / mu_1^2 = 2``) gives ``2L`` and ``L`` whatever the weights;
    tanh has ``mu_2 / mu_1^2 -> 1`` as ``q* -> 0`` (small ``sigma_b^2``), so orthogonal
    weights approach isometry there.

    Parameters
    ----------
    activation : str or Activation
    bias_variance : float
        ``sigma_b^2``; ``sigma_w^2`` is :func:`course_utils.theory.critical_weight_variance`.
    depth : int
        Number of layers ``L >= 0``.
    weights : {"gaussian", "orthogonal"}

    Returns
    -------
    float
    """
    act = check_activation(activation)
    depth = check_int(depth, "depth", minimum=0, maximum=MAX_DEPTH)
    s1 = {"gaussian": -1.0, "orthogonal": 0.0}
    weights = check_choice(weights, "weights", list(s1))
    sw = theory.critical_weight_variance(act, bias_variance)
    q = float(theory.length_fixed_point(act, sw, bias_variance))
    if not np.isfinite(q):
        q = 1.0  # piecewise-linear activations: mu_k does not depend on q
    mu1 = theory.gaussian_moments(act, q)["deriv_sq"]
    mu2 = _deriv_fourth_moment(act, q)
    return depth * (mu2 / mu1**2 - 1.0 - s1[weights])


def _deriv_fourth_moment(act: activations.Activation, q: float) -> float:
    """``E[phi'(u)^4]`` for ``u ~ N(0, q)`` with the quadrature of ``theory``."""
    if act.name in theory._PIECEWISE_LINEAR or q == 0:
        s_pos, s_neg = theory._slopes(act)
        return (s_pos**4 + s_neg**4) / 2  # phi'^4 takes two values, each on half the line
    if q < theory._MF_SMALL_Q:  # N(0, q) narrower than the nodes: phi'(u)^4 = phi'(0)^4 + O(q)
        return float(np.asarray(act.derivative(np.zeros(1)), dtype=np.float64)[0]) ** 4
    u, _ = theory._mf_nodes()
    w = theory._gauss_weights(np.array(q))
    with np.errstate(under="ignore"):
        return float(w @ np.asarray(act.derivative(u), dtype=np.float64) ** 4)
