"""Notebook 10's runs: BatchNorm against the weight scale, residual streams against depth.

Everything here is numpy only and seeded. The MNIST runs use the bundled 5,000 digits
(4,000 for training, 1,000 for testing), standardized with the training set's mean and
standard deviation, in float32, with a fixed budget of SGD steps (momentum 0.9).

- :func:`scale_sweep`: accuracy after the budget for a deep plain net whose initial weights
  are multiplied by a weight scale, with and without BatchNorm.
- :func:`activation_stds`: per-layer standard deviation of the activations at step 0.
- :func:`stream_second_moments` and :func:`stream_theory`: the residual stream's
  ``E[x_l^2]`` after every block, measured and predicted, for the rules of :data:`RULES`.
- :func:`residual_accuracy`: accuracy after the budget of a deep residual MLP per rule.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from course_utils import blocknet, datasets, theory, training
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    NonFiniteError,
    check_choice,
    check_float,
    check_int,
    check_size,
)
from course_utils.experiments.base import check_scale

__all__ = [
    "RULES",
    "SCALES",
    "Budget",
    "activation_std_theory",
    "activation_stds",
    "mnist",
    "residual_accuracy",
    "residual_model",
    "scale_sweep",
    "stream_second_moments",
    "stream_theory",
    "step0_gradients",
    "sweep_model",
]

#: Weight scales of the sweep, as in the apps (x1/16 ... x16), in factors of 4.
SCALES: tuple[float, ...] = (1 / 16, 1 / 4, 1.0, 4.0, 16.0)


def _fixup(n_blocks: int) -> dict:
    # Fixup (Zhang, Dauphin & Ma 2019): branch's last layer and classification layer at
    # zero, the other branch layers scaled by L^(-1/(2m-2)); m = 2 layers per branch.
    m = 2
    return {
        "first_scale": max(n_blocks, 1) ** (-1 / (2 * m - 2)),
        "zero_last": True,
        "zero_output": True,
    }


#: Residual initialization rules: name -> keyword arguments of ``blocknet.residual_net``
#: as a function of the number of residual blocks (branches) ``L``.
RULES: dict[str, Callable[[int], dict]] = {
    "unscaled": lambda n_blocks: {},
    "α = 1/√L": lambda n_blocks: {"alpha": 1 / math.sqrt(max(n_blocks, 1))},
    "GPT-2 (W2 / √L)": lambda n_blocks: {"branch_scale": 1 / math.sqrt(max(n_blocks, 1))},
    "pre-LN": lambda n_blocks: {"norm": "layer"},
    "pre-LN + GPT-2": lambda n_blocks: {
        "norm": "layer",
        "branch_scale": 1 / math.sqrt(max(n_blocks, 1)),
    },
    "Fixup": _fixup,
    "ReZero (α = 0)": lambda n_blocks: {"alpha": 0.0, "train_alpha": True},
}


class Budget:
    """The training budget shared by every MNIST run of the notebook."""

    steps = 80
    batch_size = 64
    lr = 0.02
    momentum = 0.9


@functools.lru_cache(maxsize=1)
def _mnist() -> tuple[np.ndarray, ...]:
    x, y = datasets.load_mnist("train", dtype=np.float32)
    x_test, y_test = datasets.load_mnist("test", dtype=np.float32)
    x, (mean, std) = datasets.standardize(x)
    x_test, _ = datasets.standardize(x_test, mean, std)
    return x, y, x_test, y_test


def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: standardized float32 digits in columns."""
    return tuple(a.copy() for a in _mnist())  # type: ignore[return-value]


def _train(net: blocknet.BlockNet, lr: float, seed: int) -> tuple[float, int | None]:
    """Train on MNIST with the budget; ``(test accuracy, step of divergence or None)``."""
    x, y, x_test, y_test = _mnist()
    trainer = training.Trainer(
        net,
        x,
        y,
        lr=lr,
        batch_size=Budget.batch_size,
        momentum=Budget.momentum,
        rng=seed,
        record_stats=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", training.DivergenceWarning)
        trainer.step(Budget.steps)
    if trainer.diverged_at is not None:
        return float("nan"), trainer.diverged_at
    with np.errstate(over="ignore", invalid="ignore"):
        return net.accuracy(x_test, y_test), None


def _check_depth_width(depth: object, width: object) -> tuple[int, int]:
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=2)
    check_size(width * max(width, 784), "width x max(width, 784) (a weight matrix)")
    return depth, width


