"""Normalization layers in plain numpy: BatchNorm and LayerNorm, forward and backward.

Conventions as in :mod:`course_utils.mlp`: examples are columns, so ``z`` has shape
``(n, m)`` for ``n`` units and ``m`` examples. Both layers compute

``z_hat = (z - mean) / sqrt(var + eps)``,  ``y = gamma * z_hat + beta``

with ``gamma`` and ``beta`` of shape ``(n, 1)`` (start: ones and zeros). They differ in
what ``mean`` and ``var`` are taken over:

- :class:`BatchNorm` (Ioffe & Szegedy, 2015): per unit, over the examples of the batch
  (``axis=1``) in training mode; in evaluation mode it uses running averages collected
  during training instead, so that one example's output does not depend on the others.
- :class:`LayerNorm` (Ba, Kiros & Hinton, 2016): per example, over the units
  (``axis=0``), the same in training and evaluation.

>>> import numpy as np
>>> bn = BatchNorm(3)
>>> z = np.random.default_rng(0).normal(5.0, 2.0, (3, 8))
>>> y, cache = bn.forward(z, train=True)
>>> bool(np.allclose(y.mean(axis=1), 0.0) and np.allclose(y.std(axis=1), 1.0, atol=1e-5))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils._validation import (
    MAX_ELEMENTS,
    MAX_SCALE,
    check_array,
    check_dtype,
    check_float,
    check_int,
)

__all__ = ["BatchNorm", "LayerNorm", "NormCache"]


@dataclass(eq=False)
class NormCache:
    """What a normalization layer's backward pass needs: ``z_hat`` and ``1/sqrt(var+eps)``,
    and whether the statistics came from the batch itself (``batch_stats``)."""

    z_hat: np.ndarray
    inv_std: np.ndarray
    batch_stats: bool


def _normalize_backward(dy: np.ndarray, gamma: np.ndarray, cache: NormCache, axis: int):
    """Gradients of ``y = gamma * z_hat + beta`` where ``z_hat`` normalizes along ``axis``.

    With statistics of the same data, ``dz = inv_std * (d - mean(d) - z_hat * mean(d z_hat))``
    along ``axis``, ``d = gamma * dy``: the mean and variance depend on ``z`` too. With
    fixed statistics (BatchNorm at evaluation) only ``dz = inv_std * d`` remains.
    """
    d = dy * gamma
    if cache.batch_stats:
        mean_d = d.mean(axis=axis, keepdims=True)
        mean_dz = (d * cache.z_hat).mean(axis=axis, keepdims=True)
        dz = cache.inv_std * (d - mean_d - cache.z_hat * mean_dz)
    else:
        dz = cache.inv_std * d
    dgamma = (dy * cache.z_hat).sum(axis=1, keepdims=True)
    dbeta = dy.sum(axis=1, keepdims=True)
    return dz, dgamma, dbeta


class _Norm:
    def __init__(self, n: int, *, eps: float = 1e-5, dtype: object = np.float64) -> None:
        self.n = check_int(n, "n", minimum=1, maximum=MAX_ELEMENTS)
        self.eps = check_float(eps, "eps", minimum=0.0, strict_min=True)
        self.dtype = check_dtype(dtype)
        self.gamma = np.ones((self.n, 1), dtype=self.dtype)
        self.beta = np.zeros((self.n, 1), dtype=self.dtype)

    def _check_z(self, z: object, name: str = "z") -> np.ndarray:
        arr = check_array(z, name, ndim=2, dtype=self.dtype)
        if arr.shape[0] != self.n or arr.shape[1] < 1:
            raise ValueError(
                f"{name} must have shape ({self.n}, m) with m >= 1 (examples in columns), "
                f"got {arr.shape}"
            )
        if float(np.max(np.abs(arr))) > MAX_SCALE:
            raise ValueError(
                f"{name} must hold values with |{name}| <= {MAX_SCALE:g} (their variance "
                "would overflow)"
            )
        return arr

    def backward(self, dy: object, cache: NormCache):
        """Gradients ``(dL/dz, dL/dgamma, dL/dbeta)`` from ``dy = dL/dy`` and the ``cache`` of
        the forward pass."""
        if not isinstance(cache, NormCache):
            raise TypeError(f"cache must be the NormCache of a forward pass, got {cache!r:.40}")
        dy = self._check_z(dy, "dy")
        if dy.shape != cache.z_hat.shape:
            raise ValueError(f"dy must have the shape of the forward pass's z, {cache.z_hat.shape}")
        return self._backward(dy, cache)

    def _scale(self, z_hat: np.ndarray, inv_std: np.ndarray, batch_stats: bool):
        return self.gamma * z_hat + self.beta, NormCache(z_hat, inv_std, batch_stats)


class BatchNorm(_Norm):
    """Batch normalization of each unit over the examples of the batch.

    Parameters
    ----------
    n : int
        Number of units (rows of ``z``).
    momentum : float
        Weight of the new batch in the running averages, in ``(0, 1]``:
        ``running = (1 - momentum) * running + momentum * batch`` (PyTorch's convention,
        default 0.1). The running variance uses the unbiased batch variance.
    eps : float
        Added to the variance before the square root, > 0.
    dtype : float32 or float64

    Attributes
    ----------
    gamma, beta : ndarray, shape (n, 1)
        Trainable scale and shift (ones and zeros at the start).
    running_mean, running_var : ndarray, shape (n, 1)
        Used in evaluation mode (zeros and ones at the start).
    """

    def __init__(
        self, n: int, *, momentum: float = 0.1, eps: float = 1e-5, dtype: object = np.float64
    ) -> None:
        super().__init__(n, eps=eps, dtype=dtype)
        self.momentum = check_float(momentum, "momentum", minimum=0.0, strict_min=True)
        if self.momentum > 1.0:
            raise ValueError(f"momentum must be in (0, 1], got {self.momentum}")
        self.running_mean = np.zeros((self.n, 1), dtype=self.dtype)
        self.running_var = np.ones((self.n, 1), dtype=self.dtype)

    def forward(self, z: object, *, train: bool, update: bool = True):
        """Normalize ``z`` (shape ``(n, m)``); returns ``(y, cache)``.

        In training mode (``train=True``) the statistics are the batch's own (``m >= 2``
        needed) and, if ``update``, the running averages move towards them. In
        evaluation mode the running averages are used and nothing changes.
        """
        z = self._check_z(z)
        return self._forward(z, train=train, update=update)

    def _forward(self, z: np.ndarray, *, train: bool, update: bool = True):
        if not train:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            return self._scale((z - self.running_mean) * inv_std, inv_std, False)
        m = z.shape[1]
        if m < 2:
            raise ValueError(
                "BatchNorm in training mode needs a batch of at least 2 examples (columns "
                f"of z): the variance of one example is 0; got shape {z.shape}. Use "
                "train=False (running averages) for single examples."
            )
        mean = z.mean(axis=1, keepdims=True)
        var = z.var(axis=1, keepdims=True)
        if update:
            mom = self.momentum
            self.running_mean = (1 - mom) * self.running_mean + mom * mean
            self.running_var = (1 - mom) * self.running_var + mom * var * (m / (m - 1))
        inv_std = 1.0 / np.sqrt(var + self.eps)
        return self._scale((z - mean) * inv_std, inv_std, True)

    def _backward(self, dy: np.ndarray, cache: NormCache):
        """``(dz, dgamma, dbeta)`` from ``dy = dL/dy`` and the forward pass's cache."""
        return _normalize_backward(dy, self.gamma, cache, axis=1)


