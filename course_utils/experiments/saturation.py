"""Lesson model of notebook 03: a deep logistic (or tanh) network trained on MNIST.

Glorot and Bengio's saturation experiment at a small scale: hidden layers of equal width,
``"standard_uniform"`` weights ``U(-1/sqrt(n), 1/sqrt(n))``, softmax output, plain SGD on the
bundled training digits, per-layer statistics recorded by :class:`course_utils.training.Trainer`.
The per-layer shrink factor of the backpropagated spread predicted for this initialization is
:func:`shrink_factor`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course_utils import datasets
from course_utils._validation import (
    MAX_SCALE,
    MAX_STEPS,
    check_activation,
    check_float,
    check_int,
    check_rng,
    check_sizes,
)
from course_utils.mlp import MLP, ForwardCache
from course_utils.training import History, Trainer

__all__ = ["SaturationRun", "run_saturation", "shrink_factor"]


@dataclass
class SaturationRun:
    """Result of :func:`run_saturation`: the trained net, its history, probe caches."""

    net: MLP
    history: History
    before: ForwardCache
    after: ForwardCache
    w_out_start: np.ndarray
    test_accuracy: float


def shrink_factor(activation: str, n_var_w: float = 1 / 3) -> float:
    """Predicted ratio std(dz) of layer l over layer l+1 near initialization.

    Backpropagation multiplies the spread of ``dz`` by ``sqrt(n Var(W)) |g'(0)|`` per layer
    when the pre-activations sit near 0; ``U(-1/sqrt(n), 1/sqrt(n))`` has ``n Var(W) = 1/3``.

    Examples
    --------
    >>> round(1 / shrink_factor("logistic"), 2)
    6.93
    """
    g = check_activation(activation)
    n_var_w = check_float(n_var_w, "n_var_w", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    return math.sqrt(n_var_w) * abs(float(g.derivative(0.0)))


def run_saturation(
    activation: str = "logistic",
    steps: int = 4000,
    *,
    sizes: list[int] | None = None,
    lr: float = 0.5,
    batch_size: int = 20,
    record_every: int = 50,
    n_probe: int = 1000,
    init_seed: int = 0,
    batch_seed: int = 1,
) -> SaturationRun:
    """Train ``sizes`` (default ``[784, 200, 200, 200, 200, 10]``) on MNIST with SGD.

    Parameters
    ----------
    activation : str
        Hidden activation, e.g. ``"logistic"`` or ``"tanh"``.
    steps : int
        Number of SGD steps (minibatches of ``batch_size``).
    sizes, lr, batch_size, record_every
        Network and training settings, as in :class:`course_utils.training.Trainer`.
    n_probe : int
        Number of fixed training digits passed forward before and after training.
    init_seed, batch_seed : int
        Seeds of the weights and of the minibatch order.

    Returns
    -------
    SaturationRun
    """
    check_activation(activation)
    steps = check_int(steps, "steps", minimum=1, maximum=MAX_STEPS)
    sizes = check_sizes([784, 200, 200, 200, 200, 10] if sizes is None else sizes)
    X, y = datasets.load_mnist("train", dtype=np.float32)
    n_probe = check_int(n_probe, "n_probe", minimum=1, maximum=y.size)
    batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=y.size)
    init_seed = check_rng(init_seed, "init_seed")
    batch_seed = check_rng(batch_seed, "batch_seed")
    X_test, y_test = datasets.load_mnist("test", dtype=np.float32)
    net = MLP(
        sizes,
        hidden=activation,
        output="softmax",
        init="standard_uniform",
        rng=init_seed,
        dtype=np.float32,
    )
    probe = X[:, :n_probe]
    before = net.forward(probe)
    w_out_start = net.weights[-1].copy()
    trainer = Trainer(
        net, X, y, lr=lr, batch_size=batch_size, rng=batch_seed, record_every=record_every
    )
    history = trainer.step(steps)
    after = net.forward(probe)
    return SaturationRun(net, history, before, after, w_out_start, net.accuracy(X_test, y_test))
