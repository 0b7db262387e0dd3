"""The runs of notebook 09 (initialization in practice), in numpy.

- :func:`default_runs`: per-layer forward and backward variances of deep nets under the
  framework defaults and the course's rules, theory and measurement side by side;
- :func:`torch_bias_run`: the same for PyTorch's full default, biases included;
- :func:`conv_stack` and :func:`conv_layer_factors`: the variance recurrence of
  convolutions with the fans of ``(out, in, kh, kw)`` kernels;
- :func:`mnist_comparison`: LSUV against Xavier, He and PyTorch's default on MNIST (step-0
  variances per layer, cost curves over one budget, test accuracy);
- :func:`decision_table`: per activation, the initializer that keeps the forward signal
  level, the per-layer factors it and each framework default give, and whether they match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from course_utils import conv, datasets, initializers, summary, theory
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    MAX_TRIALS,
    RngLike,
    check_activation,
    check_array,
    check_float,
    check_int,
    check_rng,
    check_size,
)
from course_utils.lsuv import lsuv
from course_utils.mlp import MLP
from course_utils.training import train

__all__ = [
    "FRAMEWORK_DEFAULTS",
    "DecisionRow",
    "DecisionTable",
    "conv_layer_factors",
    "conv_stack",
    "decision_table",
    "default_runs",
    "layer_factors",
    "mnist_comparison",
    "torch_bias_run",
]

#: Framework -> (course initializer name, parameters) of its dense-layer default.
FRAMEWORK_DEFAULTS: dict[str, tuple[str, dict]] = {
    "PyTorch": ("torch_linear", {}),
    "Keras": ("keras_glorot_uniform", {}),
    "Flax": ("flax_lecun_normal", {}),
}

InitSpec = tuple[str, Mapping[str, object]]


def _check_spec(label: str, spec: object, *, lsuv_allowed: bool = False) -> tuple[str, Mapping]:
    """``inits[label]`` as ``(initializer name, keyword arguments)``."""
    if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], Mapping)):
        also = " or 'lsuv'" if lsuv_allowed else ""
        raise TypeError(
            f"inits[{label!r}] must be a tuple (initializer name, keyword arguments){also}, "
            f"got {spec!r:.40}"
        )
    return spec


def default_runs(
    inits: Mapping[str, InitSpec],
    activation: str,
    *,
    depth: int,
    width: int,
    m: int = 256,
    n_trials: int = 2,
    rng: RngLike = 0,
) -> dict[str, tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Theory and measurement for each initializer in a ``depth``-layer net of ``width``.

    Parameters
    ----------
    inits : mapping label -> (initializer name, parameters)
    activation : str
        Activation of every layer.
    depth, width, m, n_trials : int
        Layers, units per layer, examples and sampled networks per initializer.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    dict label -> (predicted, measured)
        The dictionaries of :func:`course_utils.theory.predict_variances` and
        :func:`course_utils.theory.simulate_variances` (inputs N(0, 1)).
    """
    if not isinstance(inits, Mapping) or not inits:
        raise TypeError(
            "inits must be a non-empty dict label -> (initializer name, keyword arguments), "
            f"got {type(inits).__name__}"
        )
    for label, spec in inits.items():
        _check_spec(label, spec)
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    m = check_int(m, "m", minimum=2)
    check_size(width * max(width, m), "width x max(width, m) (a weight matrix or the batch)")
    gen = check_rng(rng)
    widths = [width] * (depth + 1)
    out = {}
    for label, (init, kw) in inits.items():
        pred = theory.predict_variances(widths, init, activation, **kw)
        meas = theory.simulate_variances(
            widths, init, activation, m=m, n_trials=n_trials, rng=gen, **kw
        )
        out[label] = (pred, meas)
    return out


def layer_factors(
    z_var: Sequence[float], grad_var: Sequence[float], *, skip: int = 2
) -> tuple[float, float]:
    """Geometric-mean factor per layer, forward and backward, after ``skip`` layers.

    Forward: ``(Var(z_L) / Var(z_{skip+1})) ** (1 / (L - skip - 1))``; backward: the same
    for ``Var(dL/dz)`` read from the last layer towards layer ``skip + 1``. Leaving out the
    first layers ignores the transient while the signal settles at its fixed point.
    """
    z = check_array(z_var, "z_var", ndim=1, dtype=np.float64)
    g = check_array(grad_var, "grad_var", ndim=1, dtype=np.float64)
    if np.any(z <= 0) or np.any(g <= 0):
        raise ValueError("z_var and grad_var must hold variances > 0")
    skip = check_int(skip, "skip", minimum=0)
    n = z.size - skip - 1
    if n < 1 or g.size != z.size:
        raise ValueError("z_var and grad_var need more than skip + 1 layers, and one length each")
    return float((z[-1] / z[skip]) ** (1 / n)), float((g[skip] / g[-1]) ** (1 / n))


