"""Lesson model of notebook 08: very deep networks, orthogonal weights and the edge of chaos.

Everything the notebook runs, in numpy: random deep nets with Gaussian or orthogonal
weights of a given ``sigma_w^2 = n_in Var(W)`` and biases of variance ``sigma_b^2``; the
spectrum of a deep linear chain layer by layer; two inputs (and a tangent vector) sent
through a wide net to measure the length map, the correlation map and ``chi_1``; and short
MNIST training runs (orthogonal against Gaussian, and the trainability grid over depth and
``sigma_w^2``). The theory these runs are compared with lives in
:mod:`course_utils.theory` (mean field) and :mod:`course_utils.jacobians` (spectra).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from course_utils import activations, datasets, initializers, theory
from course_utils._validation import (
    MAX_DEPTH,
    MAX_SCALE,
    MAX_TRIALS,
    NonFiniteError,
    RngLike,
    check_activation,
    check_array,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_rng,
    check_size,
    check_sizes,
)
from course_utils.mlp import MLP
from course_utils.training import DivergenceWarning, train

__all__ = [
    "KINDS",
    "ChainSpectrum",
    "CorrelationPoint",
    "SignalRun",
    "TrainingRun",
    "chain_spectrum",
    "correlation_after_depth",
    "mnist_subset",
    "random_net",
    "signal_propagation",
    "train_deep",
    "trainability_grid",
]

#: Weight distributions of the lesson: i.i.d. Gaussian or scaled (semi-)orthogonal.
KINDS = ("gaussian", "orthogonal")


def _check_variances(weight_variance: object, bias_variance: object) -> tuple[float, float]:
    """``sigma_w^2 > 0`` and ``sigma_b^2 >= 0``, both at most ``MAX_SCALE``."""
    sw = check_float(
        weight_variance, "weight_variance", minimum=0.0, strict_min=True, maximum=MAX_SCALE
    )
    return sw, check_float(bias_variance, "bias_variance", minimum=0.0, maximum=MAX_SCALE)


def random_net(
    widths: list[int],
    weight_variance: float,
    bias_variance: float = 0.0,
    kind: str = "gaussian",
    *,
    rng: RngLike = None,
    dtype: type | np.dtype | str = np.float64,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases of a deep net at initialization.

    ``W_l`` has shape ``(n_l, n_(l-1))`` and is either Gaussian with variance
    ``weight_variance / n_(l-1)`` or ``sqrt(weight_variance * max(n) / n_(l-1))`` times a
    Haar-random (semi-)orthogonal matrix, so that ``n_in Var(W) = weight_variance`` in both
    cases (for square layers the orthogonal one is ``sqrt(sigma_w^2) Q``). Biases are
    ``N(0, bias_variance)``, shape ``(n_l,)``.

    Parameters
    ----------
    widths : list of int
        ``[n_0, n_1, ..., n_L]``.
    weight_variance : float
        ``sigma_w^2 > 0``.
    bias_variance : float
        ``sigma_b^2 >= 0``.
    kind : {"gaussian", "orthogonal"}
    rng : numpy.random.Generator, int or None
    dtype : float32 or float64

    Returns
    -------
    weights, biases : list of ndarray
    """
    widths = check_sizes(widths, "widths")
    sw, sb = _check_variances(weight_variance, bias_variance)
    kind = check_choice(kind, "kind", KINDS)
    gen = check_rng(rng)
    dt = check_dtype(dtype)
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        if kind == "gaussian":
            w = initializers.normal((n_out, n_in), std=float(np.sqrt(sw / n_in)), rng=gen)
        else:
            gain = float(np.sqrt(sw * max(n_in, n_out) / n_in))
            w = initializers.orthogonal((n_out, n_in), gain=gain, rng=gen)
        weights.append(w.astype(dt))
        biases.append(gen.normal(0.0, np.sqrt(sb), n_out).astype(dt))
    return weights, biases


# ---------------------------------------------------------------------------
# Deep linear chains: spectrum moments layer by layer
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainSpectrum:
    """Moments of the eigenvalues of ``J J^T`` for ``J = W_l ... W_1`` at recorded depths.

    Attributes
    ----------
    depths : ndarray of int
        The recorded depths ``l``.
    mean, variance : ndarray, shape (n_chains, len(depths))
        Mean and variance over the ``n`` eigenvalues (squared singular values), per chain.
    singular_values : dict of int to ndarray
        For each depth in ``keep``: the singular values, shape ``(n_chains, n)``.
    """

    depths: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    singular_values: dict[int, np.ndarray]