def sweep_model(
    hidden: str, norm: str | None, scale: float, *, depth: int = 6, width: int = 32, seed: int = 0
) -> blocknet.BlockNet:
    """The plain net of the sweep: ``depth`` hidden layers of ``width`` units on MNIST,
    Xavier (tanh) or He (ReLU) weights times ``scale``, optionally BatchNorm."""
    hidden = check_choice(hidden, "hidden", ["tanh", "relu"])
    depth, width = _check_depth_width(depth, width)
    scale = check_scale(scale)
    init = "xavier_normal" if hidden == "tanh" else "he_normal"
    return blocknet.plain_net(
        [784] + [width] * depth + [10],
        hidden,
        norm=norm,
        init=init,
        weight_scale=scale,
        rng=seed,
        dtype=np.float32,
    )


def scale_sweep(
    hidden: str,
    norm: str | None,
    scales: Sequence[float] = SCALES,
    *,
    depth: int = 6,
    width: int = 32,
    seed: int = 0,
    lr: float | None = None,
    modify: Callable[[blocknet.BlockNet, float], None] | None = None,
) -> np.ndarray:
    """Test accuracy after :class:`Budget` for every weight scale (NaN if training diverged).

    ``modify(net, scale)``, if given, may change the freshly built network in place before
    training (e.g. undo the scale on some layers).
    """
    lr = Budget.lr if lr is None else check_float(lr, "lr", minimum=0.0, strict_min=True)
    if isinstance(scales, str) or not isinstance(scales, Sequence | np.ndarray) or not len(scales):
        raise TypeError(f"scales must be a non-empty list of weight scales, got {scales!r:.40}")
    scales = [check_scale(v, f"scales[{i}]") for i, v in enumerate(scales)]
    depth, width = _check_depth_width(depth, width)
    if modify is not None and not callable(modify):
        raise TypeError(f"modify must be a function modify(net, scale) or None, got {modify!r:.40}")
    out = []
    for scale in scales:
        net = sweep_model(hidden, norm, scale, depth=depth, width=width, seed=seed)
        if modify is not None:
            modify(net, scale)
        out.append(_train(net, lr, seed)[0])
    return np.array(out)


def activation_stds(
    hidden: str, norm: str | None, scale: float, *, depth: int = 6, width: int = 32, m: int = 256
) -> np.ndarray:
    """Standard deviation of every hidden layer's activations at step 0, on the first ``m``
    training digits, in training mode (batch statistics)."""
    m = check_int(m, "m", minimum=2, maximum=4000)
    net = sweep_model(hidden, norm, scale, depth=depth, width=width)
    x = _mnist()[0][:, :m]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        cache = net._forward(x, train=True)
    return np.array([float(a.astype(np.float64).std()) for a in cache.a[1:-1]])


def residual_model(
    rule: str, n_blocks: int, *, n_in: int = 784, width: int = 32, seed: int = 0, dtype=np.float32
) -> blocknet.BlockNet:
    """A ReLU residual MLP (stem, ``n_blocks`` two-layer branches, output) for a rule."""
    rule = check_choice(rule, "rule", list(RULES))
    n_blocks = check_int(n_blocks, "n_blocks", minimum=0, maximum=MAX_DEPTH)
    return blocknet.residual_net(
        n_in, width, n_blocks, 10, rng=seed, dtype=dtype, **RULES[rule](n_blocks)
    )


def stream_second_moments(
    rule: str, n_blocks: int, *, width: int = 128, m: int = 128, seed: int = 0
) -> np.ndarray:
    """Measured ``E[x_l^2]`` of the residual stream at ``l = 0`` (after the stem) and after
    each of ``n_blocks`` blocks, for inputs ``x ~ N(0, I)`` of size ``width`` (float64)."""
    m = check_int(m, "m", minimum=1, maximum=4000)
    seed = check_int(seed, "seed", minimum=0)
    width = check_int(width, "width", minimum=2)
    check_size(width * max(width, m), "width x max(width, m) (a weight matrix or the batch)")
    net = residual_model(rule, n_blocks, n_in=width, width=width, seed=seed, dtype=np.float64)
    x = np.random.default_rng(seed + 1).standard_normal((width, m))
    with np.errstate(over="ignore", invalid="ignore"):
        cache = net._forward(x, train=True)
    # a[1] is the stem's output; a[2l + 1] the stream after block l.
    return np.array([float(np.mean(a**2)) for a in cache.a[1 : 2 * n_blocks + 2 : 2]])


