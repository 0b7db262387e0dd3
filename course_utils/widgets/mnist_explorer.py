r"""The MNIST explorer of notebook 07: how the initialization shapes a deep tanh network.

The setup follows section III of "Initializing neural networks" (Katanforoosh & Kunin,
deeplearning.ai, 2019): a fully connected network ``[784, 300, 300, 300, 300, 10]`` with
tanh hidden layers and a softmax output, trained by SGD (learning rate 0.1) on minibatches
of 100 MNIST digits, for one of the article's four initializations (Zero, Uniform, Xavier,
Standard Normal) plus He and orthogonal. It runs on the 5,000 bundled digits
(:func:`course_utils.datasets.load_mnist`: 4,000 for training, 1,000 held out), in float32.

Initializations (biases are always zero):

================  ====================  ===============================================
label             initializer           distribution of one weight, ``n = fan_in``
================  ====================  ===============================================
Zero              ``zeros``             0
Uniform           ``standard_uniform``  U(-1/sqrt(n), 1/sqrt(n)), variance 1/(3n)
Xavier            ``lecun_normal``      N(0, 1/n): variance 1/n, std 1/sqrt(n)
Standard Normal   ``standard_normal``   N(0, 1)
He                ``he_normal``         N(0, 2/n)
Orthogonal        ``orthogonal``        scaled (semi-)orthogonal, gain 1
================  ====================  ===============================================

A weight scale ``k`` (default 1) multiplies every initial weight matrix, so a weight's
standard deviation is ``k`` times the one above (and its variance ``k**2`` times); the biases
stay zero. Xavier at ``k = sqrt 2`` is He's variance, for example; Zero stays zero.

The article's "Xavier" is N(0, 1/n) with *variance* 1/n (its section III and footnote 4);
its footnote 3 writes N(0, 1/sqrt(n)), which read as (mean, variance) would be a variance of
1/sqrt(n): a standard deviation written where the variance belongs. The explorer uses
variance 1/n.

The pixels are scaled to [0, 1] and then standardized with one global mean and standard
deviation of the training split (:func:`course_utils.datasets.standardize`), so the input
has mean 0 and variance 1 as the variance argument assumes.

Two layers of code:

- :class:`MnistModel`: network, data, trainer and the fixed batch of 100 test images;
  no drawing. ``step(n)``, ``reset(...)``, ``batch_view(kind)``, ``test_accuracy()``.
- :class:`MnistExplorer`: the app: :class:`course_utils.widgets.base.TrainingControls`
  (Play/Step/Reset, learning rate), initializer ``ToggleButtons`` with a "weight scale"
  ``FloatLogSlider`` (1/16 to 16) next to them, an
  activations/gradients toggle and one :class:`course_utils.widgets.base.FigureView`
  with the per-layer histograms, the 10x10 grid of the fixed batch (blue = right,
  red = wrong), the cost curve and the test accuracy.

:func:`compare_initializers` trains several initializations for the same budget and
:func:`draw_comparison` draws their histograms as small multiples (the static comparison of
the notebook).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from course_utils import datasets
from course_utils._validation import (
    check_choice,
    check_dtype,
    check_float,
    check_int,
)
from course_utils.mlp import MLP
from course_utils.training import DivergenceWarning, Trainer
from course_utils.widgets.base import FigureView, TrainingApp, scale_suffix

__all__ = [
    "ACTIVATION_BINS",
    "ARTICLE_INITIALIZERS",
    "BATCH_SIZE",
    "GRADIENT_BINS",
    "GRADIENT_RANGE_STDS",
    "HIST_KINDS",
    "INITIALIZERS",
    "SIZES",
    "BatchView",
    "ComparisonResult",
    "MnistData",
    "MnistExplorer",
    "MnistModel",
    "compare_initializers",
    "draw_comparison",
    "histogram_counts",
    "load_data",
    "mosaic",
]

SIZES: tuple[int, ...] = (784, 300, 300, 300, 300, 10)
"""Layer widths of the article's network: 4 tanh hidden layers of 300 units."""

BATCH_SIZE = 100
"""Minibatch size, and the size of the fixed batch shown in the grid."""

INITIALIZERS: dict[str, str] = {
    "Zero": "zeros",
    "Uniform": "standard_uniform",
    "Xavier": "lecun_normal",
    "Standard Normal": "standard_normal",
    "He": "he_normal",
    "Orthogonal": "orthogonal",
}
"""Button label -> :mod:`course_utils.initializers` name (see the module docstring)."""

