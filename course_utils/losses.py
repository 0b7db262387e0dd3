"""Loss functions on the final pre-activation ``z`` of a network.

Every loss takes the logits / outputs ``z`` of shape ``(K, m)`` (``K`` output units,
``m`` examples in columns) and the targets ``y``, and returns ``(loss, dz)`` where
``loss`` is a Python float averaged over the ``m`` examples and ``dz = dloss/dz`` has
the shape and dtype of ``z``. Each loss is fused with its output activation
(softmax, sigmoid, identity), which gives the simple and numerically stable gradient
``dz = (output - target) / m`` in all three cases.

=========================  ==============  ==========================================
loss                       output          targets ``y``
=========================  ==============  ==========================================
``softmax_cross_entropy``  ``"softmax"``   int labels ``(m,)`` in ``[0, K)``, or
                                           one-hot (or probability) columns ``(K, m)``
``binary_cross_entropy``   ``"sigmoid"``   0/1 labels ``(m,)`` or ``(1, m)``; ``K == 1``
``mean_squared_error``     ``"linear"``    values ``(K, m)`` (or ``(m,)`` if ``K == 1``)
=========================  ==============  ==========================================

The losses are stable for logits up to ``|z| = 1e4`` and beyond (log-sum-exp and
``log1p(exp(-|z|))`` formulations): no overflow, no warnings.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from course_utils._validation import (
    MAX_ELEMENTS,
    NonFiniteError,
    check_array,
    check_choice,
    check_dtype,
    check_int,
)

__all__ = [
    "OUTPUTS",
    "FusedLoss",
    "binary_cross_entropy",
    "fused",
    "get",
    "mean_squared_error",
    "output_activation",
    "softmax_cross_entropy",
    "take_examples",
]

#: Output types understood by :func:`get`, :func:`output_activation` and ``MLP``.
OUTPUTS: tuple[str, ...] = ("softmax", "sigmoid", "linear")

LossFn = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]

# One-hot / probability columns must sum to one within this tolerance.
_SUM_TOL = 1e-6


# --------------------------------------------------------------------------- validation


def _check_z(z: object) -> np.ndarray:
    """Validate logits: finite, 2-D ``(K, m)`` with ``K, m >= 1``, float32/float64."""
    arr = check_array(z, "z", ndim=2)
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"z must have shape (K, m) with K >= 1 and m >= 1, got {arr.shape}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr


def _check_m(y: np.ndarray, m: int) -> None:
    if y.shape[-1] != m:
        raise ValueError(
            f"y has {y.shape[-1]} examples but z has m={m} columns; "
            f"the last axis of y must match the columns of z"
        )


def _prepare_softmax(y: object, k: int, m: int, dtype: np.dtype) -> np.ndarray:
    arr = check_array(y, "y")
    if arr.ndim == 1:
        _check_m(arr, m)
        if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
            raise ValueError("y must contain integer class labels, got non-integer values")
        if arr.size and (arr.min() < 0 or arr.max() >= k):
            raise ValueError(
                f"y must contain class labels in [0, {k}) for z with K={k} rows, "
                f"got values in [{arr.min()}, {arr.max()}]"
            )
        return arr.astype(np.intp, copy=False)
    if arr.ndim == 2:
        if arr.shape != (k, m):
            raise ValueError(
                f"one-hot y must have the shape of z {(k, m)}, got {arr.shape} "
                f"(or pass int labels of shape ({m},))"
            )
        if arr.min() < 0 or arr.max() > 1:
            raise ValueError("one-hot y must have entries in [0, 1]")
        if not np.allclose(arr.sum(axis=0), 1.0, rtol=0.0, atol=_SUM_TOL):
            raise ValueError("one-hot y must have columns summing to 1")
        return arr.astype(dtype, copy=False)
    raise ValueError(
        f"y must be int labels of shape ({m},) or one-hot of shape {(k, m)}, got shape {arr.shape}"
    )


def _prepare_sigmoid(y: object, k: int, m: int, dtype: np.dtype) -> np.ndarray:
    if k != 1:
        raise ValueError(f"binary cross-entropy needs z with K=1 row, got K={k}")
    arr = check_array(y, "y")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    elif arr.ndim != 2 or arr.shape[0] != 1:
        raise ValueError(f"y must have shape ({m},) or (1, {m}), got {arr.shape}")
    _check_m(arr, m)
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError("y must contain only 0/1 labels for binary cross-entropy")
    return arr.astype(dtype, copy=False)


def _prepare_linear(y: object, k: int, m: int, dtype: np.dtype) -> np.ndarray:
    arr = check_array(y, "y")
    if arr.ndim == 1 and k == 1:
        arr = arr.reshape(1, -1)
    if arr.shape != (k, m):
        expected = f"({k}, {m})" + (f" or ({m},)" if k == 1 else "")
        raise ValueError(f"y must have shape {expected} like z, got {arr.shape}")
    return arr.astype(dtype, copy=False)


_PREPARE = {"softmax": _prepare_softmax, "sigmoid": _prepare_sigmoid, "linear": _prepare_linear}


def take_examples(y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Select the examples ``idx`` of prepared targets (labels ``(m,)`` or columns ``(K, m)``)."""
    if not isinstance(y, np.ndarray) or y.ndim not in (1, 2):
        raise TypeError("y must be prepared targets: an array of labels (m,) or columns (K, m)")
    if not isinstance(idx, np.ndarray) or idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise TypeError("idx must be a 1-D integer array of example indices")
    m = y.shape[-1]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= m):
        raise ValueError(f"idx must hold example indices in [0, {m}), got {idx.min()}..{idx.max()}")
    return y[idx] if y.ndim == 1 else y[:, idx]


