"""A small fully connected network (multi-layer perceptron) in plain numpy.

Conventions: examples are columns. Layer ``l`` (``l = 1 .. L``) computes
``z[l] = W[l] @ a[l-1] + b[l]`` with ``W[l]`` of shape ``(n_l, n_{l-1})`` and ``b[l]`` of
shape ``(n_l, 1)``, then ``a[l] = g(z[l])`` for hidden layers and the output
nonlinearity (softmax, sigmoid or identity) for the last layer. In the Python lists
the layers are indexed from 0: ``weights[0]`` is ``W1``.

>>> import numpy as np
>>> net = MLP([2, 16, 3], hidden="tanh", output="softmax", rng=0)
>>> x = np.random.default_rng(1).standard_normal((2, 5))   # 5 examples in columns
>>> cache = net.forward(x)
>>> grads = net.backward(cache, [0, 1, 2, 0, 1])            # int labels, shape (m,)
>>> grads.dW[0].shape
(16, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from course_utils import activations as _activations
from course_utils import initializers as _initializers
from course_utils import losses as _losses
from course_utils._validation import (
    NonFiniteError,
    RngLike,
    check_activation,
    check_array,
    check_choice,
    check_dtype,
    check_float,
    check_initializer_name,
    check_int,
    check_rng,
    check_sizes,
)

__all__ = ["MLP", "ForwardCache", "Gradients", "TrainableModel", "gradient_check"]

InitFn = Callable[[tuple[int, int], np.random.Generator], np.ndarray]


@dataclass(eq=False)
class ForwardCache:
    """Intermediate values of a forward pass (kept for the backward pass).

    Attributes
    ----------
    z : list of ndarray
        Pre-activations, one per weight layer: ``z[l]`` has shape ``(sizes[l+1], m)``.
    a : list of ndarray
        Activations, ``n_layers + 1`` entries: ``a[0]`` is the input ``x`` (cast to the
        model dtype), ``a[l] = g(z[l-1])`` for hidden layers and ``a[-1]`` is the output
        (probabilities for softmax/sigmoid, values for linear).
    output : ndarray
        Same object as ``a[-1]``.
    """

    z: list[np.ndarray]
    a: list[np.ndarray]
    output: np.ndarray


@dataclass(eq=False)
class Gradients:
    """Gradients of the mean loss from a backward pass.

    Attributes
    ----------
    dz : list of ndarray
        ``dz[l] = dL/dz[l]``, one per weight layer (same shapes as ``ForwardCache.z``).
    da : list of ndarray
        ``da[l] = dL/da[l]``: gradient with respect to the INPUT activation of weight
        layer ``l``, so ``da[0]`` is the gradient with respect to the input ``x``
        (useful for gradient-flow plots). One per weight layer (``n_layers`` entries,
        shapes of ``ForwardCache.a[:-1]``); the output ``a[-1]`` has no entry because
        each loss is fused with its output nonlinearity.
    dW, db : list of ndarray
        Parameter gradients, same shapes as ``MLP.weights`` and ``MLP.biases``.
    loss : float
        The mean loss of the batch.
    """

    dz: list[np.ndarray]
    da: list[np.ndarray]
    dW: list[np.ndarray]
    db: list[np.ndarray]
    loss: float


class TrainableModel(Protocol):
    """The package's internal interface between a network and its trainer.

    :class:`MLP` provides it; :class:`~course_utils.training.Trainer` and
    :func:`gradient_check` use it. The public ``forward`` / ``backward`` validate their
    arguments on every call; a trainer validates the data once, with :meth:`_check_x` and
    :meth:`_prepare_y`, and then runs :meth:`_forward` and :meth:`_backward` on minibatches
    of it at every step, without further checks. The names start with an underscore
    because a learner never needs them: they are the fast path, not the lesson. The loss
    side of that path is :class:`course_utils.losses.FusedLoss`.
    """

    sizes: list[int]
    n_layers: int
    output: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[_activations.Activation]

    def _check_x(self, x: object) -> np.ndarray:
        """``x`` validated and cast: shape ``(sizes[0], m)``, the model's dtype."""
        ...

    def _prepare_y(self, y: object, m: int) -> np.ndarray:
        """Targets ``y`` of ``m`` examples validated, in the form the loss kernel expects."""
        ...

    def _forward(self, x: np.ndarray) -> ForwardCache:
        """Forward pass on an ``x`` from :meth:`_check_x` (no validation)."""
        ...

    def _backward(
        self, cache: ForwardCache, y: np.ndarray, *, input_grad: bool = True
    ) -> Gradients:
        """Backward pass with targets from :meth:`_prepare_y` (no validation)."""
        ...