def torch_bias_run(
    activation: str, *, depth: int, width: int, m: int = 256, rng: RngLike = 0
) -> dict[str, np.ndarray]:
    """PyTorch's full ``nn.Linear`` default (weights and biases) in a deep net.

    Returns the measured ``Var(z_l)`` (all entries), its part across examples (variance over
    the batch per unit, averaged over units) and the theory
    ``q_l = n Var(W) E[g(z_{l-1})^2] + Var(b)`` with ``Var(W) = Var(b) = 1 / (3 n)``.
    """
    act = check_activation(activation)
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    m = check_int(m, "m", minimum=1)
    check_size(width * max(width, m), "width x max(width, m) (a weight matrix or a batch)")
    gen = check_rng(rng)
    a = gen.standard_normal((width, m))
    measured, across, predicted = [], [], []
    second = 1.0
    for _ in range(depth):
        w = initializers.torch_linear((width, width), rng=gen)
        b = initializers.torch_linear_bias((width, 1), fan_in=width, rng=gen)
        z = w @ a + b
        measured.append(float(np.mean(z**2)))
        across.append(float(np.mean(np.var(z, axis=1))))
        q = width * initializers.variance("torch_linear", (width, width)) * second
        q += initializers.variance("torch_linear_bias", (width, 1), fan_in=width)
        predicted.append(q)
        second = float(theory.gaussian_moments(act, q)["second"])
        a = act(z)
    return {
        "z_var": np.array(measured),
        "z_var_across": np.array(across),
        "z_var_theory": np.array(predicted),
        "bias_var": np.full(depth, 1.0 / (3 * width)),
    }