# --------------------------------------------------------------------------- kernels
# No validation below: the kernels may see non-finite values during a diverging
# training run (the trainer silences floating-point warnings around them).


# Tiny values (exp(-|z|) for large |z|, their squares and ratios) underflow harmlessly to 0;
# that is silenced locally, so even np.errstate(all="raise") raises nothing for finite z.
_F = TypeVar("_F", bound=Callable[..., Any])


def _quiet_underflow(fn: _F) -> _F:
    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        with np.errstate(under="ignore"):
            return fn(*args)

    return wrapper  # type: ignore[return-value]


def _finite_loss(
    kernel: LossFn, z: np.ndarray, y: np.ndarray, name: str = "z"
) -> tuple[float, np.ndarray]:
    """Run a loss kernel on checked inputs; a loss beyond the float range is an error.

    Finite logits can still give a loss (or gradient) that no float holds, e.g. the squared
    error of ``z = 1e200``: that is reported as a ValueError naming ``name``, never returned
    as inf with an overflow warning.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        loss, dz = kernel(z, y)
    if not (math.isfinite(loss) and np.all(np.isfinite(dz))):
        raise NonFiniteError(
            f"{name} is too large: the loss overflows {z.dtype} (largest |{name}| = "
            f"{float(np.max(np.abs(z))):.3g}); scale the inputs or weights down"
        )
    return loss, dz


@_quiet_underflow
def _softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # z - max = -inf for far-apart logits: exp gives 0
        e = np.exp(z - z.max(axis=0, keepdims=True))
    e /= e.sum(axis=0, keepdims=True)
    return e


@_quiet_underflow
def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    p = 1.0 / (1.0 + e)  # sigmoid(|z|)
    return np.where(z >= 0, p, e * p)  # sigmoid(-|z|) = e / (1 + e)


@_quiet_underflow
def _softmax_ce(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    m = z.shape[1]
    s = z - z.max(axis=0, keepdims=True)  # <= 0, max entry 0 per column
    p = np.exp(s)
    total = p.sum(axis=0, keepdims=True)  # in [1, K]: log is safe
    log_total = np.log(total)
    p /= total
    if y.ndim == 1:
        cols = np.arange(m)
        loss = float((log_total[0] - s[y, cols]).sum() / m)  # the mean (np.mean: 20x slower)
        p[y, cols] -= 1.0
    else:
        loss = float(-np.sum(y * (s - log_total)) / m)
        p -= y
    p /= m
    return loss, p


@_quiet_underflow
def _binary_ce(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    m = z.shape[1]
    e = np.exp(-np.abs(z))
    loss = float((np.maximum(z, 0) - z * y + np.log1p(e)).sum() / m)
    p = 1.0 / (1.0 + e)
    dz = np.where(z >= 0, p, e * p)  # sigmoid(z)
    dz -= y
    dz /= m
    return loss, dz


@_quiet_underflow
def _mse(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    m = z.shape[1]
    dz = z - y
    loss = float(0.5 * np.sum(dz * dz) / m)
    dz /= m
    return loss, dz


_KERNELS: dict[str, LossFn] = {"softmax": _softmax_ce, "sigmoid": _binary_ce, "linear": _mse}
_ACTIVATE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "softmax": _softmax,
    "sigmoid": _sigmoid,
    "linear": lambda z: z,
}


@dataclass(frozen=True)
class FusedLoss:
    """An output nonlinearity fused with its loss, without validation: the fast path.

    :class:`~course_utils.mlp.MLP` validates its inputs once (with :attr:`prepare_targets`)
    and then calls :attr:`activate` in every forward pass and :attr:`loss_and_grad` in
    every backward pass; :class:`~course_utils.training.Trainer` does the same for every
    step. The public losses below validate on every call instead.

    Attributes
    ----------
    output : {"softmax", "sigmoid", "linear"}
    activate : callable ``z -> output``
        Softmax over columns, element-wise sigmoid or identity; finite or not, no checks.
    loss_and_grad : callable ``(z, y) -> (loss, dz)``
        Mean loss and ``dz = (output - y) / m`` for targets made by :attr:`prepare_targets`.
    """

    output: str
    activate: Callable[[np.ndarray], np.ndarray]
    loss_and_grad: LossFn

    def prepare_targets(self, y: object, k: int, m: int, dtype: object) -> np.ndarray:
        """Validate ``y`` for ``K = k`` outputs and ``m`` examples, in the kernels' form.

        Softmax: int labels ``(m,)`` (dtype intp) or float ``(K, m)``; sigmoid and linear:
        float ``(K, m)`` in ``dtype``. Raises ``TypeError`` / ``ValueError`` naming ``y``.
        """
        k = check_int(k, "k", minimum=1, maximum=MAX_ELEMENTS)
        m = check_int(m, "m", minimum=1, maximum=MAX_ELEMENTS)
        return _PREPARE[self.output](y, k, m, check_dtype(dtype))


def fused(output: str) -> FusedLoss:
    """The :class:`FusedLoss` of an output type (``"softmax"``, ``"sigmoid"``, ``"linear"``)."""
    check_choice(output, "output", OUTPUTS)
    return FusedLoss(output, _ACTIVATE[output], _KERNELS[output])


# --------------------------------------------------------------------------- public API


def softmax_cross_entropy(z: object, y: object) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy from logits, averaged over examples.

    ``loss = mean_i [logsumexp(z[:, i]) - z[y_i, i]]`` and
    ``dz = (softmax(z) - onehot(y)) / m``, computed with the log-sum-exp shift so that
    logits of any finite size are safe.

    Parameters
    ----------
    z : array_like, shape (K, m)
        Logits: one column per example.
    y : array_like, shape (m,) or (K, m)
        Integer class labels in ``[0, K)`` (integer-valued floats are accepted), or
        one-hot columns (probability columns, i.e. soft targets, also work).

    Returns
    -------
    loss : float
        Mean cross-entropy in nats (``log K`` for uniform logits).
    dz : ndarray, shape (K, m)
        Gradient of ``loss`` with respect to ``z``, in the dtype of ``z``.

    Raises
    ------
    ValueError
        If ``z`` is not a finite 2-D array, or ``y`` has the wrong shape, non-integer
        labels or labels outside ``[0, K)``.
    """
    z = _check_z(z)
    k, m = z.shape
    return _finite_loss(_softmax_ce, z, _prepare_softmax(y, k, m, z.dtype))