def _check_hidden(hidden: object, n_hidden: int) -> list[_activations.Activation]:
    if isinstance(hidden, (str, _activations.Activation)):
        return [check_activation(hidden, "hidden")] * n_hidden
    if not isinstance(hidden, Sequence):
        raise TypeError(
            f"hidden must be an activation name or a list of {n_hidden} names, "
            f"got {type(hidden).__name__}"
        )
    if len(hidden) != n_hidden:
        raise ValueError(
            f"hidden must have one activation per hidden layer ({n_hidden}), got {len(hidden)}"
        )
    return [check_activation(h, f"hidden[{i}]") for i, h in enumerate(hidden)]


def _check_output(output: object, n_out: int) -> str:
    check_choice(output, "output", _losses.OUTPUTS)
    if output == "sigmoid" and n_out != 1:
        raise ValueError(
            f"output='sigmoid' needs a single output unit (sizes[-1] == 1), got sizes[-1]={n_out}"
        )
    return output  # type: ignore[return-value]


def _layer_initializers(
    init: object, init_kwargs: object, n_layers: int, dtype: np.dtype
) -> list[InitFn]:
    """One ``f(shape, rng) -> ndarray`` per weight layer from the three forms of ``init``.

    An initializer name (with its ``init_kwargs``, drawn in ``dtype``), one callable for
    every layer, or a list of ``n_layers`` callables.
    """
    if init_kwargs is not None and not isinstance(init_kwargs, dict):
        raise TypeError(f"init_kwargs must be a dict or None, got {type(init_kwargs).__name__}")
    if isinstance(init, str):
        fn = _initializers.get(check_initializer_name(init, "init"))
        kwargs = dict(init_kwargs or {})

        def named(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
            try:
                return fn(shape, **kwargs, rng=rng, dtype=dtype)
            except TypeError as exc:
                raise TypeError(
                    f"init_kwargs {kwargs} do not fit initializer {init!r}: {exc}"
                ) from exc

        return [named] * n_layers
    if init_kwargs:
        raise ValueError("init_kwargs only apply when init is an initializer name")
    if callable(init):
        return [init] * n_layers  # type: ignore[list-item]
    if not isinstance(init, Sequence):
        raise TypeError(
            f"init must be an initializer name, a callable or a list of callables, "
            f"got {type(init).__name__}"
        )
    fns = list(init)
    if len(fns) != n_layers:
        raise ValueError(
            f"init must have one callable per weight layer ({n_layers}), got {len(fns)}"
        )
    for i, f in enumerate(fns):
        if not callable(f):
            raise TypeError(f"init[{i}] must be callable, got {type(f).__name__}")
    return fns


class _Network:
    """What :class:`MLP` and :class:`~course_utils.blocknet.BlockNet` share: input and target
    checks, an overflow-checked forward pass, predictions and accuracy.

    A subclass sets ``sizes``, ``dtype``, ``output``, ``weights`` and ``_fused`` and defines
    ``_forward(x, **options)`` and ``forward(x, ...)``.
    """

    sizes: list[int]
    dtype: np.dtype
    output: str
    weights: list[np.ndarray]
    _fused: _losses.FusedLoss

    def _check_x(self, x: object) -> np.ndarray:
        arr = check_array(x, "x", ndim=2, dtype=self.dtype)
        if arr.shape[0] != self.sizes[0] or arr.shape[1] < 1:
            raise ValueError(
                f"x must have shape ({self.sizes[0]}, m) with m >= 1 (examples in columns), "
                f"got {arr.shape}"
            )
        return arr

    def _prepare_y(self, y: object, m: int) -> np.ndarray:
        return self._fused.prepare_targets(y, self.sizes[-1], m, self.dtype)

    def _forward_finite(self, x: np.ndarray, **options: object):  # noqa: ANN202 - the cache
        """Forward pass of checked ``x``; an overflow is reported as a ValueError naming x."""
        with np.errstate(over="ignore", invalid="ignore"):
            cache = self._forward(x, **options)
        if not all(np.all(np.isfinite(z)) for z in cache.z):
            big_w = max(float(np.max(np.abs(w))) for w in self.weights)
            raise NonFiniteError(
                f"x is too large for this network: the forward pass overflows {self.dtype} "
                f"(largest |x| = {float(np.max(np.abs(x))):.3g}, largest |W| = {big_w:.3g})"
            )
        return cache

    def _finite_loss(self, x: np.ndarray, y: np.ndarray, **options: object) -> float:
        """Mean loss of checked ``(x, y)``; an overflow is reported as a ValueError naming x."""
        out = self._forward_finite(x, **options).z[-1]
        return _losses._finite_loss(self._fused.loss_and_grad, out, y, "x")[0]

    def predict(self, x: object) -> np.ndarray:
        """Predictions: class labels ``(m,)`` for softmax (argmax) and sigmoid (p > 0.5),
        output values ``(K, m)`` for a linear output (evaluation mode)."""
        out = self.forward(x).output
        if self.output == "softmax":
            return out.argmax(axis=0)
        if self.output == "sigmoid":
            return (out[0] > 0.5).astype(np.intp)
        return out

    def accuracy(self, x: object, y: object) -> float:
        """Fraction of correctly classified examples (softmax and sigmoid outputs).

        ``y`` is given as for the loss (labels, or one-hot columns for softmax).
        """
        if self.output == "linear":
            raise ValueError("accuracy needs a classification output ('softmax' or 'sigmoid')")
        x = self._check_x(x)
        y = self._prepare_y(y, x.shape[1])
        if y.ndim == 2:
            y = y.argmax(axis=0) if self.output == "softmax" else y[0]
        return float(np.mean(self.predict(x) == y))


class MLP(_Network):
    """Fully connected network with a chosen initialization.

    Parameters
    ----------
    sizes : list of int
        Layer widths, input first, e.g. ``[784, 300, 10]`` (at least 2 entries).
    hidden : str or list
        Hidden activation: a name from ``activations.names()`` (or an ``Activation``),
        or a list with one per hidden layer (``len(sizes) - 2`` entries).
    output : {"softmax", "sigmoid", "linear"}
        Output nonlinearity; it fixes the loss (softmax cross-entropy, binary
        cross-entropy from logits, mean squared error). ``"sigmoid"`` needs
        ``sizes[-1] == 1``.
    init : str, callable or list of callables
        An initializer name from ``initializers.names()``, called as
        ``fn((n_out, n_in), **init_kwargs, rng=rng, dtype=dtype)`` for every layer; or
        a list with one callable ``f(shape, rng) -> ndarray`` per weight layer (a single
        callable is used for all layers). Biases start at zero.
    init_kwargs : dict, optional
        Extra keyword arguments of a named initializer, e.g. ``{"gain": 5 / 3}``.
    rng : numpy.random.Generator, int or None
        Randomness for the initialization (layers are drawn in order).
    dtype : float32 or float64
        Dtype of the parameters and of every forward/backward array.

    Attributes
    ----------
    sizes : list of int
    weights : list of ndarray, ``weights[l]`` of shape ``(sizes[l+1], sizes[l])``
    biases : list of ndarray, ``biases[l]`` of shape ``(sizes[l+1], 1)``
    activations : list of Activation, one per hidden layer
    output : str
    n_layers : int, number of weight layers (``len(sizes) - 1``)
    dtype : numpy.dtype
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str | Sequence[str] | _activations.Activation = "tanh",
        output: str = "softmax",
        init: str | InitFn | Sequence[InitFn] = "xavier_normal",
        *,
        init_kwargs: dict | None = None,
        rng: RngLike = None,
        dtype: type | np.dtype | str = np.float64,
    ) -> None:
        self._configure(sizes, hidden, output, dtype)
        rng = check_rng(rng)
        draw = _layer_initializers(init, init_kwargs, self.n_layers, self.dtype)
        self.init = init
        # W[l] ~ init, b[l] = 0
        self.weights = [
            self._check_param(f(shape, rng), shape, f"the weights made by init for layer {l + 1}")
            for l, (f, shape) in enumerate(zip(draw, self.shapes, strict=True))  # noqa: E741
        ]
        self.biases = [np.zeros((n, 1), dtype=self.dtype) for n in self.sizes[1:]]

    # ------------------------------------------------------------------ construction

    def _configure(self, sizes: object, hidden: object, output: object, dtype: object) -> None:
        self.sizes = check_sizes(sizes)
        self.n_layers = len(self.sizes) - 1
        self.output = _check_output(output, self.sizes[-1])
        self.activations = _check_hidden(hidden, self.n_layers - 1)
        self.dtype = check_dtype(dtype)
        self._fused = _losses.fused(self.output)

    def _check_param(self, p: object, shape: tuple[int, int], name: str) -> np.ndarray:
        arr = check_array(p, name)
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
        return np.array(arr, dtype=self.dtype, copy=True)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[object],
        biases: Sequence[object] | None = None,
        hidden: str | Sequence[str] | _activations.Activation = "tanh",
        output: str = "softmax",
        *,
        dtype: type | np.dtype | str = np.float64,
    ) -> MLP:
        """Build a network from given weight matrices (copied).

        Parameters
        ----------
        weights : list of array_like
            ``weights[l]`` of shape ``(n_{l+1}, n_l)``; consecutive shapes must chain.
        biases : list of array_like, optional
            ``biases[l]`` of shape ``(n_{l+1}, 1)`` (or ``(n_{l+1},)``); zeros if omitted.
        hidden, output, dtype
            As in :class:`MLP`.

        Examples
        --------
        A 10-layer deep linear network with ``W = 1.5 I``:

        >>> net = MLP.from_weights([1.5 * np.eye(4)] * 10, hidden="identity", output="linear")
        >>> float(net.forward(np.ones((4, 1))).output[0, 0]) == 1.5**10
        True
        """
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
            raise TypeError("weights must be a non-empty list of 2-D arrays")
        ws = [check_array(w, f"weights[{i}]", ndim=2) for i, w in enumerate(weights)]
        for i in range(1, len(ws)):
            if ws[i].shape[1] != ws[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] has {ws[i].shape[1]} columns but weights[{i - 1}] has "
                    f"{ws[i - 1].shape[0]} rows; shapes must chain as (n_out, n_in)"
                )
        sizes = [ws[0].shape[1]] + [w.shape[0] for w in ws]
        net = cls.__new__(cls)
        net._configure(sizes, hidden, output, dtype)
        net.init = None
        shapes = net.shapes
        net.weights = [
            net._check_param(w, s, f"weights[{i}]")
            for i, (w, s) in enumerate(zip(ws, shapes, strict=True))
        ]
        if biases is None:
            net.biases = [np.zeros((n, 1), dtype=net.dtype) for n in net.sizes[1:]]
        else:
            if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence):
                raise TypeError("biases must be a list of arrays or None")
            if len(biases) != len(ws):
                raise ValueError(f"biases must have {len(ws)} entries, got {len(biases)}")
            net.biases = []
            for i, (b, n) in enumerate(zip(biases, net.sizes[1:], strict=True)):
                arr = check_array(b, f"biases[{i}]")
                if arr.shape == (n,):
                    arr = arr.reshape(n, 1)
                net.biases.append(net._check_param(arr, (n, 1), f"biases[{i}]"))
        return net

    # ------------------------------------------------------------------ properties

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Weight shapes ``(n_out, n_in)`` per layer."""
        return [(n_out, n_in) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)]

    @property
    def param_names(self) -> list[str]:
        """``["W1", "b1", "W2", "b2", ...]``, the order of :meth:`get_params`."""
        return [f"{p}{l}" for l in range(1, self.n_layers + 1) for p in ("W", "b")]  # noqa: E741

    @property
    def n_params(self) -> int:
        """Total number of trainable scalars."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    def __repr__(self) -> str:
        hidden = [a.name for a in self.activations]
        return (
            f"MLP(sizes={self.sizes}, hidden={hidden}, output={self.output!r}, "
            f"dtype={self.dtype.name})"
        )

    # ------------------------------------------------------------------ validation

    # ------------------------------------------------------------------ passes

    def _forward(self, x: np.ndarray) -> ForwardCache:
        """Forward pass without validation (``x`` already checked and cast)."""
        zs: list[np.ndarray] = []
        acts = [x]
        a = x
        last = self.n_layers - 1
        dtype = self.dtype
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):  # noqa: E741
            z = w @ a
            z += b
            zs.append(z)
            a = self.activations[l]._apply(z) if l < last else self._fused.activate(z)
            if a.dtype != dtype:
                a = a.astype(dtype)
            acts.append(a)
        return ForwardCache(z=zs, a=acts, output=a)

    def _backward(
        self, cache: ForwardCache, y: np.ndarray, *, input_grad: bool = True
    ) -> Gradients:
        """Backward pass with prepared targets; ``da[0]`` is None if not ``input_grad``."""
        n = self.n_layers
        loss, dz = self._fused.loss_and_grad(cache.z[-1], y)
        dzs: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        das: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        dws: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        dbs: list[np.ndarray] = [None] * n  # type: ignore[list-item]
        for l in range(n - 1, -1, -1):  # noqa: E741
            dzs[l] = dz
            dws[l] = dz @ cache.a[l].T
            dbs[l] = dz.sum(axis=1, keepdims=True)
            if l > 0 or input_grad:
                das[l] = self.weights[l].T @ dz
            if l > 0:  # dz[l-1] = da[l] * g'(z[l-1]), g' taken from the cached a[l] = g(z[l-1])
                dz = das[l] * self.activations[l - 1]._slope(cache.z[l - 1], cache.a[l])
                if dz.dtype != self.dtype:
                    dz = dz.astype(self.dtype)
        return Gradients(dz=dzs, da=das, dW=dws, db=dbs, loss=loss)

    def forward(self, x: object) -> ForwardCache:
        """Run the network on ``x`` (shape ``(sizes[0], m)``, cast to the model dtype).

        Returns
        -------
        ForwardCache
            Pre-activations ``z``, activations ``a`` (``a[0]`` is ``x``) and ``output``.
        """
        return self._forward_finite(self._check_x(x))

    def backward(self, cache: ForwardCache, y: object) -> Gradients:
        """Back-propagate the mean loss of the batch in ``cache`` with targets ``y``.

        Parameters
        ----------
        cache : ForwardCache
            From :meth:`forward` on the same network.
        y : array_like
            Targets in the format of the output's loss (see :mod:`course_utils.losses`).

        Returns
        -------
        Gradients
            ``dz``, ``da`` (including ``da[0]`` with respect to the input), ``dW``,
            ``db`` and ``loss``.
        """
        if not isinstance(cache, ForwardCache):
            raise TypeError(f"cache must be a ForwardCache, got {type(cache).__name__}")
        if len(cache.z) != self.n_layers or cache.z[-1].shape[0] != self.sizes[-1]:
            raise ValueError("cache does not come from a forward pass of this network")
        return self._backward(cache, self._prepare_y(y, cache.z[-1].shape[1]))

    def loss(self, x: object, y: object) -> float:
        """Mean loss of the network on ``(x, y)``."""
        x = self._check_x(x)
        return self._finite_loss(x, self._prepare_y(y, x.shape[1]))

    # ------------------------------------------------------------------ parameters

    def copy(self) -> MLP:
        """Deep copy (parameters copied, activations shared: they are immutable)."""
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new.weights = [w.copy() for w in self.weights]
        new.biases = [b.copy() for b in self.biases]
        new.sizes = list(self.sizes)
        new.activations = list(self.activations)
        return new

    def get_params(self) -> list[np.ndarray]:
        """Copies of the parameters in the order ``[W1, b1, W2, b2, ...]``."""
        return [p.copy() for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def set_params(self, params: Sequence[object]) -> None:
        """Replace the parameters (copied) from a list ordered as :meth:`get_params`."""
        if isinstance(params, np.ndarray) or not isinstance(params, Sequence):
            raise TypeError("params must be a list [W1, b1, W2, b2, ...]")
        if len(params) != 2 * self.n_layers:
            raise ValueError(f"params must have {2 * self.n_layers} entries, got {len(params)}")
        names = self.param_names
        new = []
        for i, p in enumerate(params):
            layer = i // 2
            shape = self.shapes[layer] if i % 2 == 0 else (self.sizes[layer + 1], 1)
            new.append(self._check_param(p, shape, f"params[{i}] ({names[i]})"))
        self.weights = new[0::2]
        self.biases = new[1::2]


def gradient_check(
    model: MLP,
    x: object,
    y: object,
    eps: float = 1e-6,
    *,
    max_entries: int | None = None,
    rng: RngLike = 0,
) -> dict[str, float]:
    """Compare back-propagated gradients with central finite differences.

    For every parameter entry ``p`` (or ``max_entries`` entries per parameter, drawn
    without replacement with ``rng``), the numerical gradient is
    ``(L(p + eps) - L(p - eps)) / (2 eps)``. The error of a parameter array is
    ``max|a - n| / max(max|a| + max|n|, tiny)`` with ``a`` the analytic and ``n`` the
    numerical gradients over the checked entries: a relative error scaled by the
    largest gradient, which ignores the unavoidable round-off on entries whose
    gradient is (nearly) zero. Expect values below ``1e-7`` in float64 (float32
    models give about ``1e-2``; check in float64). ReLU-like kinks within ``eps``
    of a pre-activation can spoil a check.

    The model is left unchanged (entries are restored exactly).

    Parameters
    ----------
    model : MLP
    x, y : array_like
        A (small) batch and its targets.
    eps : float
        Finite-difference step, > 0.
    max_entries : int, optional
        Check at most this many entries per parameter array (all by default).
    rng : numpy.random.Generator, int or None
        Picks the sampled entries when ``max_entries`` is set.

    Returns
    -------
    dict
        ``{"W1": err, "b1": err, "W2": ...}``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    eps = check_float(eps, "eps", minimum=0.0, strict_min=True, maximum=1.0)
    if max_entries is not None:
        max_entries = check_int(max_entries, "max_entries", minimum=1)
    x = model._check_x(x)
    y = model._prepare_y(y, x.shape[1])
    grads = model._backward(model._forward_finite(x), y, input_grad=False)

    def loss() -> float:
        return model._finite_loss(x, y)

    params = [p for pair in zip(model.weights, model.biases, strict=True) for p in pair]
    analytic = [g for pair in zip(grads.dW, grads.db, strict=True) for g in pair]
    return _compare_gradients(
        loss, model.param_names, params, analytic, eps, max_entries=max_entries, rng=rng
    )