ARTICLE_INITIALIZERS: tuple[str, ...] = ("Zero", "Uniform", "Xavier", "Standard Normal")
"""The four initializations of the article's figure."""

HIST_KINDS: tuple[str, ...] = ("activations", "gradients")
"""What the histograms show: ``a[l] = tanh(z[l])`` or ``dL/dz[l]`` per hidden layer."""

ACTIVATION_BINS = 40
GRADIENT_BINS = 41
GRADIENT_RANGE_STDS = 3.0
_RIGHT = np.array([0.12, 0.35, 0.85])  # blue ink: correctly classified
_WRONG = np.array([0.85, 0.12, 0.12])  # red ink: misclassified


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MnistData:
    """The explorer's data (read-only arrays).

    Attributes
    ----------
    x_train, y_train : (784, 4000) standardized inputs and (4000,) labels
    x_test, y_test : (784, 1000) standardized inputs and (1000,) labels
    batch_x, batch_y : the fixed batch: the first 100 test images (standardized) and labels
    batch_images : (100, 28, 28) the same images with pixels in [0, 1], for the grid
    mean, std : the global training statistics used to standardize
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    batch_x: np.ndarray
    batch_y: np.ndarray
    batch_images: np.ndarray
    mean: float
    std: float


@functools.lru_cache(maxsize=2)
def _load_data(dtype_name: str) -> MnistData:
    dtype = np.dtype(dtype_name)
    x_train, y_train = datasets.load_mnist("train", dtype=dtype)
    x_test, y_test = datasets.load_mnist("test", dtype=dtype)
    images = x_test[:, :BATCH_SIZE].T.reshape(BATCH_SIZE, 28, 28).copy()
    x_train, (mean, std) = datasets.standardize(x_train)
    x_test, _ = datasets.standardize(x_test, mean, std)
    arrays = {
        "x_train": np.ascontiguousarray(x_train),
        "y_train": y_train,
        "x_test": np.ascontiguousarray(x_test),
        "y_test": y_test,
        "batch_x": np.ascontiguousarray(x_test[:, :BATCH_SIZE]),
        "batch_y": y_test[:BATCH_SIZE].copy(),
        "batch_images": images,
    }
    for arr in arrays.values():
        arr.setflags(write=False)
    return MnistData(**arrays, mean=float(mean), std=float(std))


def load_data(dtype: type | np.dtype | str = np.float32) -> MnistData:
    """The standardized train/test split and the fixed batch of 100 test images (cached).

    Parameters
    ----------
    dtype : float32 or float64
        Dtype of the inputs.

    Returns
    -------
    MnistData
    """
    return _load_data(check_dtype(dtype).name)


# ---------------------------------------------------------------------------
# Pure helpers (tested directly)
# ---------------------------------------------------------------------------


def _nice_ceiling(x: float) -> float:
    """Smallest of 1, 1.5, 2, 3, 5, 7.5 times a power of ten that is >= x (x > 0)."""
    exponent = np.floor(np.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0):
        value = float(m * 10**exponent)
        if value >= x * (1 - 1e-12):
            return value
    return float(10 ** (exponent + 1))  # pragma: no cover


def histogram_counts(
    values: Sequence[np.ndarray], kind: str
) -> tuple[list[np.ndarray], np.ndarray]:
    """Counts per layer on shared bin edges, as drawn by the explorer.

    Parameters
    ----------
    values : sequence of arrays
        One array per hidden layer (all entries are counted; they must be finite).
    kind : {"activations", "gradients"}
        ``"activations"``: ``ACTIVATION_BINS`` bins on [-1, 1] (the range of tanh).
        ``"gradients"``: ``GRADIENT_BINS`` bins on ``[-r, r]`` shared by all layers,
        ``r`` the smallest of 1, 1.5, 2, 3, 5, 7.5 times a power of ten that is at least
        ``GRADIENT_RANGE_STDS * max_l std(values[l])`` (1 if all are zero), so that
        layers can be compared on one scale (a vanishing gradient shows as a spike at 0);
        entries beyond ``r`` are counted in the end bins.

    Returns
    -------
    counts : list of int ndarrays, one per layer; ``counts[l].sum() == values[l].size``
    edges : ndarray, the shared bin edges
    """
    kind = check_choice(kind, "kind", HIST_KINDS)
    if isinstance(values, np.ndarray) or len(values) == 0:
        raise ValueError("values must be a non-empty list of arrays (one per layer)")
    arrays = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    for i, a in enumerate(arrays):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"values[{i}] must contain only finite values")
    if kind == "activations":
        bins, r = ACTIVATION_BINS, 1.0  # tanh lies in [-1, 1]
    else:
        bins = GRADIENT_BINS
        spread = GRADIENT_RANGE_STDS * max(float(a.std()) if a.size else 0.0 for a in arrays)
        r = _nice_ceiling(spread) if spread > 0 else 1.0
    counts = []
    for a in arrays:
        c, edges = np.histogram(np.clip(a, -r, r), bins=bins, range=(-r, r))
        counts.append(c)
    return counts, edges


def mosaic(images: np.ndarray, correct: np.ndarray, *, cols: int = 10) -> np.ndarray:
    """An RGB grid of digits, ink tinted blue (correct) or red (misclassified).

    Parameters
    ----------
    images : ndarray, shape (k, h, w)
        Grey images with values in [0, 1] (1 = ink).
    correct : array of bool, shape (k,)
        Whether each image is classified correctly.
    cols : int
        Images per row; ``k`` must be a multiple of it.

    Returns
    -------
    ndarray, shape (k // cols * h, cols * w, 3), float in [0, 1]
        White background; a pixel of ink level ``p`` is ``(1 - p) * white + p * tint``.
    """
    images = np.asarray(images, dtype=np.float64)
    correct = np.asarray(correct)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (k, h, w), got {images.shape}")
    if correct.shape != (images.shape[0],) or correct.dtype != bool:
        raise ValueError(f"correct must be a bool array of shape ({images.shape[0]},)")
    cols = check_int(cols, "cols", minimum=1)
    k, h, w = images.shape
    if k % cols:
        raise ValueError(f"the number of images ({k}) must be a multiple of cols ({cols})")
    rows = k // cols
    ink = np.clip(images, 0.0, 1.0)[..., None]
    tint = np.where(correct[:, None], _RIGHT, _WRONG)[:, None, None, :]
    rgb = 1.0 - ink * (1.0 - tint)  # (k, h, w, 3)
    return rgb.reshape(rows, cols, h, w, 3).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, 3)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BatchView:
    """What the explorer shows about the fixed batch of 100 test images.

    Attributes
    ----------
    kind : "activations" or "gradients"
    values : list of ndarray, one (300, 100) array per hidden layer: ``a[l]`` or ``dL/dz[l]``
    predictions, labels : (100,) predicted and true classes
    correct : (100,) bool
    misclassified : int, number of wrong predictions
    loss : float, mean cross-entropy on the batch
    """

    kind: str
    values: list[np.ndarray]
    predictions: np.ndarray
    labels: np.ndarray
    correct: np.ndarray
    misclassified: int
    loss: float

    @property
    def finite(self) -> bool:
        """Whether every value (and the loss) is finite."""
        return bool(np.isfinite(self.loss)) and all(np.all(np.isfinite(v)) for v in self.values)


class MnistModel:
    """Network, data and SGD state of the explorer (no drawing).

    Parameters
    ----------
    init : str
        A label of :data:`INITIALIZERS` (``"Zero"``, ``"Uniform"``, ``"Xavier"``,
        ``"Standard Normal"``, ``"He"``, ``"Orthogonal"``).
    lr : float
        SGD learning rate (> 0); can be changed at any time (:attr:`lr`).
    seed : int
        Seeds the initialization and the minibatch order; :meth:`reset` restarts both,
        so a reset run repeats exactly.
    eval_every : int
        The test accuracy (1,000 held-out digits) is measured at step 0 and every
        ``eval_every`` steps.
    batch_size : int
        Minibatch size.
    dtype : float32 or float64
    scale : float
        Weight scale (> 0, finite): every initial weight matrix is multiplied by it right
        after initialization, so the weights' standard deviation is ``scale`` times the
        initializer's (biases stay zero). With the same seed, the weights at scale ``k`` are
        ``k`` times those at scale 1 (exactly for powers of 2; to float rounding otherwise).

    Attributes
    ----------
    net : MLP
    trainer : Trainer
    data : MnistData
    eval_steps, test_accuracies : lists of the steps and test accuracies measured
    """

    def __init__(
        self,
        init: str = "Xavier",
        *,
        lr: float = 0.1,
        seed: int = 0,
        eval_every: int = 10,
        batch_size: int = BATCH_SIZE,
        dtype: type | np.dtype | str = np.float32,
        scale: float = 1.0,
    ) -> None:
        self._init = check_choice(init, "init", list(INITIALIZERS))
        self._scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
        self._lr = check_float(lr, "lr", minimum=0.0, strict_min=True)
        self._seed = check_int(seed, "seed", minimum=0)
        self.eval_every = check_int(eval_every, "eval_every", minimum=1)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.dtype = check_dtype(dtype)
        self.data = load_data(self.dtype)
        self.reset()

    # ------------------------------------------------------------------ state

    @property
    def init(self) -> str:
        """The initialization label in use."""
        return self._init

    @property
    def initializer(self) -> str:
        """The :mod:`course_utils.initializers` name behind :attr:`init`."""
        return INITIALIZERS[self._init]

    @property
    def scale(self) -> float:
        """The weight scale: the initial weights are ``scale`` times the initializer's."""
        return self._scale

    @property
    def seed(self) -> int:
        """The seed of the initialization and of the minibatch order."""
        return self._seed

    @property
    def lr(self) -> float:
        """Learning rate; setting it takes effect at the next step (no reset)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_float(value, "lr", minimum=0.0, strict_min=True)
        self.trainer.lr = self._lr

    @property
    def step_count(self) -> int:
        """SGD steps taken since the last reset."""
        return self._steps

    @property
    def epoch(self) -> float:
        """Passes over the training split so far (``step_count * batch_size / 4000``)."""
        return self._steps * self.batch_size / self.data.y_train.size

    @property
    def losses(self) -> np.ndarray:
        """Minibatch training cost of each step since the reset, shape (step_count,)."""
        return np.asarray(self.trainer.history.loss[: self._steps], dtype=np.float64)

    @property
    def diverged_at(self) -> int | None:
        """Index (0-based) of the step whose cost, gradients or update were not finite, or
        None. Training stopped there, so it equals :attr:`step_count`; the weights keep
        their last finite values."""
        return self.trainer.diverged_at

    def reset(
        self, init: str | None = None, *, seed: int | None = None, scale: float | None = None
    ) -> None:
        """Draw a new network (optionally with another initialization, seed or scale) and
        restart.

        Parameters
        ----------
        init : str, optional
            New initialization label; default keep the current one.
        seed : int, optional
            New seed; default keep the current one (the same weights and batches again).
        scale : float, optional
            New weight scale (> 0); default keep the current one. With the same seed the
            weights are the same draw, multiplied by the new scale.
        """
        if init is not None:
            init = check_choice(init, "init", list(INITIALIZERS))
        if seed is not None:
            seed = check_int(seed, "seed", minimum=0)
        if scale is not None:
            scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
        self._init = self._init if init is None else init
        self._seed = self._seed if seed is None else seed
        self._scale = self._scale if scale is None else scale
        init_seq, batch_seq = np.random.SeedSequence(self._seed).spawn(2)
        self.net = MLP(
            list(SIZES),
            hidden="tanh",
            output="softmax",
            init=self.initializer,
            rng=np.random.default_rng(init_seq),
            dtype=self.dtype,
        )
        if self._scale != 1.0:
            for w in self.net.weights:
                w *= self._scale  # in place, in the network's dtype; the biases stay zero
        self.trainer = Trainer(
            self.net,
            self.data.x_train,
            self.data.y_train,
            lr=self._lr,
            batch_size=self.batch_size,
            rng=np.random.default_rng(batch_seq),
            record_stats=False,
        )
        self._steps = 0
        self.eval_steps: list[int] = []
        self.test_accuracies: list[float] = []
        self._evaluate()

    def step(self, n: int = 1) -> int:
        """Run up to ``n`` SGD steps; returns how many ran (fewer after a divergence).

        A non-finite cost stops training and sets :attr:`diverged_at`; the
        :class:`~course_utils.training.DivergenceWarning` is not propagated (the app shows
        the step instead). The test accuracy is measured at every multiple of
        ``eval_every``.
        """
        n = check_int(n, "n", minimum=0)
        done = 0
        while done < n and self.diverged_at is None:
            chunk = min(n - done, self.eval_every - self._steps % self.eval_every)
            before = len(self.trainer.history)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DivergenceWarning)
                self.trainer.step(chunk)
            ran = len(self.trainer.history) - before
            self._steps += ran
            done += ran
            if self.diverged_at is None and self._steps % self.eval_every == 0:
                self._evaluate()
            if ran < chunk:
                break
        return done

    def _evaluate(self) -> None:
        if self.eval_steps and self.eval_steps[-1] == self._steps:
            return
        acc = self.test_accuracy()
        if np.isfinite(acc):
            self.eval_steps.append(self._steps)
            self.test_accuracies.append(acc)

    def test_accuracy(self) -> float:
        """Accuracy on the 1,000 held-out digits (NaN if the network is not finite)."""
        if not all(np.all(np.isfinite(w)) for w in self.net.weights):
            return float("nan")
        with np.errstate(all="ignore"):
            return self.net.accuracy(self.data.x_test, self.data.y_test)

    def batch_view(self, kind: str = "activations") -> BatchView:
        """Forward (and for gradients backward) pass on the fixed batch; no update.

        Parameters
        ----------
        kind : {"activations", "gradients"}
            ``values`` are the hidden activations ``a[1..4]`` or the gradients
            ``dL/dz[1..4]`` of the batch's mean cost.
        """
        kind = check_choice(kind, "kind", HIST_KINDS)
        n_hidden = len(SIZES) - 2
        with np.errstate(all="ignore"):
            cache = self.net.forward(self.data.batch_x)
            if kind == "activations":
                values = [a for a in cache.a[1 : n_hidden + 1]]
                loss = float(self._batch_loss(cache.output))
            else:
                grads = self.net.backward(cache, self.data.batch_y)
                values = [dz for dz in grads.dz[:n_hidden]]
                loss = float(grads.loss)
            predictions = cache.output.argmax(axis=0)
        correct = predictions == self.data.batch_y
        return BatchView(
            kind=kind,
            values=values,
            predictions=predictions,
            labels=self.data.batch_y,
            correct=correct,
            misclassified=int(correct.size - np.count_nonzero(correct)),
            loss=loss,
        )

    def _batch_loss(self, probs: np.ndarray) -> float:
        p = probs[self.data.batch_y, np.arange(self.data.batch_y.size)].astype(np.float64)
        tiny = np.finfo(np.float64).tiny
        return float(-np.mean(np.log(np.maximum(p, tiny))))


# ---------------------------------------------------------------------------
# Static comparison
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """One initialization trained for a fixed budget (see :func:`compare_initializers`).

    Attributes
    ----------
    init : the label
    steps : number of SGD steps run (fewer than asked if it diverged)
    losses : minibatch cost per step
    train_cost : mean cost on the 4,000 training digits after training (NaN if diverged)
    test_accuracy : accuracy on the 1,000 held-out digits after training
    initial_test_accuracy : the same at step 0
    activations_before, activations_after : hidden activations of the fixed batch
        (list of (300, 100) arrays) at step 0 and after training
    diverged_at : int or None
    """

    init: str
    steps: int
    losses: np.ndarray
    train_cost: float
    test_accuracy: float
    initial_test_accuracy: float
    activations_before: list[np.ndarray]
    activations_after: list[np.ndarray]
    diverged_at: int | None


def compare_initializers(
    inits: Sequence[str] = ARTICLE_INITIALIZERS,
    *,
    steps: int = 80,
    lr: float = 0.1,
    seed: int = 0,
    dtype: type | np.dtype | str = np.float32,
) -> dict[str, ComparisonResult]:
    """Train each initialization for the same number of steps with the same seed.

    Parameters
    ----------
    inits : sequence of str
        Labels of :data:`INITIALIZERS`.
    steps : int
        SGD steps of batch 100 (40 steps = one epoch of the 4,000 training digits).
    lr, seed, dtype
        As in :class:`MnistModel`; the same seed for every initialization, so they see
        the same minibatches in the same order.

    Returns
    -------
    dict label -> ComparisonResult
    """
    if isinstance(inits, str) or not isinstance(inits, Sequence) or len(inits) == 0:
        raise TypeError("inits must be a non-empty list of initialization labels")
    labels = [check_choice(name, f"inits[{i}]", list(INITIALIZERS)) for i, name in enumerate(inits)]
    steps = check_int(steps, "steps", minimum=0)
    results: dict[str, ComparisonResult] = {}
    for label in labels:
        model = MnistModel(label, lr=lr, seed=seed, eval_every=max(steps, 1), dtype=dtype)
        before = [a.copy() for a in model.batch_view("activations").values]
        acc0 = model.test_accuracies[0] if model.test_accuracies else float("nan")
        model.step(steps)
        after = [a.copy() for a in model.batch_view("activations").values]
        if model.diverged_at is None:
            with np.errstate(all="ignore"):
                cost = model.net.loss(model.data.x_train, model.data.y_train)
        else:
            cost = float("nan")
        results[label] = ComparisonResult(
            init=label,
            steps=model.step_count,
            losses=model.losses,
            train_cost=float(cost),
            test_accuracy=model.test_accuracy(),
            initial_test_accuracy=acc0,
            activations_before=before,
            activations_after=after,
            diverged_at=model.diverged_at,
        )
    return results


def draw_comparison(
    axes: np.ndarray,
    results: dict[str, ComparisonResult],
    inits: Sequence[str] | None = None,
    *,
    bins: int = ACTIVATION_BINS,
) -> None:
    """Small multiples of :func:`compare_initializers` results: activation histograms
    per hidden layer (columns) and initialization (rows), step 0 against after training.

    Each panel shows the density of the fixed batch's activations on [-1, 1]: step 0 as a
    grey filled outline, after training as a coloured line (one ``StepPatch`` each, which
    renders much faster than one bar per bin).

    Parameters
    ----------
    axes : ndarray of matplotlib Axes, shape (len(inits), 4)
    results : dict label -> ComparisonResult
    inits : sequence of str, optional
        Rows to draw, in order; default all of ``results``.
    bins : int
        Bins on [-1, 1].
    """
    inits = list(results) if inits is None else list(inits)
    for i, label in enumerate(inits):
        if label not in results:
            raise ValueError(f"inits[{i}] = {label!r} is not in results {list(results)}")
    bins = check_int(bins, "bins", minimum=1)
    axes = np.asarray(axes, dtype=object)
    n_hidden = len(SIZES) - 2
    if axes.shape != (len(inits), n_hidden):
        raise ValueError(f"axes must have shape ({len(inits)}, {n_hidden}), got {axes.shape}")
    for row, label in zip(axes, inits, strict=True):
        r = results[label]
        for layer, ax in enumerate(row):
            for values, style in (
                (r.activations_before[layer], {"fill": True, "color": "0.75", "label": "step 0"}),
                (
                    r.activations_after[layer],
                    {"color": "tab:blue", "lw": 1.2, "label": f"after {r.steps} steps"},
                ),
            ):
                density, edges = np.histogram(
                    np.clip(values, -1.0, 1.0), bins=bins, range=(-1.0, 1.0), density=True
                )
                ax.stairs(density, edges, **style)
            ax.set_xlim(-1.0, 1.0)
            ax.set_title(f"{label}: A[{layer + 1}]", fontsize=9)
        row[0].set_ylabel("density")


# ---------------------------------------------------------------------------
# App
# ---------------------------------------------------------------------------


class MnistExplorer(TrainingApp):
    """The live MNIST explorer: controls plus one figure, updated in place.

    Parameters
    ----------
    init : str
        Initial initialization label (see :data:`INITIALIZERS`).
    lr : float
        Initial learning rate (within the slider's range 1e-3 .. 10).
    seed : int
        Seed of the model (see :class:`MnistModel`).
    scale : float
        Initial weight scale, between 1/16 and 16 (see :class:`MnistModel`).
    steps_per_tick : int
        SGD steps per Play tick or Step click.
    interval_ms : int
        Play interval in milliseconds.
    eval_every : int
        Steps between test-accuracy measurements.
    dpi : int
        Resolution of the figure (the digit grid is always 280 x 280 pixels).

    Attributes
    ----------
    model : MnistModel
    controls : base.TrainingControls (Play / Step / Reset, learning rate, status)
    init_buttons : ipywidgets.ToggleButtons (initialization)
    scale_slider : ipywidgets.FloatLogSlider ("weight scale", next to the initializers);
        changing it draws the network again (same seed) with the new scale, at step 0. The
        scale is kept by Reset and when the initializer changes.
    hist_buttons : ipywidgets.ToggleButtons ("activations" / "gradients")
    view : base.FigureView (updates redraw only the animated artists on a cached background)
    widget : ipywidgets.VBox (the whole app)
    last_view : BatchView drawn last
    hist_patches : the four histogram ``StepPatch`` artists (counts, not densities)
    grid_image : the ``AxesImage`` of the 10 x 10 grid
    readout : ipywidgets.HTML above the figure: initialization (with the weight scale when
        it is not 1), step, epoch, learning rate, last cost and last test accuracy (text
        outside the figure costs no rendering)
    misclassified_text, caption, cost_line, acc_line : the other live artists

    Examples
    --------
    >>> app = MnistExplorer("Xavier")
    >>> app                       # in a notebook: shows the app
    >>> app.controls.press_step(5)     # 5 clicks of 2 SGD steps each
    >>> app.model.step_count
    10
    >>> app.hist_buttons.value = "gradients"
    """

    def __init__(
        self,
        init: str = "Xavier",
        *,
        lr: float = 0.1,
        seed: int = 0,
        scale: float = 1.0,
        steps_per_tick: int = 2,
        interval_ms: int = 250,
        eval_every: int = 10,
        dpi: int = 72,
    ) -> None:
        steps_per_tick = check_int(steps_per_tick, "steps_per_tick", minimum=1)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
        dpi = check_int(dpi, "dpi", minimum=40, maximum=200)
        self.model = MnistModel(init, lr=lr, seed=seed, eval_every=eval_every, scale=scale)
        self.controls = self._make_controls(steps_per_tick, interval_ms)
        self.init_buttons = widgets.ToggleButtons(
            options=list(INITIALIZERS), value=init, description="init"
        )
        self.scale_slider = self._make_scale_slider()
        self.hist_buttons = widgets.ToggleButtons(
            options=list(HIST_KINDS), value="activations", description="histograms"
        )
        self.readout = widgets.HTML()
        self.view = FigureView(figsize=(10.0, 5.0), dpi=dpi)
        self.last_view: BatchView | None = None
        self._grad_unit: float | None = None  # x-axis unit of the gradient histograms
        self._drawn_key: tuple | None = None
        self._build_figure()
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [self.init_buttons, self.scale_slider],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.controls.box,
                self.hist_buttons,
                self.readout,
                self.view.image,
            ]
        )
        self.init_buttons.observe(self._on_init, names="value")
        self.scale_slider.observe(self._on_scale, names="value")
        self.hist_buttons.observe(self._on_redraw, names="value")
        self.controls.lr.observe(self._on_lr, names="value")
        self.refresh()

    # ------------------------------------------------------------------ figure

    def _build_figure(self) -> None:
        fig = self.view.figure
        width, height = fig.get_size_inches() * fig.dpi
        # The 280 x 280 grid at its native size (one image pixel per screen pixel).
        self.grid_ax = fig.add_axes((0.01, 0.03, 280 / width, 280 / height))
        self.grid_image = self.grid_ax.imshow(
            np.ones((280, 280, 3)), interpolation="nearest", vmin=0.0, vmax=1.0
        )
        self.grid_ax.set_axis_off()
        self.misclassified_text = self.grid_ax.set_title("Misclassified 0/100", fontsize=11)
        self.hist_axes = []
        self.hist_patches = []
        edges = np.linspace(-1.0, 1.0, ACTIVATION_BINS + 1)
        for i in range(len(SIZES) - 2):
            ax = fig.add_axes((0.43 + i * 0.145, 0.60, 0.125, 0.25))
            patch = ax.stairs(np.zeros(ACTIVATION_BINS), edges, fill=True, color="tab:blue")
            ax.set_xlim(-1.0, 1.0)
            ax.set_xticks([-1.0, 0.0, 1.0], labels=["-1", "0", "1"])
            ax.set_yticks([])
            ax.tick_params(labelsize=8)
            self.hist_axes.append(ax)
            self.hist_patches.append(patch)
        self.hist_titles = [ax.set_title(" ", fontsize=8) for ax in self.hist_axes]
        # Bar heights are scaled to each panel's tallest bar, hence no y ticks.
        self.hist_axes[0].set_ylabel("count", fontsize=8)
        # One x label for the row; it follows the histogram toggle (see _draw_batch).
        self.hist_xlabel = fig.text(0.71, 0.535, " ", fontsize=8, ha="center", va="center")
        self.cost_ax = fig.add_axes((0.47, 0.11, 0.29, 0.34))
        (self.cost_line,) = self.cost_ax.plot([], [], color="tab:blue", lw=1.0)
        self.cost_ax.set_xlabel("step (batch of 100)", fontsize=9)
        self.cost_ax.set_ylabel("cost", fontsize=9)
        self.cost_ax.tick_params(labelsize=8)
        self.cost_ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self.cost_ax.yaxis.set_major_locator(MaxNLocator(4))
        self.cost_ax.set_title("minibatch cost", fontsize=9)
        self.acc_ax = fig.add_axes((0.83, 0.11, 0.16, 0.34))
        (self.acc_line,) = self.acc_ax.plot([], [], "o-", color="tab:green", ms=3, lw=1.0)
        self.acc_ax.axhline(0.1, color="0.5", ls="--", lw=0.8)
        self.acc_ax.set_ylim(0.0, 1.0)
        self.acc_ax.set_yticks([0.0, 0.5, 1.0])
        self.acc_ax.set_xlabel(f"step (every {self.model.eval_every})", fontsize=9)
        self.acc_ax.set_ylabel("accuracy", fontsize=9)
        self.acc_ax.tick_params(labelsize=8)
        self.acc_ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        self.acc_ax.set_title("test accuracy", fontsize=9)
        self.caption = fig.text(0.43, 0.95, " ", fontsize=9, ha="left", va="center")
        self.diverged_text = self.cost_ax.text(
            0.5,
            0.5,
            "",
            transform=self.cost_ax.transAxes,
            ha="center",
            va="center",
            color="tab:red",
            fontsize=11,
        )
        # Everything that changes per update is drawn alone on the cached background; the
        # background (frames, ticks, labels) is rendered again only when an axis limit moves.
        self.view.set_animated(
            [
                self.grid_image,
                self.misclassified_text,
                *self.hist_patches,
                *self.hist_titles,
                self.hist_xlabel,
                self.cost_line,
                self.acc_line,
                self.caption,
                self.diverged_text,
            ]
        )

    def _background_key(self) -> tuple:
        return (
            self.cost_ax.get_xlim(),
            self.cost_ax.get_ylim(),
            self.acc_ax.get_xlim(),
        )

    # ------------------------------------------------------------------ drawing

    def refresh(self) -> None:
        """Redraw every view from the model's current state (one PNG render)."""
        model = self.model
        view = model.batch_view(self.hist_buttons.value)
        # The trainer keeps the last finite parameters after a divergence, so the view is
        # finite in practice; if not, the plots keep the last finite data.
        if view.finite:
            self._draw_batch(view)
            self.last_view = view
        self._draw_curves()
        diverged = model.diverged_at is not None
        status = f"diverged at step {model.diverged_at}" if diverged else ""
        self._show_status(status)
        self.diverged_text.set_text(status)
        losses = model.losses
        parts = [
            f"<b>{model.init}{scale_suffix(model.scale)}</b> ({model.initializer})",
            f"step {model.step_count}",
            f"epoch {model.epoch:.2f}",
            f"lr {model.lr:.3g}",
            f"cost {losses[-1]:.3g}" if losses.size else "cost -",
            (
                f"test accuracy {model.test_accuracies[-1]:.1%} (step {model.eval_steps[-1]})"
                if model.test_accuracies
                else "test accuracy -"
            ),
        ]
        self.readout.value = " &nbsp;·&nbsp; ".join(parts)
        # Inside the figure only what a static picture needs, in few glyphs (text is the
        # slowest artist to render).
        unit = self._grad_unit
        self.caption.set_text(
            f"{model.init}{scale_suffix(model.scale)}, step {model.step_count}"
            + (f";  dL/dz axes in units of {unit:.2g}" if unit is not None else "")
        )
        key = self._background_key()
        full = key != self._drawn_key
        self._drawn_key = key
        self.view.redraw(full=full)

    def _draw_batch(self, view: BatchView) -> None:
        counts, edges = histogram_counts(view.values, view.kind)
        r = float(edges[-1])
        gradients = view.kind == "gradients"
        self._grad_unit = r if gradients else None
        for i, (ax, patch, title, c, v) in enumerate(
            zip(
                self.hist_axes,
                self.hist_patches,
                self.hist_titles,
                counts,
                view.values,
                strict=True,
            )
        ):
            # Drawn in units of r, so the axes (and their cached ticks) never change.
            patch.set_data(c, edges / r)
            patch.set_color("tab:orange" if gradients else "tab:blue")
            ax.set_ylim(0.0, max(float(c.max()), 1.0) * 1.05)
            symbol = "dL/dz" if gradients else "A"
            title.set_text(f"{symbol}[{i + 1}]  std {float(np.std(v)):.2g}")
        self.hist_xlabel.set_text(
            f"dL/dz[l] in units of {r:.2g}" if gradients else "activation A[l] = tanh(z[l])"
        )
        self.grid_image.set_data(mosaic(self.model.data.batch_images, view.correct))
        self.misclassified_text.set_text(f"Misclassified {view.misclassified}/{view.correct.size}")

    def _draw_curves(self) -> None:
        model = self.model
        losses = model.losses
        self.cost_line.set_data(np.arange(losses.size), losses)
        # Limits grow in steps, so the cached background (ticks) is redrawn rarely.
        x_max = 20 * 2 ** int(np.ceil(np.log2(max(model.step_count / 20, 1.0))))
        self.cost_ax.set_xlim(0, x_max)
        self.acc_ax.set_xlim(0, x_max)
        top = max(float(losses.max()), 2.4) if losses.size else 2.4
        self.cost_ax.set_ylim(0.0, _nice_ceiling(top * 1.05))
        self.acc_line.set_data(model.eval_steps, model.test_accuracies)
