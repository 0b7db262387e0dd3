"""A network of blocks: dense layers with optional normalization, and residual blocks.

:class:`~course_utils.mlp.MLP` is the plain stack of the course. :class:`BlockNet` adds the
two ingredients of modern deep networks, built from two kinds of block (examples are
columns, ``W`` has shape ``(n_out, n_in)``, as everywhere in the course):

- :class:`Dense`, one weight layer: ``z = N(W a + b)``, ``a_out = g(z)``, where ``N`` is an
  optional :class:`~course_utils.layers.BatchNorm` or :class:`~course_utils.layers.LayerNorm`
  (its shift ``beta`` then replaces the bias ``b``, which the normalization would cancel).
- :class:`Residual`, two weight layers on a skip connection:
  ``x_out = x + alpha * F(x)`` with the branch ``F(x) = W2 g(W1 N(x) + b1) + b2`` (``N``
  optional: the *pre-norm* layout of transformers) and ``alpha`` a fixed number or a
  trainable scalar.

The last block is a :class:`Dense` without activation and normalization whose output goes
through the output nonlinearity (softmax, sigmoid or identity), fused with the loss as in
the MLP. :func:`plain_net` and :func:`residual_net` build the common layouts.

A BlockNet has the MLP's internal interface (``_check_x``, ``_prepare_y``, ``_forward``,
``_backward``, ``weights``, ``biases``, ``activations``, ``n_layers``), so
:class:`~course_utils.training.Trainer` trains it and records its per-layer statistics.
*Layer* ``l`` means weight layer ``l``: ``weights`` lists the weight matrices in order
(two per residual block), ``biases`` every other trainable array (biases, the ``gamma`` and
``beta`` of the normalizations, trainable ``alpha``), each of shape ``(n, 1)``. In the
forward cache, ``z[l]`` is the input of weight layer ``l``'s activation (after the
normalization, if any; for the second layer of a residual block the branch output
``W2 h + b2``) and ``a[l + 1]`` its output (for the second layer of a residual block: the
stream ``x + alpha F(x)``).

BatchNorm makes a network stateful: ``_forward(x, train=True)`` (what the Trainer calls)
normalizes with the batch statistics and updates the running averages; ``forward``,
``loss``, ``predict`` and ``accuracy`` evaluate with ``train=False`` by default (running
averages, no update).

>>> import numpy as np
>>> net = plain_net([4, 8, 8, 3], hidden="tanh", norm="batch", rng=0)
>>> x = np.random.default_rng(1).standard_normal((4, 6))
>>> cache = net._forward(x)                    # training mode: batch statistics
>>> [round(float(z.std()), 3) for z in cache.z[:2]]
[1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from course_utils import activations as _activations
from course_utils import initializers as _initializers
from course_utils import losses as _losses
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    RngLike,
    check_activation,
    check_array,
    check_bool,
    check_choice,
    check_dtype,
    check_float,
    check_initializer_name,
    check_int,
    check_rng,
    check_sizes,
)
from course_utils.layers import BatchNorm, LayerNorm
from course_utils.mlp import (
    ForwardCache,
    Gradients,
    _check_output,
    _compare_gradients,
    _layer_initializers,
    _Network,
)

__all__ = ["NORMS", "BlockNet", "Dense", "Residual", "gradient_check", "plain_net", "residual_net"]

#: Names accepted by ``norm``: no normalization, BatchNorm, LayerNorm.
NORMS: tuple[str | None, ...] = (None, "batch", "layer")

_IDENTITY = _activations.get("identity")


def _make_norm(norm: object, n: int, dtype: np.dtype) -> BatchNorm | LayerNorm | None:
    if norm is not None:
        check_choice(norm, "norm", ["batch", "layer"])
    if norm == "batch":
        return BatchNorm(n, dtype=dtype)
    if norm == "layer":
        return LayerNorm(n, dtype=dtype)
    return None


def _activation(act: object, name: str) -> _activations.Activation | None:
    if act is None or isinstance(act, _activations.Activation):
        return act
    return check_activation(act, name)


def _matrix(w: object, name: str, dtype: np.dtype) -> np.ndarray:
    arr = check_array(w, name, ndim=2)
    return np.array(arr, dtype=dtype, copy=True)


class Dense:
    """One weight layer ``z = N(W a + b)``, ``a_out = g(z)``.

    Parameters
    ----------
    w : array_like, shape (n_out, n_in)
        Initial weights (copied).
    act : str, Activation or None
        The activation ``g``; None for the output layer (identity, no cost).
    norm : {None, "batch", "layer"}
        Normalization of ``W a`` before the activation; with one, the layer has no bias.
    dtype : float32 or float64
    """

    n_weight_layers = 1

    def __init__(
        self, w: object, act: object = None, *, norm: str | None = None, dtype: object = np.float64
    ) -> None:
        dtype = check_dtype(dtype)
        self.w = _matrix(w, "w", dtype)
        self.act = _activation(act, "act")
        self.norm = _make_norm(norm, self.w.shape[0], dtype)
        self.b = np.zeros((self.w.shape[0], 1), dtype=dtype) if self.norm is None else None

    @property
    def n_in(self) -> int:
        return self.w.shape[1]

    @property
    def n_out(self) -> int:
        return self.w.shape[0]

    @property
    def weights(self) -> list[np.ndarray]:
        return [self.w]

    @property
    def vectors(self) -> list[tuple[str, np.ndarray]]:
        """The other trainable arrays, with their names: ``b`` or ``gamma``, ``beta``."""
        if self.norm is None:
            return [("b", self.b)]
        return [("gamma", self.norm.gamma), ("beta", self.norm.beta)]

    @property
    def activations(self) -> list[_activations.Activation]:
        return [self.act or _IDENTITY]

    def _forward(self, a: np.ndarray, train: bool):
        # called by BlockNet with an input it has checked; returns out, z's, a's and the cache
        u = self.w @ a
        if self.norm is None:
            u += self.b
            z, norm_cache = u, None
        else:
            z, norm_cache = self.norm._forward(u, train=train)
        out = z if self.act is None else self.act(z)
        return out, [z], [out], (a, z, norm_cache)

    def _backward(self, dout: np.ndarray, cache: tuple, input_grad: bool = True):
        a, z, norm_cache = cache
        dz = dout if self.act is None else dout * self.act.derivative(z)
        if self.norm is None:
            du, dvec = dz, [dz.sum(axis=1, keepdims=True)]
        else:
            du, dgamma, dbeta = self.norm._backward(dz, norm_cache)
            dvec = [dgamma, dbeta]
        da = self.w.T @ du if input_grad else None
        return da, [dz], [da], [du @ a.T], dvec


class Residual:
    """Residual block ``x_out = x + alpha * (W2 g(W1 N(x) + b1) + b2)``: two weight layers.

    Parameters
    ----------
    w1 : array_like, shape (k, n)
        First weights of the branch (``n`` the stream width, ``k`` the branch width).
    w2 : array_like, shape (n, k)
        Last weights of the branch.
    act : str or Activation
        The activation ``g`` inside the branch.
    norm : {None, "batch", "layer"}
        Pre-normalization of the branch's input (the stream itself is not normalized).
    alpha : float
        Scale of the branch (its initial value if ``train_alpha``).
    train_alpha : bool
        Make ``alpha`` a trainable scalar (ReZero / SkipInit start it at 0).
    dtype : float32 or float64
    """

    n_weight_layers = 2

    def __init__(
        self,
        w1: object,
        w2: object,
        act: object = "relu",
        *,
        norm: str | None = None,
        alpha: float = 1.0,
        train_alpha: bool = False,
        dtype: object = np.float64,
    ) -> None:
        dtype = check_dtype(dtype)
        self.w1 = _matrix(w1, "w1", dtype)
        self.w2 = _matrix(w2, "w2", dtype)
        k, n = self.w1.shape
        if self.w2.shape != (n, k):
            raise ValueError(
                f"w2 must have shape {(n, k)} to match w1 {(k, n)}, got {self.w2.shape}"
            )
        self.act = _activation(act, "act")
        if self.act is None:
            raise TypeError("act must be an activation name or an Activation, got None")
        self.norm = _make_norm(norm, n, dtype)
        self.b1 = np.zeros((k, 1), dtype=dtype)
        self.b2 = np.zeros((n, 1), dtype=dtype)
        if not isinstance(train_alpha, (bool, np.bool_)):
            raise TypeError(f"train_alpha must be a bool, got {type(train_alpha).__name__}")
        self.train_alpha = bool(train_alpha)
        self.alpha = np.full((1, 1), check_float(alpha, "alpha"), dtype=dtype)

    @property
    def n_in(self) -> int:
        return self.w1.shape[1]

    @property
    def n_out(self) -> int:
        return self.w1.shape[1]

    @property
    def weights(self) -> list[np.ndarray]:
        return [self.w1, self.w2]

    @property
    def vectors(self) -> list[tuple[str, np.ndarray]]:
        """``b1``, ``b2``, then ``gamma``, ``beta`` (with a norm) and ``alpha`` (if trained)."""
        out = [("b1", self.b1), ("b2", self.b2)]
        if self.norm is not None:
            out += [("gamma", self.norm.gamma), ("beta", self.norm.beta)]
        if self.train_alpha:
            out.append(("alpha", self.alpha))
        return out

    @property
    def activations(self) -> list[_activations.Activation]:
        return [self.act, _IDENTITY]

    def _forward(self, x: np.ndarray, train: bool):
        # called by BlockNet, as Dense._forward
        if self.norm is None:
            x_in, norm_cache = x, None
        else:
            x_in, norm_cache = self.norm._forward(x, train=train)
        z1 = self.w1 @ x_in
        z1 += self.b1
        h = self.act(z1)
        z2 = self.w2 @ h
        z2 += self.b2
        out = x + self.alpha * z2
        return out, [z1, z2], [h, out], (x_in, z1, h, z2, norm_cache)

    def _backward(self, dout: np.ndarray, cache: tuple, input_grad: bool = True):
        x_in, z1, h, z2, norm_cache = cache
        dz2 = self.alpha * dout
        dh = self.w2.T @ dz2
        dz1 = dh * self.act.derivative(z1)
        dx_in = self.w1.T @ dz1
        dvec = [dz1.sum(axis=1, keepdims=True), dz2.sum(axis=1, keepdims=True)]
        if self.norm is None:
            dx_branch = dx_in
        else:
            dx_branch, dgamma, dbeta = self.norm._backward(dx_in, norm_cache)
            dvec += [dgamma, dbeta]
        if self.train_alpha:
            dvec.append(np.sum(dout * z2, keepdims=True).reshape(1, 1))
        dw = [dz1 @ x_in.T, dz2 @ h.T]
        return dout + dx_branch, [dz1, dz2], [dx_in, dh], dw, dvec


@dataclass(eq=False)
class BlockCache(ForwardCache):
    """:class:`~course_utils.mlp.ForwardCache` plus what the blocks' backward passes need.

    Attributes
    ----------
    z, a, output
        As in ForwardCache, per weight layer (see the module docstring).
    blocks : list
        One backward cache per block.
    train : bool
        Whether the pass used batch statistics.
    """

    blocks: list
    train: bool


class BlockNet(_Network):
    """A network of :class:`Dense` and :class:`Residual` blocks.

    Parameters
    ----------
    blocks : list of Dense and Residual
        In order; widths must chain; the last is a :class:`Dense` with ``act=None`` and no
        normalization (the output layer). All blocks share one dtype.
    output : {"softmax", "sigmoid", "linear"}
        Output nonlinearity and loss, as in :class:`~course_utils.mlp.MLP`.

    Attributes
    ----------
    blocks, output, dtype
    n_layers : int
        Number of weight layers.
    sizes : list of int
        Input width, then the output width of every weight layer.
    """

    def __init__(self, blocks: Sequence[Dense | Residual], output: str = "softmax") -> None:
        if isinstance(blocks, (str, bytes, np.ndarray)) or not isinstance(blocks, Sequence):
            raise TypeError("blocks must be a list of Dense and Residual blocks")
        blocks = list(blocks)
        if not blocks:
            raise ValueError("blocks must contain at least the output Dense block")
        for i, b in enumerate(blocks):
            if not isinstance(b, (Dense, Residual)):
                raise TypeError(f"blocks[{i}] must be a Dense or Residual, got {type(b).__name__}")
        last = blocks[-1]
        if not isinstance(last, Dense) or last.act is not None or last.norm is not None:
            raise ValueError("the last block must be a Dense with act=None and norm=None")
        for i in range(1, len(blocks)):
            if blocks[i].n_in != blocks[i - 1].n_out:
                raise ValueError(
                    f"blocks[{i}] takes {blocks[i].n_in} inputs but blocks[{i - 1}] gives "
                    f"{blocks[i - 1].n_out}"
                )
        dtypes = {b.weights[0].dtype for b in blocks}
        if len(dtypes) != 1:
            raise ValueError(f"all blocks must have the same dtype, got {sorted(map(str, dtypes))}")
        self.blocks = blocks
        self.dtype = dtypes.pop()
        self.output = _check_output(output, last.n_out)
        self._fused = _losses.fused(self.output)
        self.n_layers = sum(b.n_weight_layers for b in blocks)
        self.sizes = [blocks[0].n_in] + [w.shape[0] for w in self.weights]

    # ------------------------------------------------------------------ parameters

    @property
    def weights(self) -> list[np.ndarray]:
        """The weight matrices, one per weight layer (the arrays themselves, not copies)."""
        return [w for b in self.blocks for w in b.weights]

    @property
    def biases(self) -> list[np.ndarray]:
        """Every other trainable array, in the order of :attr:`vector_names`."""
        return [v for b in self.blocks for _, v in b.vectors]

    @property
    def vector_names(self) -> list[str]:
        """Names of :attr:`biases` with their block: ``["block1.b", "block2.gamma", ...]``."""
        return [f"block{i}.{name}" for i, b in enumerate(self.blocks, 1) for name, _ in b.vectors]

    @property
    def param_names(self) -> list[str]:
        """``["W1", ..., "W<n_layers>", *vector_names]``, the order of :meth:`get_params`."""
        return [f"W{l}" for l in range(1, self.n_layers + 1)] + self.vector_names  # noqa: E741

    @property
    def activations(self) -> list[_activations.Activation]:
        """Activation of every weight layer but the last (identity where there is none)."""
        return [g for b in self.blocks for g in b.activations][:-1]

    @property
    def n_params(self) -> int:
        return sum(p.size for p in (*self.weights, *self.biases))

    def get_params(self) -> list[np.ndarray]:
        """Copies of ``[*weights, *biases]``."""
        return [p.copy() for p in (*self.weights, *self.biases)]

    def copy(self) -> BlockNet:
        """Deep copy (parameters and running statistics copied)."""
        import copy

        return copy.deepcopy(self)

    def __repr__(self) -> str:
        kinds = [
            type(b).__name__ + (f"[{b.norm.__class__.__name__}]" if b.norm else "")
            for b in self.blocks
        ]
        return (
            f"BlockNet({len(self.blocks)} blocks {kinds}, output={self.output!r}, "
            f"dtype={self.dtype.name})"
        )

    # ------------------------------------------------------------------ passes

    def _forward(self, x: np.ndarray, train: bool = True) -> BlockCache:
        """Forward pass without validation; ``train`` uses (and updates) batch statistics."""
        zs: list[np.ndarray] = []
        acts = [x]
        caches = []
        h = x
        for block in self.blocks:
            h, block_z, block_a, cache = block._forward(h, train)
            zs += block_z
            acts += block_a
            caches.append(cache)
        acts[-1] = out = self._fused.activate(zs[-1]).astype(self.dtype, copy=False)
        return BlockCache(z=zs, a=acts, output=out, blocks=caches, train=train)

    def _backward(self, cache: BlockCache, y: np.ndarray, *, input_grad: bool = True) -> Gradients:
        """Backward pass; ``da[l]`` is the gradient with respect to what weight layer ``l``
        multiplies (``da[0]`` is None if not ``input_grad``)."""
        loss, d = self._fused.loss_and_grad(cache.z[-1], y)
        dzs, das, dws, dvecs = [], [], [], []
        for i in range(len(self.blocks) - 1, -1, -1):
            d, dz, da, dw, dvec = self.blocks[i]._backward(d, cache.blocks[i], input_grad or i > 0)
            dzs[:0], das[:0], dws[:0], dvecs[:0] = dz, da, dw, dvec
        return Gradients(dz=dzs, da=das, dW=dws, db=dvecs, loss=loss)

    def forward(self, x: object, *, train: bool = False) -> BlockCache:
        """Run the network on ``x``; ``train=True`` uses batch statistics and updates the
        running averages of BatchNorm layers."""
        train = check_bool(train, "train")
        return self._forward_finite(self._check_x(x), train=train)

    def backward(self, cache: BlockCache, y: object) -> Gradients:
        """Back-propagate the mean loss of the batch in ``cache`` with targets ``y``."""
        if not isinstance(cache, BlockCache) or len(cache.blocks) != len(self.blocks):
            raise TypeError("cache must be a BlockCache from a forward pass of this network")
        return self._backward(cache, self._prepare_y(y, cache.z[-1].shape[1]))

    def loss(self, x: object, y: object, *, train: bool = False) -> float:
        """Mean loss on ``(x, y)`` (evaluation mode unless ``train``)."""
        x = self._check_x(x)
        y = self._prepare_y(y, x.shape[1])
        return self._finite_loss(x, y, train=check_bool(train, "train"))


# ---------------------------------------------------------------------- builders


def _draw(init: str, shape: tuple[int, int], rng: np.random.Generator, dtype, **kw) -> np.ndarray:
    return _initializers.get(init)(shape, **kw, rng=rng, dtype=dtype)


def plain_net(
    sizes: Sequence[int],
    hidden: str = "relu",
    *,
    norm: str | None = None,
    init: str = "he_normal",
    init_kwargs: dict | None = None,
    weight_scale: float = 1.0,
    output: str = "softmax",
    rng: RngLike = None,
    dtype: object = np.float64,
) -> BlockNet:
    """A plain stack ``Dense(norm, hidden) x (len(sizes) - 2)`` then the output layer.

    Parameters
    ----------
    sizes : list of int
        Widths, input first, as for :class:`~course_utils.mlp.MLP`.
    hidden : str
        Activation of the hidden layers.
    norm : {None, "batch", "layer"}
        Normalization between every hidden layer's ``W a`` and its activation.
    init, init_kwargs : str, dict
        Initializer name and its extra arguments, for every layer.
    weight_scale : float
        Multiplies every initial weight matrix (> 0), as the apps' weight-scale slider.
    output, rng, dtype
        As for :class:`~course_utils.mlp.MLP`.
    """
    sizes = check_sizes(sizes)
    scale = check_float(
        weight_scale, "weight_scale", minimum=0.0, strict_min=True, maximum=MAX_SCALE
    )
    dtype = check_dtype(dtype)
    rng = check_rng(rng)
    check_initializer_name(init, "init")
    check_activation(hidden, "hidden")
    draw = _layer_initializers(init, init_kwargs, len(sizes) - 1, dtype)
    blocks = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w = draw[i]((n_out, n_in), rng)
        w *= scale
        last = i == len(sizes) - 2
        blocks.append(Dense(w, None if last else hidden, norm=None if last else norm, dtype=dtype))
    return BlockNet(blocks, output)


def residual_net(
    n_in: int,
    width: int,
    n_blocks: int,
    n_out: int,
    *,
    hidden: str = "relu",
    norm: str | None = None,
    branch_scale: float = 1.0,
    first_scale: float = 1.0,
    zero_last: bool = False,
    alpha: float = 1.0,
    train_alpha: bool = False,
    zero_output: bool = False,
    output: str = "softmax",
    rng: RngLike = None,
    dtype: object = np.float64,
) -> BlockNet:
    """Stem ``Dense(n_in -> width, hidden)``, ``n_blocks`` residual blocks, output layer.

    Every branch is ``W2 g(W1 N(x) + b1) + b2`` of width ``width``, with ``W1`` from
    ``he_normal`` (times ``first_scale``) and ``W2`` from ``lecun_normal`` (times
    ``branch_scale``; zeros if ``zero_last``), so that with ReLU and without scaling
    ``Var(F(x)) = E[x^2]``. The stem is ``he_normal``, the output layer ``lecun_normal``
    (zeros if ``zero_output``).

    Parameters
    ----------
    n_in, width, n_blocks, n_out : int
        Input width, stream width, number of residual blocks (>= 0), classes.
    hidden : str
        Activation of the stem and the branches.
    norm : {None, "batch", "layer"}
        Pre-normalization of every branch's input.
    branch_scale, first_scale : float
        Factors on the initial ``W2`` and ``W1`` of every branch (>= 0).
    zero_last : bool
        Start every branch's last layer ``W2`` at zero (Fixup).
    alpha, train_alpha : float, bool
        Branch multiplier and whether it is trained (ReZero/SkipInit: 0 and True).
    zero_output : bool
        Start the output layer at zero (Fixup).
    output, rng, dtype
        As for :class:`~course_utils.mlp.MLP`.
    """
    n_in = check_int(n_in, "n_in", minimum=1)
    width = check_int(width, "width", minimum=2)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=0, maximum=MAX_DEPTH)
    n_out = check_int(n_out, "n_out", minimum=1)
    check_sizes([n_in, width, width, n_out], "[n_in, width, width, n_out]")
    branch_scale = check_float(branch_scale, "branch_scale", minimum=0.0, maximum=MAX_SCALE)
    first_scale = check_float(first_scale, "first_scale", minimum=0.0, maximum=MAX_SCALE)
    check_activation(hidden, "hidden")
    zero_last = check_bool(zero_last, "zero_last")
    zero_output = check_bool(zero_output, "zero_output")
    dtype = check_dtype(dtype)
    rng = check_rng(rng)
    blocks: list[Dense | Residual] = [
        Dense(_draw("he_normal", (width, n_in), rng, dtype), hidden, dtype=dtype)
    ]
    for _ in range(n_blocks):
        w1 = first_scale * _draw("he_normal", (width, width), rng, dtype)
        w2 = branch_scale * _draw("lecun_normal", (width, width), rng, dtype)
        if zero_last:
            w2[...] = 0.0
        blocks.append(
            Residual(w1, w2, hidden, norm=norm, alpha=alpha, train_alpha=train_alpha, dtype=dtype)
        )
    w_out = _draw("lecun_normal", (n_out, width), rng, dtype)
    if zero_output:
        w_out[...] = 0.0
    blocks.append(Dense(w_out, None, dtype=dtype))
    return BlockNet(blocks, output)


# ---------------------------------------------------------------------- gradient check


def gradient_check(
    model: BlockNet,
    x: object,
    y: object,
    eps: float = 1e-6,
    *,
    train: bool = True,
    max_entries: int | None = None,
    rng: RngLike = 0,
) -> dict[str, float]:
    """:func:`course_utils.mlp.gradient_check` for a :class:`BlockNet`.

    Compares the back-propagated gradients of every parameter (names as
    :attr:`BlockNet.param_names`) with central finite differences of the loss, in
    training mode (batch statistics) unless ``train=False``. The running averages of
    BatchNorm layers are restored afterwards, so the model is left unchanged.
    """
    if not isinstance(model, BlockNet):
        raise TypeError(f"model must be a BlockNet, got {type(model).__name__}")
    train = check_bool(train, "train")
    eps = check_float(eps, "eps", minimum=0.0, strict_min=True, maximum=1.0)
    if max_entries is not None:
        max_entries = check_int(max_entries, "max_entries", minimum=1)
    norms = [b.norm for b in model.blocks if isinstance(b.norm, BatchNorm)]
    saved = [(n.running_mean.copy(), n.running_var.copy()) for n in norms]
    x = model._check_x(x)
    y = model._prepare_y(y, x.shape[1])
    try:
        grads = model._backward(model._forward_finite(x, train=train), y, input_grad=False)

        def loss() -> float:
            return model._finite_loss(x, y, train=train)

        return _compare_gradients(
            loss,
            model.param_names,
            [*model.weights, *model.biases],
            [*grads.dW, *grads.db],
            eps,
            max_entries=max_entries,
            rng=rng,
        )
    finally:
        for n, (mean, var) in zip(norms, saved, strict=True):
            n.running_mean, n.running_var = mean, var