def _compare_gradients(
    loss: Callable[[], float],
    names: Sequence[str],
    params: Sequence[np.ndarray],
    analytic: Sequence[np.ndarray],
    eps: float,
    *,
    max_entries: int | None,
    rng: RngLike,
) -> dict[str, float]:
    """The finite-difference comparison of :func:`gradient_check` for any model: ``loss()``
    evaluates the model whose parameter arrays ``params`` are perturbed in place."""
    gen = check_rng(rng)
    tiny = np.finfo(np.float64).tiny
    result: dict[str, float] = {}
    for name, p, g in zip(names, params, analytic, strict=True):
        if max_entries is None or max_entries >= p.size:
            idx = np.arange(p.size)
        else:
            idx = np.sort(gen.choice(p.size, size=max_entries, replace=False))
        num = np.empty(idx.size)
        for j, i in enumerate(idx):
            pos = np.unravel_index(i, p.shape)
            orig = p[pos]
            try:
                p[pos] = orig + eps
                plus = loss()
                p[pos] = orig - eps
                minus = loss()
            finally:  # the model is left as it was, even if a loss raises
                p[pos] = orig
            num[j] = (plus - minus) / (2.0 * eps)
        ana = g.reshape(-1)[idx].astype(np.float64)
        denom = max(float(np.max(np.abs(ana)) + np.max(np.abs(num))), tiny)
        result[name] = float(np.max(np.abs(ana - num)) / denom)
    return result
