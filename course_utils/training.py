"""Minibatch SGD (with optional momentum) that records per-layer statistics.

:class:`Trainer` trains an :class:`~course_utils.mlp.MLP` in place, step by step (handy
for interactive apps), and records in a :class:`History` the loss of every step and,
every ``record_every`` steps, per-layer statistics of the forward and backward pass.
A run whose loss, gradients or parameters stop being finite is stopped: the step is
recorded in ``diverged_at``, a single :class:`DivergenceWarning` is emitted and the
parameters keep their last finite values.

Per-layer statistics
--------------------
Computed on the minibatch of the step, before its update; column ``l`` of each array
in ``History.layer_stats`` is weight layer ``l + 1``. For a
:class:`~course_utils.blocknet.BlockNet`, ``z`` is the input of the layer's activation
(after BatchNorm or LayerNorm, if any) and ``a`` its output; for the second weight layer of
a residual block ``z`` is the branch output and ``a`` the residual stream after the addition
(see :mod:`course_utils.blocknet`):

``z_mean``, ``z_std``
    Mean and standard deviation of the pre-activations ``z = W a + b``.
``a_mean``, ``a_std``
    Of the layer's OUTPUT activation ``g(z)`` (for the last layer: the output
    probabilities or values).
``dz_mean``, ``dz_std``, ``dW_mean``, ``dW_std``
    Of the gradients of the mean loss with respect to ``z`` and ``W``.
``saturated``
    Fraction of (unit, example) entries whose local derivative is tiny:
    ``|g'(z)| < saturation_threshold * max|g'|`` where ``max|g'|`` is the largest
    derivative of the activation (``g'(0)`` for tanh, logistic and softsign, i.e.
    ``|z| > 2.18`` for tanh, ``|z| > 4.36`` for logistic and ``|z| > 3.47`` for softsign
    with the default 0.05).
    For relu this is the fraction of inactive units (``z <= 0``: no gradient flows
    for that example), for leaky relu the negative side (derivative ``slope``,
    below the threshold unless ``slope >= 0.05``), for selu ``z < log(0.05) ~ -3``;
    identity is never saturated. For the output layer the same rule is applied to
    the sigmoid/softmax probabilities ``p``: entries with ``p (1 - p) <
    saturation_threshold / 4`` (confident outputs, ``p < 0.013`` or ``p > 0.987``
    by default; with the fused cross-entropy losses this does NOT stop learning);
    a linear output is never saturated (0.0).
``update_ratio``
    ``std(W_new - W) / std(W)``: size of the actual update (including momentum)
    relative to the spread of the weights (~1e-3 is the usual healthy value).
    NaN when ``std(W) == 0`` (e.g. after a zeros or constant initialization).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from course_utils import losses as _losses
from course_utils._validation import (
    MAX_STEPS,
    RngLike,
    check_bool,
    check_float,
    check_int,
    check_rng,
)
from course_utils.blocknet import BlockNet
from course_utils.mlp import MLP, ForwardCache, Gradients

__all__ = ["STAT_KEYS", "DivergenceWarning", "History", "Trainer", "train"]

#: Keys of ``History.layer_stats``.
STAT_KEYS: tuple[str, ...] = (
    "z_mean",
    "z_std",
    "a_mean",
    "a_std",
    "dz_mean",
    "dz_std",
    "dW_mean",
    "dW_std",
    "saturated",
    "update_ratio",
)

# Grid on which the largest |g'| of a hidden activation is found.
_DERIV_GRID = np.linspace(-20.0, 20.0, 4001)


class DivergenceWarning(UserWarning):
    """Training stopped because the loss, the gradients or the parameters became
    non-finite (emitted once per run)."""


@dataclass(eq=False)
class History:
    """What a :class:`Trainer` recorded.

    Attributes
    ----------
    n_layers : int
        Number of weight layers (columns of each ``layer_stats`` array).
    diverged_at : int or None
        Index of the step whose loss, gradients, update or (when recorded) layer
        statistics were not finite, or None.

    Properties ``steps`` and ``loss`` (one entry per completed step, the minibatch loss
    before that step's update), ``stat_steps`` (the steps at which statistics were
    recorded) and ``layer_stats`` (``dict`` key -> array ``(len(stat_steps), n_layers)``,
    keys in :data:`STAT_KEYS`) return new numpy arrays.
    """

    n_layers: int
    diverged_at: int | None = None
    _steps: list[int] = field(default_factory=list, repr=False)
    _loss: list[float] = field(default_factory=list, repr=False)
    _stat_steps: list[int] = field(default_factory=list, repr=False)
    _stats: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {k: [] for k in STAT_KEYS}, repr=False
    )

    @property
    def steps(self) -> np.ndarray:
        """Step indices (0-based) of the recorded losses, shape ``(n_steps,)``."""
        return np.array(self._steps, dtype=np.int64)

    @property
    def loss(self) -> np.ndarray:
        """Minibatch loss of every completed step, shape ``(n_steps,)``."""
        return np.array(self._loss, dtype=np.float64)

    @property
    def stat_steps(self) -> np.ndarray:
        """Step indices at which ``layer_stats`` were recorded, shape ``(n_records,)``."""
        return np.array(self._stat_steps, dtype=np.int64)

    @property
    def layer_stats(self) -> dict[str, np.ndarray]:
        """Per-layer statistics, each of shape ``(n_records, n_layers)``."""
        return {
            k: np.array(v, dtype=np.float64).reshape(len(v), self.n_layers)
            for k, v in self._stats.items()
        }

    def __len__(self) -> int:
        return len(self._loss)


def _saturation_reference(act: object) -> float:
    return float(np.max(np.abs(act.derivative(_DERIV_GRID))))  # type: ignore[attr-defined]


# Statistics that are finite in any healthy step (update_ratio is NaN for all-zero weights).
_FINITE_STATS = ("z_mean", "z_std", "a_mean", "a_std", "dz_mean", "dz_std", "dW_mean", "dW_std")


def _mean_std(arr: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation in float64, scaled by the largest entry.

    float32 statistics overflow once entries pass about 1e19 (their squares pass 3.4e38);
    the scaling keeps even float64 entries near 1e308 finite. Non-finite entries give NaN/inf
    (the trainer then reports divergence).
    """
    a = np.asarray(arr, dtype=np.float64)
    big = float(np.max(np.abs(a), initial=0.0))
    if big == 0.0 or not np.isfinite(big):
        return float(a.mean()), float(a.std())
    s = a / big
    return float(s.mean()) * big, float(s.std()) * big