def conv_stack(
    x: np.ndarray,
    channels: int,
    depth: int,
    weight_var: Callable[[tuple[int, int, int, int]], float],
    activation: str,
    *,
    n_trials: int = 1,
    rng: RngLike = 0,
) -> dict[str, np.ndarray]:
    """Forward variances through ``depth`` valid 3x3 convolutions with ``channels`` channels.

    Parameters
    ----------
    x : ndarray, shape (m, C, H, W)
        Input images.
    channels, depth : int
    weight_var : callable
        Per-entry variance of a kernel of shape ``(out, in, 3, 3)``; weights are normal.
    activation : str
        Applied after every convolution.
    n_trials : int
        Independently drawn stacks to average the measurement over.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    dict
        ``"z_var"`` measured mean square of each layer's output, ``"theory"`` the recurrence
        ``q_l = fan_in Var(W) E[a_{l-1}^2]`` (``fan_in`` from
        :func:`course_utils.initializers.fans`, ``E[a_0^2]`` the inputs' mean square),
        ``"fan_in"`` per layer.
    """
    gen = check_rng(rng)
    n_trials = check_int(n_trials, "n_trials", minimum=1, maximum=MAX_TRIALS)
    act = check_activation(activation)
    x = check_array(x, "x", ndim=4, dtype=np.float64)
    if x.shape[0] < 1 or x.shape[1] < 1 or min(x.shape[2:]) < 3:
        raise ValueError(f"x must be images (m, C, H, W) with H, W >= 3, got shape {x.shape}")
    if float(np.max(np.abs(x))) > MAX_SCALE:
        raise ValueError(f"x must hold values with |x| <= {MAX_SCALE:g}")
    channels = check_int(channels, "channels", minimum=1)
    check_size(x.shape[0] * channels * x.shape[2] * x.shape[3] * 9, "channels (the patch columns)")
    depth = check_int(depth, "depth", minimum=1, maximum=(min(x.shape[2:]) - 1) // 2)
    if not callable(weight_var):
        raise TypeError(
            f"weight_var must be a function of the kernel shape, got {weight_var!r:.40}"
        )
    measured = np.zeros(depth)
    predicted, fan_ins = [], []
    second = float(np.mean(x**2))
    c_in = x.shape[1]
    for l in range(depth):  # noqa: E741
        shape = (channels, c_in if l == 0 else channels, 3, 3)
        fan_in = initializers.fans(shape)[0]
        q = fan_in * float(weight_var(shape)) * second
        predicted.append(q)
        fan_ins.append(fan_in)
        second = float(theory.gaussian_moments(act, q)["second"])
    for _ in range(n_trials):
        a = x
        for l in range(depth):  # noqa: E741
            shape = (channels, a.shape[1], 3, 3)
            w = initializers.normal(shape, std=math.sqrt(float(weight_var(shape))), rng=gen)
            z = conv.conv2d(a, w)
            measured[l] += float(np.mean(z**2)) / n_trials
            a = act(z)
    return {"z_var": measured, "theory": np.array(predicted), "fan_in": np.array(fan_ins)}


def conv_layer_factors(
    c_in: int, c_out: int, k: int, *, size: int = 12, m: int = 32, rng: RngLike = 0
) -> dict[str, float]:
    """Forward and backward variance factors of one ``k x k`` convolution (stride 1, no padding).

    Weights have variance 1 (the factors are then the fans themselves); inputs and output
    gradients are N(0, 1). The backward factor is measured on input pixels at least
    ``k - 1`` away from the border, which every kernel position reaches.
    """
    c_in = check_int(c_in, "c_in", minimum=1)
    c_out = check_int(c_out, "c_out", minimum=1)
    k = check_int(k, "k", minimum=1)
    size = check_int(size, "size", minimum=1)
    if k > size:
        raise ValueError(
            f"k must be <= size (the kernel must fit the image), got k={k}, size={size}"
        )
    m = check_int(m, "m", minimum=1)
    check_size(m * max(c_in, c_out) * size * size, "m * max(c_in, c_out) * size**2 (the images)")
    check_size(c_in * k * k * m * size * size, "c_in * k**2 * m * size**2 (the patch columns)")
    gen = check_rng(rng)
    x = gen.standard_normal((m, c_in, size, size))
    w = gen.standard_normal((c_out, c_in, k, k))
    z = conv.conv2d(x, w)
    dz = gen.standard_normal(z.shape)
    dx = conv.conv2d_input_grad(dz, w, x.shape)
    inner = dx[:, :, k - 1 : size - k + 1, k - 1 : size - k + 1]
    fan_in, fan_out = initializers.fans(w.shape)
    wv = float(np.mean(w**2))
    return {
        "forward": float(np.mean(z**2) / np.mean(x**2)) / wv,
        "backward": float(np.mean(inner**2) / np.mean(dz**2)) / wv,
        "fan_in": float(fan_in),
        "fan_out": float(fan_out),
    }


def mnist_comparison(
    inits: Mapping[str, InitSpec | str],
    *,
    hidden: str = "relu",
    sizes: Sequence[int] = (784, 128, 128, 128, 128, 128, 128, 10),
    steps: int = 150,
    batch_size: int = 64,
    lr: float = 0.05,
    n_lsuv: int = 256,
    rng: int = 0,
) -> dict[str, dict[str, object]]:
    """Train one MNIST net per initializer over the same budget.

    Parameters
    ----------
    inits : mapping label -> (initializer name, parameters) or the string ``"lsuv"``
        ``"lsuv"`` starts from a LeCun-normal net and applies :func:`course_utils.lsuv.lsuv`
        on the first ``n_lsuv`` training images.
    hidden, sizes, steps, batch_size, lr
        The network and the SGD budget (identical for every initializer).
    rng : int
        Seed of the initialization and of the minibatch order (the same for all).

    Returns
    -------
    dict label -> dict
        ``"z_var"``: per-layer ``Var(z)`` at step 0 on the first 256 training images,
        ``"loss"``: minibatch loss per step, ``"accuracy"``: test accuracy after training,
        ``"report"``: the :class:`~course_utils.lsuv.LSUVReport` (LSUV only).
    """
    if not isinstance(inits, Mapping) or not inits:
        raise TypeError(
            "inits must be a non-empty dict label -> (initializer name, keyword arguments) or "
            f"'lsuv', got {type(inits).__name__}"
        )
    x, y = datasets.load_mnist("train", dtype=np.float32)
    xt, yt = datasets.load_mnist("test", dtype=np.float32)
    xs, stats = datasets.standardize(x)
    xts, _ = datasets.standardize(xt, *stats)
    probe = xs[:, :256]
    out: dict[str, dict[str, object]] = {}
    for label, spec in inits.items():
        report = None
        if spec == "lsuv":
            base = MLP(sizes, hidden=hidden, init="lecun_normal", rng=rng, dtype=np.float32)
            report = lsuv(base, xs[:, :n_lsuv], rng=rng)
            net = report.net
        else:
            name, kw = _check_spec(label, spec, lsuv_allowed=True)
            net = MLP(
                sizes, hidden=hidden, init=name, init_kwargs=dict(kw), rng=rng, dtype=np.float32
            )

        z_var = np.array([float(np.var(z, dtype=np.float64)) for z in net.forward(probe).z])
        hist = train(
            net, xs, y, steps=steps, lr=lr, batch_size=batch_size, rng=rng, record_stats=False
        )
        out[label] = {
            "z_var": z_var,
            "loss": hist.loss,
            "accuracy": net.accuracy(xts, yt),
            "report": report,
        }
    return out


# --------------------------------------------------------------------------------------
# The decision table
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    """One activation of the decision table.

    Attributes
    ----------
    activation : str
    gain : float
        The gain ``1 / sqrt(E[g(z)^2])`` that holds ``Var(z) = 1`` (the course's rule,
        ``Var(W) = gain^2 / fan_in``).
    factors : dict
        Label (``"course rule"`` and each framework) -> measured (forward, backward)
        factors per layer (:func:`layer_factors`).
    """

    activation: str
    gain: float
    factors: dict[str, tuple[float, float]]

    def level(self, label: str, tolerance: float = 0.1) -> bool:
        """Both factors of ``label`` within ``tolerance`` of 1."""
        return all(abs(f - 1.0) <= tolerance for f in self.factors[label])


@dataclass(frozen=True)
class DecisionTable:
    """Rows of :func:`decision_table`; ``str()`` gives the printed table."""

    rows: tuple[DecisionRow, ...]
    depth: int
    width: int
    tolerance: float = 0.1

    def __str__(self) -> str:
        labels = ["course rule", *FRAMEWORK_DEFAULTS]
        head = f"{'activation':<11} {'gain':>5}  " + "  ".join(f"{lab:>13}" for lab in labels)
        lines = [head, f"{'':<11} {'':>5}  " + "  ".join(f"{'fwd / bwd':>13}" for _ in labels)]
        for row in self.rows:
            cells = []
            for lab in labels:
                f, b = row.factors[lab]
                mark = "*" if row.level(lab, self.tolerance) else " "
                cells.append(f"{f:5.2f} / {b:4.2f}{mark}".rjust(13))
            lines.append(f"{row.activation:<11} {row.gain:5.2f}  " + "  ".join(cells))
        lines.append(
            f"factors per layer (layers 3-{self.depth}, width {self.width}); * = both within "
            f"{self.tolerance:.0%} of 1"
        )
        lines.append("defaults that keep both signals level:")
        for row in self.rows:
            same = [lab for lab in FRAMEWORK_DEFAULTS if row.level(lab, self.tolerance)]
            rule = "level" if row.level("course rule", self.tolerance) else "not level"
            lines.append(
                f"  {row.activation:<11} course rule {rule}; defaults: "
                + (", ".join(same) if same else "none")
            )
        return "\n".join(lines)


def decision_table(
    names: Sequence[str] = ("identity", "tanh", "relu", "leaky_relu", "selu", "gelu", "silu"),
    *,
    depth: int = 12,
    width: int = 256,
    m: int = 128,
    n_trials: int = 1,
    tolerance: float = 0.1,
    rng: RngLike = 0,
) -> DecisionTable:
    """Measure, per activation, the course's rule and the three framework defaults.

    The course's rule is ``Var(W) = gain^2 / fan_in`` with ``gain`` from
    :func:`course_utils.summary.numerical_gain` (``xavier_normal`` with that gain, equal
    widths). Every initializer runs in one network of ``depth`` layers of ``width`` units
    (:func:`course_utils.theory.simulate_variances`, inputs N(0, 1), variances averaged over
    ``n_trials`` sampled networks); the factors per layer come from :func:`layer_factors`.
    """
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise TypeError(f"names must be a non-empty list of activation names, got {names!r:.40}")
    for i, name in enumerate(names):
        check_activation(name, f"names[{i}]")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    m = check_int(m, "m", minimum=2)
    check_size(width * max(width, m), "width x max(width, m) (a weight matrix or the batch)")
    tolerance = check_float(tolerance, "tolerance", minimum=0.0, strict_min=True, maximum=1.0)
    gen = check_rng(rng)
    widths = [width] * (depth + 1)
    rows = []
    for name in names:
        gain = summary.numerical_gain(name)
        specs = {"course rule": ("xavier_normal", {"gain": gain}), **FRAMEWORK_DEFAULTS}
        factors = {}
        for label, (init, kw) in specs.items():
            meas = theory.simulate_variances(
                widths, init, name, m=m, n_trials=n_trials, rng=gen, **kw
            )
            factors[label] = layer_factors(meas["z_var"], meas["grad_var"])
        rows.append(DecisionRow(name, gain, factors))
    return DecisionTable(tuple(rows), depth, width, tolerance)