def chain_spectrum(
    width: int,
    depth: int,
    kind: str = "gaussian",
    *,
    n_chains: int = 1,
    record: list[int] | None = None,
    keep: tuple[int, ...] = (),
    rng: RngLike = None,
) -> ChainSpectrum:
    """Multiply ``depth`` random ``width x width`` matrices with ``sigma_w^2 = 1``.

    At each depth in ``record`` (default: every depth) the mean ``tr(J J^T) / n`` and the
    variance ``||J J^T||_F^2 / n - mean^2`` of the eigenvalues of ``J J^T`` are recorded
    (no SVD needed); the singular values are computed only at the depths in ``keep``.
    Compare with :func:`course_utils.jacobians.gaussian_product_spectrum_moments`.
    """
    width = check_int(width, "width", minimum=1)
    check_size(width * width, "width x width (a weight matrix)")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    n_chains = check_int(n_chains, "n_chains", minimum=1, maximum=MAX_TRIALS)
    kind = check_choice(kind, "kind", KINDS)
    if isinstance(keep, str) or not isinstance(keep, list | tuple):
        raise TypeError(f"keep must be a list or tuple of depths, got {type(keep).__name__}")
    if record is None:
        record = list(range(1, depth + 1))
    if isinstance(record, str) or not isinstance(record, list | tuple) or not record:
        raise TypeError("record must be a non-empty list of depths")
    record = sorted({check_int(r, "record[i]", minimum=1, maximum=depth) for r in record})
    keep = tuple(check_int(k, "keep[i]", minimum=1, maximum=depth) for k in keep)
    gen = check_rng(rng)
    mean = np.empty((n_chains, len(record)))
    var = np.empty((n_chains, len(record)))
    svs: dict[int, list[np.ndarray]] = {k: [] for k in keep}
    position = {r: i for i, r in enumerate(record)}
    for c in range(n_chains):
        jac = np.eye(width)
        weights, _ = random_net([width] * (depth + 1), 1.0, 0.0, kind, rng=gen)
        for l, w in enumerate(weights, start=1):  # noqa: E741
            jac = w @ jac
            if l in position:
                gram = jac @ jac.T
                m = np.trace(gram) / width
                mean[c, position[l]] = m
                var[c, position[l]] = np.sum(gram * gram) / width - m * m
            if l in svs:
                svs[l].append(np.linalg.svd(jac, compute_uv=False))
    return ChainSpectrum(np.array(record), mean, var, {k: np.array(v) for k, v in svs.items()})


# ---------------------------------------------------------------------------
# Signal propagation in a wide net: length, correlation, chi_1
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalRun:
    """What :func:`signal_propagation` measured, one entry per layer ``l = 1 .. depth``.

    Attributes
    ----------
    q : ndarray, shape (depth,)
        Mean square of the pre-activations ``z_l`` of the first input.
    c : ndarray, shape (depth,)
        Correlation ``z_l(x1) . z_l(x2) / (|z_l(x1)| |z_l(x2)|)`` of the two inputs.
    chi : ndarray, shape (depth,)
        Growth of a tangent vector's squared length through layer ``l``,
        ``|dz_l|^2 / |dz_(l-1)|^2`` (``dz_0`` is the input tangent): ``chi_1`` at the fixed
        point.
    """

    q: np.ndarray
    c: np.ndarray
    chi: np.ndarray


def signal_propagation(
    activation: str | activations.Activation,
    weight_variance: float,
    bias_variance: float = 0.0,
    *,
    width: int = 1000,
    depth: int = 20,
    q0: float = 1.0,
    c0: float = 0.5,
    kind: str = "gaussian",
    rng: RngLike = None,
) -> SignalRun:
    """Send two inputs and a tangent vector through one wide random net.

    The inputs ``x1``, ``x2`` have ``width`` entries with mean square ``q0`` and
    correlation ``c0`` (exactly: they are built by Gram-Schmidt from Gaussian vectors); the
    first layer sees them as ``a_0 = x``. A tangent vector ``v`` is pushed forward with
    the exact Jacobian-vector product, ``dz_l = W_l (g'(z_(l-1)) * dz_(l-1))``.
    """
    act = check_activation(activation)
    sw, sb = _check_variances(weight_variance, bias_variance)
    width = check_int(width, "width", minimum=2)
    check_size(width * width, "width x width (a weight matrix)")
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    q0 = check_float(q0, "q0", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    c0 = check_float(c0, "c0", minimum=-1.0, maximum=1.0)
    gen = check_rng(rng)
    g = gen.standard_normal((width, 3))
    e1 = g[:, 0] / np.linalg.norm(g[:, 0])
    e2 = g[:, 1] - (g[:, 1] @ e1) * e1
    e2 /= np.linalg.norm(e2)
    scale = np.sqrt(q0 * width)
    x = np.stack([e1, c0 * e1 + np.sqrt(1 - c0 * c0) * e2], axis=1) * scale
    v = g[:, 2]
    weights, biases = random_net([width] * (depth + 1), sw, sb, kind, rng=gen)
    q, c, chi = np.empty(depth), np.empty(depth), np.empty(depth)
    a, dz_prev, slope = x, v, np.ones(width)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):  # noqa: E741
            z = w @ a + b[:, None]
            dz = w @ (slope * dz_prev)
            q[l] = np.mean(z[:, 0] ** 2)
            c[l] = (z[:, 0] @ z[:, 1]) / np.sqrt((z[:, 0] @ z[:, 0]) * (z[:, 1] @ z[:, 1]))
            chi[l] = (dz @ dz) / (dz_prev @ dz_prev) if l > 0 else np.nan
            if not (np.isfinite(q[l]) and np.isfinite(c[l]) and (l == 0 or np.isfinite(chi[l]))):
                raise NonFiniteError(
                    f"the signal overflows float64 at layer {l + 1}: weight_variance, "
                    "bias_variance or q0 is too large for this depth"
                )
            a, slope, dz_prev = act(z), act.derivative(z[:, 0]), dz
    # the first layer's tangent enters as a_0 = x (no activation before it)
    chi[0] = (weights[0] @ v) @ (weights[0] @ v) / (v @ v)
    return SignalRun(q, c, chi)