def binary_cross_entropy(z: object, y: object) -> tuple[float, np.ndarray]:
    """Binary cross-entropy from logits (sigmoid fused in), averaged over examples.

    ``loss = mean(max(z, 0) - z * y + log1p(exp(-|z|)))`` (stable for any finite ``z``)
    and ``dz = (sigmoid(z) - y) / m``.

    Parameters
    ----------
    z : array_like, shape (1, m)
        Logits of the positive class.
    y : array_like, shape (m,) or (1, m)
        Labels, each 0 or 1 (bool accepted).

    Returns
    -------
    loss : float
        Mean binary cross-entropy in nats (``log 2`` at ``z = 0``).
    dz : ndarray, shape (1, m)
        Gradient with respect to ``z``, in the dtype of ``z``.

    Raises
    ------
    ValueError
        If ``z`` does not have exactly one row, ``y`` has the wrong shape or contains
        values other than 0 and 1.
    """
    z = _check_z(z)
    k, m = z.shape
    return _finite_loss(_binary_ce, z, _prepare_sigmoid(y, k, m, z.dtype))


def mean_squared_error(z: object, y: object) -> tuple[float, np.ndarray]:
    """Half squared error summed over outputs and averaged over examples.

    ``loss = (1 / m) * sum_i 0.5 * ||z[:, i] - y[:, i]||^2`` and ``dz = (z - y) / m``.

    Parameters
    ----------
    z : array_like, shape (K, m)
        Network outputs (linear output layer).
    y : array_like, shape (K, m), or (m,) when ``K == 1``
        Real-valued targets.

    Returns
    -------
    loss : float
    dz : ndarray, shape (K, m)
        Gradient with respect to ``z``, in the dtype of ``z``.

    Raises
    ------
    ValueError
        If the shapes of ``z`` and ``y`` do not match or either is not finite.
    """
    z = _check_z(z)
    k, m = z.shape
    return _finite_loss(_mse, z, _prepare_linear(y, k, m, z.dtype))


def get(output: str) -> LossFn:
    """Return the loss that matches an output type.

    Parameters
    ----------
    output : {"softmax", "sigmoid", "linear"}

    Returns
    -------
    callable
        :func:`softmax_cross_entropy`, :func:`binary_cross_entropy` or
        :func:`mean_squared_error`.
    """
    check_choice(output, "output", OUTPUTS)
    return {
        "softmax": softmax_cross_entropy,
        "sigmoid": binary_cross_entropy,
        "linear": mean_squared_error,
    }[output]


def output_activation(output: str, z: object) -> np.ndarray:
    """Apply the output nonlinearity of an output type to logits ``z``.

    Parameters
    ----------
    output : {"softmax", "sigmoid", "linear"}
        ``"softmax"``: column-wise softmax (probabilities, columns sum to 1);
        ``"sigmoid"``: element-wise logistic sigmoid; ``"linear"``: identity (a copy).
    z : array_like, shape (K, m)
        Logits; stable for any finite values.

    Returns
    -------
    ndarray, shape (K, m)
        A new array in the dtype of ``z``.
    """
    check_choice(output, "output", OUTPUTS)
    z = _check_z(z)
    if output == "linear":
        return z.copy()
    return _ACTIVATE[output](z)
