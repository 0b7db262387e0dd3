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
  (:func:`quarter_circle_pdf`, :data:`QUARTER_CIRCLE_MEAN`).

For ``J = diag(g'(z)) W`` the root mean square is
``sqrt(n_in * Var(W) * mean(g'(z)**2))``: the per-layer factor of the backward variance.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import activations
from course_utils._validation import MAX_SCALE, check_activation, check_array, check_float

__all__ = [
    "QUARTER_CIRCLE_MEAN",
    "jacobian_singular_values",
    "layer_jacobian",
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
    rms = check_float(rms, "rms", minimum=1e-300, maximum=MAX_SCALE)
    scalar = np.ndim(x) == 0
    x_arr = check_array(x, "x", dtype=np.float64)
    with np.errstate(over="ignore"):  # |x| / rms beyond float range is outside the support
        u = np.abs(x_arr) / rms
    inside = np.clip(4.0 - np.square(np.minimum(u, 2.0)), 0.0, None)
    # sqrt(4 rms^2 - x^2) / (pi rms^2) = sqrt(4 - u^2) / (pi rms), without squaring rms
    pdf = np.where(x_arr >= 0.0, np.sqrt(inside) / (math.pi * rms), 0.0)
    return float(pdf) if scalar else pdf