@dataclass(frozen=True)
class CorrelationPoint:
    """What :func:`correlation_after_depth` found at one ``(sigma_w^2, sigma_b^2)``.

    Attributes
    ----------
    measured, spread : float
        Mean and standard deviation over the nets of the inputs' correlation after the last
        layer.
    theory : float
        The same from the mean-field correlation map, iterated layer by layer.
    c_star, xi_c : float
        The map's stable fixed point and depth scale (:func:`course_utils.theory.mean_field`).
    """

    measured: float
    spread: float
    theory: float
    c_star: float
    xi_c: float


def correlation_after_depth(
    activation: str | activations.Activation,
    weight_variance: float,
    bias_variance: float = 0.0,
    *,
    depth: int = 30,
    c0: float = 0.5,
    width: int = 1000,
    seeds: tuple[int, ...] = (0,),
) -> CorrelationPoint:
    """Correlation of two inputs after ``depth`` layers, measured and from the mean field.

    The inputs have correlation ``c0`` and enter at the length fixed point (the first layer's
    pre-activations have mean square ``q*``), so that only the correlation map acts. One
    Gaussian net of ``width`` units per seed in ``seeds`` (:func:`signal_propagation`);
    the theory starts from the first layer's expected correlation and iterates
    :func:`course_utils.theory.correlation_map` over the other ``depth - 1`` layers.
    """
    depth = check_int(depth, "depth", minimum=1, maximum=MAX_DEPTH)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, tuple | list) or not seeds:
        raise TypeError("seeds must be a non-empty tuple of integer seeds, one per net")
    seeds = [check_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds)]
    check_int(len(seeds), "the number of seeds", maximum=MAX_TRIALS)
    sw, sb = _check_variances(weight_variance, bias_variance)
    c0 = check_float(c0, "c0", minimum=-1.0, maximum=1.0)
    mf = theory.mean_field(activation, sw, sb)
    if not 0.0 < mf.q_star < np.inf:
        raise ValueError(
            f"weight_variance and bias_variance give the length fixed point q* = {mf.q_star:g}: "
            "the signal dies out or overflows, so there is no correlation to follow"
        )
    q0 = (mf.q_star - sb) / sw  # the mean square of x for which layer 1 sees q*
    if not q0 > 0.0:
        raise ValueError(
            f"bias_variance = {sb:g} is too large next to q* = {mf.q_star:g}: the inputs' share "
            "of the fixed point is lost to rounding"
        )
    # the expected correlation after layer 1 (at most 1: clipped against rounding)
    c_map = min(1.0, max(-1.0, (sw * c0 * q0 + sb) / mf.q_star))
    for _ in range(depth - 1):
        c_map = theory.correlation_map(activation, c_map, sw, sb)
    runs = [
        signal_propagation(activation, sw, sb, width=width, depth=depth, c0=c0, q0=q0, rng=seed)
        for seed in seeds
    ]
    ends = [run.c[-1] for run in runs]
    return CorrelationPoint(
        float(np.mean(ends)), float(np.std(ends)), float(c_map), float(mf.c_star), float(mf.xi_c)
    )


# ---------------------------------------------------------------------------
# MNIST training runs
# ---------------------------------------------------------------------------