def stream_theory(rule: str, n_blocks: int, q0: float = 1.0) -> np.ndarray:
    """Predicted ``E[x_l^2]`` for ``l = 0 .. n_blocks`` (wide-network limit).

    A ReLU branch with He ``W1`` and LeCun ``W2`` returns ``E[F(x)^2] = E[x^2]``, and is
    uncorrelated with ``x``, so ``q_{l+1} = q_l + alpha^2 E[F^2]``: ``(1 + alpha^2)^l q0`` for
    plain branches scaled by ``alpha`` (``alpha = 1``: doubling), ``q0 + l alpha^2`` with
    pre-LayerNorm (``E[LN(x)^2] = 1``), ``q0`` for branches that start at zero.
    """
    rule = check_choice(rule, "rule", list(RULES))
    n_blocks = check_int(n_blocks, "n_blocks", minimum=0, maximum=MAX_DEPTH)
    q0 = check_float(q0, "q0", minimum=0.0, maximum=MAX_SCALE)
    kw = RULES[rule](n_blocks)
    l = np.arange(n_blocks + 1)  # noqa: E741
    alpha2 = (kw.get("alpha", 1.0) * kw.get("branch_scale", 1.0)) ** 2
    if kw.get("zero_last") or alpha2 == 0.0:
        return np.full(n_blocks + 1, q0)
    if kw.get("norm") == "layer":
        return q0 + alpha2 * l
    with np.errstate(over="ignore"):
        q = q0 * (1.0 + alpha2) ** l
    if not np.all(np.isfinite(q)):
        raise NonFiniteError(
            f"the predicted E[x^2] overflows float64 after {int(np.argmin(np.isfinite(q)))} "
            f"blocks: n_blocks={n_blocks} is too deep for the rule {rule!r} with q0={q0:g}"
        )
    return q


def residual_accuracy(rule: str, n_blocks: int, *, width: int = 32, seed: int = 0) -> float:
    """Test accuracy after :class:`Budget` of :func:`residual_model` (NaN if it diverged)."""
    return _train(residual_model(rule, n_blocks, width=width, seed=seed), Budget.lr, seed)[0]


def step0_gradients(rule: str, n_blocks: int = 4, *, m: int = 256, seed: int = 0) -> dict:
    """Largest absolute gradient of every parameter at step 0, on the first ``m`` training
    digits (training mode), keyed by the network's ``param_names``."""
    m = check_int(m, "m", minimum=2, maximum=4000)
    net = residual_model(rule, n_blocks, seed=seed)
    x, y = _mnist()[0][:, :m], _mnist()[1][:m]
    grads = net._backward(net._forward(x, train=True), net._prepare_y(y, m))
    values = [*grads.dW, *grads.db]
    return {name: float(np.max(np.abs(g))) for name, g in zip(net.param_names, values, strict=True)}


def activation_std_theory(
    hidden: str, norm: str | None, scale: float, *, depth: int = 6, width: int = 32
) -> np.ndarray:
    """Predicted std of every hidden layer's activations at step 0 (see :func:`activation_stds`).

    With BatchNorm every activation sees ``z ~ N(0, 1)``; without, ``Var(z_l)`` follows
    :func:`course_utils.theory.predict_variances` (inputs with ``E[x^2] = 1``) with every
    weight variance multiplied by ``scale**2``. The std is then ``sqrt(E[g^2] - E[g]^2)``.
    """
    hidden = check_choice(hidden, "hidden", ["tanh", "relu"])
    scale = check_scale(scale)
    depth, width = _check_depth_width(depth, width)
    if norm == "batch":
        q = np.ones(depth)
    else:
        widths = [784] + [width] * depth
        if hidden == "tanh":
            q = theory.predict_variances(widths, "xavier_normal", "tanh", gain=scale)["z_var"]
        else:  # ReLU is homogeneous: layer l's variance carries scale**2 once per layer
            q = theory.predict_variances(widths, "he_normal", "relu")["z_var"]
            with np.errstate(over="ignore", under="ignore"):
                q = q * scale ** (2.0 * np.arange(1, depth + 1))
            if not np.all(np.isfinite(q)):
                raise NonFiniteError(
                    f"scale={scale:g} over depth={depth} layers makes Var(z) overflow float64"
                )
    moments = theory.gaussian_moments(hidden, q)
    return np.sqrt(moments["second"] - moments["mean"] ** 2)
