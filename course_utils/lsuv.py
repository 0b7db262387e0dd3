"""Layer-sequential unit-variance initialization (LSUV; Mishkin & Matas, 2016).

The algorithm of the paper, for a network and a batch of data:

1. pre-initialize every weight matrix with an orthonormal matrix (Saxe et al., 2014);
2. for each layer ``l = 1, 2, ...`` in turn: run the batch forward to layer ``l``, measure
   the variance of the layer's output ``z_l = W_l a_{l-1} + b_l`` (before the nonlinearity)
   and divide ``W_l`` by its standard deviation, until the variance is within ``tol`` of the
   target (the paper: 1, ``Tol_var = 0.1``) or ``max_iter`` rescalings were made (the paper's
   ``T_max = 10``).

Layers are done in order, so layer ``l`` sees the already rescaled layers before it. With
zero biases and the same batch a single rescaling lands exactly on the target (the layer is
linear in ``W_l``); the paper draws a new minibatch at each step, which this implementation
does when ``batch_size`` is given, and then the tolerance matters.

:func:`lsuv` never changes the network it is given: it returns a rescaled copy together with
a per-layer report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils import initializers
from course_utils._validation import MAX_SCALE, RngLike, check_float, check_int, check_rng
from course_utils.mlp import MLP

__all__ = ["LSUVReport", "lsuv"]


@dataclass(frozen=True)
class LSUVReport:
    """What :func:`lsuv` did, one entry per weight layer.

    Attributes
    ----------
    net : MLP
        The initialized network (a new object).
    iterations : tuple of int
        Rescalings made in each layer (0 if the first measurement was already within ``tol``).
    variances : tuple of float
        Variance of each layer's output at the last measurement.
    converged : tuple of bool
        True where the variance reached the tolerance, False where ``max_iter`` stopped it.
    """

    net: MLP
    iterations: tuple[int, ...]
    variances: tuple[float, ...]
    converged: tuple[bool, ...]

    @property
    def stopped_by(self) -> tuple[str, ...]:
        """``"tolerance"`` or ``"max_iter"`` per layer."""
        return tuple("tolerance" if c else "max_iter" for c in self.converged)

    def __str__(self) -> str:
        rows = [
            f"layer {i + 1}: {n} rescaling(s), Var(z) = {v:.4f}, stopped by {s}"
            for i, (n, v, s) in enumerate(
                zip(self.iterations, self.variances, self.stopped_by, strict=True)
            )
        ]
        return "\n".join(rows)


def _layer_output(net: MLP, x: np.ndarray, layer: int) -> np.ndarray:
    """``z`` of weight layer ``layer`` (0-based) for the batch ``x`` (already checked)."""
    a = x
    for l in range(layer + 1):  # noqa: E741
        z = net.weights[l] @ a + net.biases[l]
        if l == layer:
            return z
        a = net.activations[l](z)
    raise AssertionError("unreachable")


def lsuv(
    net: MLP,
    x: object,
    *,
    tol: float = 0.1,
    max_iter: int = 10,
    target_var: float = 1.0,
    orthonormal: bool = True,
    include_output: bool = True,
    batch_size: int | None = None,
    rng: RngLike = None,
) -> LSUVReport:
    """LSUV-initialize a copy of ``net`` on the batch ``x``.

    Parameters
    ----------
    net : MLP
        The network; it is not modified.
    x : array_like, shape (sizes[0], m)
        Data, examples in columns.
    tol : float
        Stop rescaling a layer once ``|Var(z_l) - target_var| < tol`` (> 0).
    max_iter : int
        Largest number of rescalings per layer (>= 1).
    target_var : float
        Variance the layer outputs should have (> 0).
    orthonormal : bool
        Replace the weights by scaled orthonormal matrices first (the paper's step 1), drawn
        with ``rng``; if False, start from the network's own weights.
    include_output : bool
        Also rescale the last (output) layer, as the paper does for every layer.
    batch_size : int, optional
        Draw a new minibatch of this many columns of ``x`` (with ``rng``) for every
        measurement; by default the whole of ``x`` is used each time.
    rng : numpy.random.Generator, int or None
        Randomness of the orthonormal matrices and of the minibatches.

    Returns
    -------
    LSUVReport
        The new network and, per layer, the rescalings made, the final variance and whether
        the tolerance (True) or ``max_iter`` (False) ended the loop.

    Raises
    ------
    TypeError
        ``net`` is not an :class:`~course_utils.mlp.MLP`, or a parameter has the wrong type.
    ValueError
        ``x`` does not fit the network, a parameter is out of range, or a layer's output has
        zero (or non-finite) variance on the batch, so that no rescaling can reach the target.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, got {type(net).__name__}")
    x = net._check_x(x)
    tol = check_float(tol, "tol", minimum=0.0, strict_min=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    target_var = check_float(
        target_var, "target_var", minimum=0.0, strict_min=True, maximum=MAX_SCALE
    )
    for flag, name in ((orthonormal, "orthonormal"), (include_output, "include_output")):
        if not isinstance(flag, bool | np.bool_):
            raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
    m = x.shape[1]
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=2, maximum=m)
    gen = check_rng(rng)

    new = net.copy()
    if orthonormal:
        new.weights = [
            initializers.orthogonal(w.shape, rng=gen, dtype=new.dtype) for w in new.weights
        ]

    def batch() -> np.ndarray:
        if batch_size is None:
            return x
        return x[:, gen.choice(m, size=batch_size, replace=False)]

    n_layers = new.n_layers if include_output else new.n_layers - 1
    iterations, variances, converged = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(n_layers):
            count = 0
            while True:
                var = float(np.var(_layer_output(new, batch(), layer), dtype=np.float64))
                if not (np.isfinite(var) and var > 0.0):
                    raise ValueError(
                        f"the output of layer {layer + 1} has variance {var} on the batch of "
                        "x; LSUV cannot rescale it to target_var (check x and the previous "
                        "layers)"
                    )
                if abs(var - target_var) < tol or count == max_iter:
                    break
                new.weights[layer] = new.weights[layer] * float(np.sqrt(target_var / var))
                count += 1
            iterations.append(count)
            variances.append(var)
            converged.append(abs(var - target_var) < tol)
    return LSUVReport(new, tuple(iterations), tuple(variances), tuple(converged))