def mnist_subset(
    m: int = 1000, *, pool: int = 1, rng: RngLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``m`` bundled MNIST training digits (a seeded, class-balanced sample), centred.

    With ``pool = 2`` each image is averaged over 2 x 2 blocks (14 x 14 = 196 pixels), which
    makes the input layer 4 times cheaper. The images are standardized with one global mean
    and standard deviation (:func:`course_utils.datasets.standardize`), float32, shape
    ``(784 / pool**2, m)``.
    """
    m = check_int(m, "m", minimum=10, maximum=4000)
    pool = check_int(pool, "pool", minimum=1, maximum=7)
    if 28 % pool:
        raise ValueError(f"pool must divide 28 (1, 2, 4 or 7), got {pool}")
    gen = check_rng(rng)
    x, y = datasets.load_mnist("train", dtype=np.float32)
    if pool > 1:
        k = 28 // pool
        x = x.reshape(k, pool, k, pool, -1).mean(axis=(1, 3)).reshape(k * k, -1)
    per_class = m // 10
    idx = np.concatenate(
        [gen.choice(np.flatnonzero(y == k), per_class, replace=False) for k in range(10)]
    )
    idx = gen.permutation(idx)
    xs, _ = datasets.standardize(x[:, idx])
    return xs.astype(np.float32), y[idx]


@dataclass(frozen=True)
class TrainingRun:
    """Loss curve of one training run and its final training accuracy.

    Attributes
    ----------
    loss : ndarray
        Minibatch loss of every step (shorter if training diverged).
    accuracy : float
        Accuracy on the whole training subset after the last step.
    diverged : bool
    """

    loss: np.ndarray
    accuracy: float
    diverged: bool


def train_deep(
    x: np.ndarray,
    y: np.ndarray,
    *,
    depth: int,
    width: int = 128,
    weight_variance: float,
    bias_variance: float = 0.0,
    kind: str = "gaussian",
    activation: str = "tanh",
    steps: int = 200,
    lr: float = 0.01,
    batch_size: int = 64,
    momentum: float = 0.9,
    rng: RngLike = None,
) -> TrainingRun:
    """Train a ``depth``-layer net (``depth - 1`` hidden layers of ``width``) on ``(x, y)``.

    Every layer, the 784 -> ``width`` input layer and the softmax output layer included,
    is initialized by :func:`random_net` with the same ``sigma_w^2``, ``sigma_b^2`` and
    ``kind``; training is SGD with momentum in float32 (:func:`course_utils.training.train`).
    """
    x = check_array(x, "x", ndim=2)
    depth = check_int(depth, "depth", minimum=2, maximum=MAX_DEPTH)
    width = check_int(width, "width", minimum=1)
    check_size(width * max(width, x.shape[0]), "width x max(width, n_inputs) (a weight matrix)")
    gen = check_rng(rng)
    widths = [x.shape[0]] + [width] * (depth - 1) + [10]
    weights, biases = random_net(
        widths, weight_variance, bias_variance, kind, rng=gen, dtype=np.float32
    )
    net = MLP.from_weights(weights, biases, hidden=activation, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        hist = train(
            net,
            x,
            y,
            steps=steps,
            lr=lr,
            batch_size=batch_size,
            momentum=momentum,
            rng=gen,
            record_stats=False,
        )
    with np.errstate(over="ignore", invalid="ignore"):
        pred = np.argmax(net.forward(x).output, axis=0)
    return TrainingRun(hist.loss, float(np.mean(pred == y)), hist.diverged_at is not None)


def trainability_grid(
    x: np.ndarray,
    y: np.ndarray,
    depths: list[int],
    weight_variances: list[float],
    *,
    bias_variance: float = 0.05,
    rng: RngLike = 0,
    **train_kw: object,
) -> np.ndarray:
    """Final training accuracy of :func:`train_deep` for every (depth, sigma_w^2).

    Returns
    -------
    ndarray, shape (len(depths), len(weight_variances))
    """
    for name, values in (("depths", depths), ("weight_variances", weight_variances)):
        if isinstance(values, str) or not isinstance(values, list | tuple | np.ndarray):
            raise TypeError(f"{name} must be a list, got {type(values).__name__}")
    depths = [
        check_int(d, f"depths[{i}]", minimum=2, maximum=MAX_DEPTH) for i, d in enumerate(depths)
    ]
    weight_variances = [
        check_float(v, f"weight_variances[{i}]", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
        for i, v in enumerate(weight_variances)
    ]
    gen = check_rng(rng)
    acc = np.empty((len(depths), len(weight_variances)))
    for i, d in enumerate(depths):
        for j, sw in enumerate(weight_variances):
            run = train_deep(
                x, y, depth=d, weight_variance=sw, bias_variance=bias_variance, rng=gen, **train_kw
            )
            acc[i, j] = run.accuracy
    return acc