def _stays_finite(p: np.ndarray, v: np.ndarray) -> bool:
    """Whether ``p + v`` is finite for a finite ``p``, in one fast pass over ``v``.

    If the sum of squares of ``v`` (a BLAS dot product) is finite, every ``|v|`` is below the
    square root of the largest float (about 1.8e19 in float32), far less than half the gap
    between the largest floats (about 1e31), so ``p + v`` cannot overflow. A NaN or inf in
    ``v`` makes the sum NaN or inf. Only when the sum is not finite is ``p + v`` formed and
    checked entry by entry. Call it under ``np.errstate(over="ignore", invalid="ignore")``.
    """
    flat = v.reshape(-1)
    return bool(np.isfinite(np.dot(flat, flat))) or bool(np.isfinite(p + v).all())


def _sum_of_squares(g: np.ndarray) -> float:
    """Sum of squares of ``g`` (a BLAS dot product): NaN or inf if an entry is, and else finite
    exactly when every ``|g|`` is below the square root of the largest float."""
    flat = g.reshape(-1)
    return float(np.dot(flat, flat))


def _std_ratio(update: np.ndarray, w: np.ndarray) -> float:
    sw = _mean_std(w)[1]
    return _mean_std(update)[1] / sw if sw > 0 else float("nan")


class Trainer:
    """Minibatch SGD on an :class:`~course_utils.mlp.MLP` (trained in place).

    Parameters
    ----------
    model : MLP or BlockNet
        The network; its ``weights`` and ``biases`` are updated in place. A
        :class:`~course_utils.blocknet.BlockNet` trains in training mode (BatchNorm uses
        the minibatch statistics and updates its running averages; its ``biases`` also
        hold the normalizations' ``gamma``, ``beta`` and trainable ``alpha``).
    x : array_like, shape (sizes[0], m)
        Training inputs (examples in columns), cast to the model dtype.
    y : array_like
        Targets in the format of the model's loss (int labels for softmax, 0/1 for
        sigmoid, values ``(K, m)`` for linear).
    lr : float
        Learning rate, > 0.
    batch_size : int or None
        Minibatch size in ``[1, m]``; None (default) uses the full batch every step.
        Each epoch visits the examples in a fresh random order (drawn with ``rng``);
        the last minibatch of an epoch may be smaller.
    momentum : float
        Classical momentum ``mu`` in ``[0, 1)``: ``v = mu v - lr g``; ``W += v``.
    rng : numpy.random.Generator, int or None
        Randomness for the minibatch order.
    record_stats : bool
        Record per-layer statistics (see the module docstring).
    record_every : int
        Record statistics every ``record_every`` steps (steps 0, k, 2k, ...). The loss
        is recorded at every step.
    saturation_threshold : float
        Relative derivative threshold of the ``saturated`` statistic, in ``(0, 1)``.

    Raises
    ------
    TypeError
        If ``model`` is neither an :class:`MLP` nor a BlockNet, or a parameter has the
        wrong type (``lr``, ``momentum`` or ``saturation_threshold`` not a real number,
        ``batch_size`` or ``record_every`` not an int, ``record_stats`` not a bool, ``rng`` not a
        generator, seed or None); the message names the parameter.
    ValueError
        If ``x`` or ``y`` does not fit the model, or a parameter is out of its range
        (``lr <= 0``, ``momentum`` outside ``[0, 1)``, ``batch_size`` outside ``[1, m]``,
        ``record_every < 1``, ``saturation_threshold`` outside ``(0, 1)``, a negative
        seed, a NaN or infinite float); the message names the parameter.

    Attributes
    ----------
    history : History
    step_count : int
        Number of completed steps.
    """

    def __init__(
        self,
        model: MLP,
        x: object,
        y: object,
        *,
        lr: float = 0.1,
        batch_size: int | None = None,
        momentum: float = 0.0,
        rng: RngLike = None,
        record_stats: bool = True,
        record_every: int = 1,
        saturation_threshold: float = 0.05,
    ) -> None:
        if not isinstance(model, (MLP, BlockNet)):
            raise TypeError(f"model must be an MLP or a BlockNet, got {type(model).__name__}")
        self.model = model
        # Examples stored as rows, so that a minibatch is a block of contiguous rows (gathering
        # columns of an (n, m) array is slow); self.x is the (n, m) view of the same memory.
        self._x_rows = np.ascontiguousarray(model._check_x(x).T)
        self.x = self._x_rows.T
        m = self.x.shape[1]
        self.y = model._prepare_y(y, m)
        self.m = m
        self.lr = check_float(lr, "lr", minimum=0.0, strict_min=True)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=m)
        self.batch_size = m if batch_size is None else batch_size
        self.momentum = check_float(momentum, "momentum", minimum=0.0)
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be < 1, got {self.momentum}")
        self.rng = check_rng(rng)
        self.record_stats = check_bool(record_stats, "record_stats")
        self.record_every = check_int(record_every, "record_every", minimum=1)
        self.saturation_threshold = check_float(
            saturation_threshold, "saturation_threshold", minimum=0.0, strict_min=True
        )
        if self.saturation_threshold >= 1.0:
            raise ValueError(f"saturation_threshold must be < 1, got {self.saturation_threshold}")
        self.history = History(n_layers=model.n_layers)
        self.step_count = 0
        self._velocity_w = [np.zeros_like(w) for w in model.weights]
        self._velocity_b = [np.zeros_like(b) for b in model.biases]
        self._order: np.ndarray | None = None
        self._pos = 0
        self._sat_ref = [_saturation_reference(act) for act in model.activations]
        self._warned = False

    @property
    def diverged_at(self) -> int | None:
        """Index of the step at which training diverged, or None."""
        return self.history.diverged_at

    # ------------------------------------------------------------------ batches

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        if self.batch_size >= self.m:
            return self.x, self.y
        if self._order is None or self._pos >= self.m:
            self._order = self.rng.permutation(self.m)
            self._pos = 0
        idx = self._order[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return self._x_rows[idx].T, _losses.take_examples(self.y, idx)

    # ------------------------------------------------------------------ steps

    def step(self, n: int = 1) -> History:
        """Run ``n`` SGD steps (no-op once training has diverged) and return the history.

        ``n`` must be an int >= 0 (``TypeError`` / ``ValueError`` otherwise).
        """
        n = check_int(n, "n", minimum=0, maximum=MAX_STEPS)
        self._run(n)
        return self.history

    def _run(self, n: int) -> None:
        # Called directly by step() and train(), so that the warning's stacklevel
        # points at the user's call in both cases.
        for _ in range(n):
            if self.history.diverged_at is not None:
                break
            self._one_step()

    def _diverge(self, reason: str) -> None:
        k = self.step_count
        self.history.diverged_at = k
        if not self._warned:
            self._warned = True
            # _diverge <- _one_step <- _run <- step()/train() <- user code
            warnings.warn(
                f"training diverged at step {k}: {reason}", DivergenceWarning, stacklevel=5
            )

    def _one_step(self) -> None:
        model = self.model
        xb, yb = self._next_batch()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            cache = model._forward(xb)
            grads = model._backward(cache, yb, input_grad=False)
            if not np.isfinite(grads.loss):
                self._diverge("loss is not finite")
                return
            k = self.step_count
            params = (*model.weights, *model.biases)
            gradients = (*grads.dW, *grads.db)
            # Checked before anything changes, so that a diverging step leaves the parameters
            # at their last finite values. A finite sum of squares (one fast pass) proves a
            # gradient finite; only when it is not are the entries looked at.
            sums = [_sum_of_squares(g) for g in gradients]
            unproven = [g for g, s in zip(gradients, sums, strict=True) if not s < np.inf]
            if not all(np.isfinite(g).all() for g in unproven):
                self._diverge("gradients are not finite")
                return
            record = self.record_stats and k % self.record_every == 0
            stats = self._record(cache, grads) if record else None
            updates = self._updates(gradients)  # the gradients are overwritten from here on
            if stats is not None:
                stats["update_ratio"] = np.array(
                    [_std_ratio(v, w) for v, w in zip(updates, model.weights, strict=False)]
                )
            finite = all(
                small or _stays_finite(p, v)
                for p, v, small in zip(params, updates, self._small_updates(sums), strict=True)
            )
        if not finite:
            self._diverge("updated parameters are not finite")
            return
        if stats is not None and not all(np.isfinite(stats[key]).all() for key in _FINITE_STATS):
            self._diverge("pre-activations or activations are not finite")
            return

        self.history._steps.append(k)
        self.history._loss.append(grads.loss)
        if stats is not None:
            for key, row in stats.items():
                self.history._stats[key].append(row)
            self.history._stat_steps.append(k)
        # Update in place: arrays held elsewhere (e.g. by a plot) see the new values.
        for p, v in zip(params, updates, strict=True):
            p += v
        self.step_count += 1

    def _updates(self, gradients: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
        """The update of each parameter, ``-lr g``, or with momentum the velocity
        ``v = mu v - lr g``; ``lr g`` is computed in place of the gradient ``g`` (a backward
        pass returns new arrays), which saves a pass over the parameters' memory."""
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            return [np.multiply(g, -lr, out=g) for g in gradients]
        velocities = (*self._velocity_w, *self._velocity_b)
        for v, g in zip(velocities, gradients, strict=True):
            v *= mu
            v -= np.multiply(g, lr, out=g)
        return velocities

    def _small_updates(self, sums: Sequence[float]) -> list[bool]:
        """For each gradient with sum of squares ``s``: whether its update is known to leave
        the parameter finite. Without momentum every ``|lr g|`` is at most ``lr sqrt(s)``;
        below the square root of the largest float it cannot carry a finite parameter beyond
        the float range (see :func:`_stays_finite`)."""
        if self.momentum > 0.0:
            return [False] * len(sums)
        top = float(np.finfo(self.model.dtype).max)
        return [self.lr * self.lr * s <= top for s in sums]

    def _record(self, cache: ForwardCache, grads: Gradients) -> dict[str, np.ndarray]:
        """Per-layer statistics of a step in float64, never overflowing; ``update_ratio`` is
        left out (the caller adds it once the update is known)."""
        model = self.model
        n = model.n_layers
        thr = self.saturation_threshold
        rows: dict[str, list[float]] = {k: [] for k in STAT_KEYS if k != "update_ratio"}
        for l in range(n):  # noqa: E741
            z, a, dz, dw = cache.z[l], cache.a[l + 1], grads.dz[l], grads.dW[l]
            for key, arr in (("z", z), ("a", a), ("dz", dz), ("dW", dw)):
                mean, std = _mean_std(arr)
                rows[f"{key}_mean"].append(mean)
                rows[f"{key}_std"].append(std)
            if l < n - 1:
                deriv = np.abs(model.activations[l].derivative(z))
                sat = float(np.mean(deriv < thr * self._sat_ref[l]))
            elif model.output == "linear":
                sat = 0.0
            else:
                sat = float(np.mean(a * (1.0 - a) < thr * 0.25))
            rows["saturated"].append(sat)
        return {k: np.array(v) for k, v in rows.items()}


def train(
    model: MLP,
    x: object,
    y: object,
    *,
    steps: int,
    lr: float = 0.1,
    batch_size: int | None = None,
    momentum: float = 0.0,
    rng: RngLike = None,
    record_stats: bool = True,
    record_every: int = 1,
    saturation_threshold: float = 0.05,
) -> History:
    """Train ``model`` in place for ``steps`` SGD steps and return the :class:`History`.

    A thin wrapper around :class:`Trainer` (see there for the parameters and the errors
    they raise); stops early with a single :class:`DivergenceWarning` if training
    diverges. ``steps`` must be an int >= 0 (``TypeError`` / ``ValueError`` otherwise).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 50)
    >>> x = rng.standard_normal((2, 100)) + np.where(y == 1, 2.0, -2.0)
    >>> net = MLP([2, 16, 2], hidden="tanh", rng=0)
    >>> hist = train(net, x, y, steps=200, lr=0.5, batch_size=20, rng=0)
    >>> bool(hist.loss[-1] < hist.loss[0]), hist.layer_stats["z_std"].shape
    (True, (200, 2))
    """
    steps = check_int(steps, "steps", minimum=0, maximum=MAX_STEPS)
    trainer = Trainer(
        model,
        x,
        y,
        lr=lr,
        batch_size=batch_size,
        momentum=momentum,
        rng=rng,
        record_stats=record_stats,
        record_every=record_every,
        saturation_threshold=saturation_threshold,
    )
    trainer._run(steps)
    return trainer.history