class LayerNorm(_Norm):
    """Layer normalization of each example over its ``n`` units (same in both modes).

    Parameters
    ----------
    n : int
        Number of units (rows of ``z``), at least 2.
    eps : float
        Added to the variance before the square root, > 0.
    dtype : float32 or float64

    Attributes
    ----------
    gamma, beta : ndarray, shape (n, 1)
        Trainable scale and shift (ones and zeros at the start).
    """

    def __init__(self, n: int, *, eps: float = 1e-5, dtype: object = np.float64) -> None:
        super().__init__(n, eps=eps, dtype=dtype)
        if self.n < 2:
            raise ValueError("LayerNorm needs n >= 2 units: the variance of one unit is 0")

    def forward(self, z: object, *, train: bool = True, update: bool = True):
        """Normalize every column of ``z`` (shape ``(n, m)``); returns ``(y, cache)``.

        ``train`` and ``update`` are accepted for symmetry with :class:`BatchNorm` and
        change nothing.
        """
        return self._forward(self._check_z(z), train=train, update=update)

    def _forward(self, z: np.ndarray, *, train: bool = True, update: bool = True):
        mean = z.mean(axis=0, keepdims=True)
        inv_std = 1.0 / np.sqrt(z.var(axis=0, keepdims=True) + self.eps)
        return self._scale((z - mean) * inv_std, inv_std, True)

    def _backward(self, dy: np.ndarray, cache: NormCache):
        """``(dz, dgamma, dbeta)`` from ``dy = dL/dy`` and the forward pass's cache."""
        return _normalize_backward(dy, self.gamma, cache, axis=0)
