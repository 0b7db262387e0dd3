r"""The lesson model of notebook 07: how the initialization shapes a deep tanh network.

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

- :func:`load_data`: the standardized split and the fixed batch of 100 test images.
- :class:`MnistModel`: network, data, trainer and the fixed batch; no drawing. ``step(n)``,
  ``reset(...)``, ``batch_view(kind)``, ``test_accuracy()``. The app that shows it is
  :class:`course_utils.widgets.mnist_explorer.MnistExplorer`.
- :func:`compare_initializers`: several initializations trained for the same budget (the
  notebook's static comparison; :func:`course_utils.widgets.mnist_explorer.draw_comparison`
  draws it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from course_utils import datasets
from course_utils._validation import (
    MAX_ELEMENTS,
    MAX_STEPS,
    NonFiniteError,
    check_array,
    check_choice,
    check_dtype,
    check_int,
)
from course_utils.experiments.base import LessonModel, check_positive, check_scale
from course_utils.mlp import MLP
from course_utils.training import Trainer

__all__ = [
    "ARTICLE_INITIALIZERS",
    "BATCH_SIZE",
    "HIST_KINDS",
    "INITIALIZERS",
    "INITIALIZER_NAMES",
    "SIZES",
    "BatchView",
    "ComparisonResult",
    "MnistData",
    "MnistModel",
    "compare_initializers",
    "load_data",
    "stratified_indices",
]

SIZES: tuple[int, ...] = (784, 300, 300, 300, 300, 10)
"""Layer widths of the article's network: 4 tanh hidden layers of 300 units."""

BATCH_SIZE = 100
"""Minibatch size, and the size of the fixed batch shown in the grid."""

INITIALIZER_NAMES: dict[str, str] = {
    "Zero": "zeros",
    "Uniform": "standard_uniform",
    "Xavier": "lecun_normal",
    "Standard Normal": "standard_normal",
    "He": "he_normal",
    "Orthogonal": "orthogonal",
}
"""Label -> :mod:`course_utils.initializers` name (see the module docstring)."""

INITIALIZERS: tuple[str, ...] = tuple(INITIALIZER_NAMES)
"""Labels offered by the app, in display order."""

ARTICLE_INITIALIZERS: tuple[str, ...] = ("Zero", "Uniform", "Xavier", "Standard Normal")
"""The four initializations of the article's figure."""

HIST_KINDS: tuple[str, ...] = ("activations", "gradients")
"""What the histograms show: ``a[l] = tanh(z[l])`` or ``dL/dz[l]`` per hidden layer."""


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
    batch_x, batch_y : the fixed batch: 10 test images of each digit, the first ones of each
        class in test-set order, sorted by digit (standardized), and their labels
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


def stratified_indices(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` examples of every class, grouped by class.

    Parameters
    ----------
    labels : ndarray of int, shape (m,)
        Class labels ``0, ..., k - 1``.
    per_class : int
        Examples taken from each class.

    Returns
    -------
    ndarray of int, shape (k * per_class,)
        Class 0's indices first (in increasing order), then class 1's, and so on.

    Raises
    ------
    ValueError
        If a class has fewer than ``per_class`` examples.
    """
    labels = check_array(labels, "labels", ndim=1)
    if labels.size == 0 or labels.dtype.kind not in "iu" or int(labels.min()) < 0:
        raise ValueError("labels must be a non-empty array of class labels 0, ..., k - 1")
    if int(labels.max()) >= MAX_ELEMENTS:
        raise ValueError(f"labels must be class labels below {MAX_ELEMENTS:,}")
    per_class = check_int(per_class, "per_class", minimum=1)
    out = []
    for c in range(int(labels.max()) + 1):
        found = np.flatnonzero(labels == c)[:per_class]
        if found.size < per_class:
            raise ValueError(
                f"labels: class {c} has {found.size} examples, fewer than per_class={per_class}"
            )
        out.append(found)
    return np.concatenate(out)


@functools.lru_cache(maxsize=2)
def _load_data(dtype_name: str) -> MnistData:
    dtype = np.dtype(dtype_name)
    x_train, y_train = datasets.load_mnist("train", dtype=dtype)
    x_test, y_test = datasets.load_mnist("test", dtype=dtype)
    idx = stratified_indices(y_test, BATCH_SIZE // 10)
    images = x_test[:, idx].T.reshape(BATCH_SIZE, 28, 28).copy()
    x_train, (mean, std) = datasets.standardize(x_train)
    x_test, _ = datasets.standardize(x_test, mean, std)
    arrays = {
        "x_train": np.ascontiguousarray(x_train),
        "y_train": y_train,
        "x_test": np.ascontiguousarray(x_test),
        "y_test": y_test,
        "batch_x": np.ascontiguousarray(x_test[:, idx]),
        "batch_y": y_test[idx].copy(),
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


class MnistModel(LessonModel):
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

    INITIALIZERS = INITIALIZERS

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
        self._init = check_choice(init, "init", INITIALIZERS)
        self._scale = check_scale(scale, "scale")
        self._lr = check_positive(lr, "lr")
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
    def initializer_name(self) -> str:
        """The :mod:`course_utils.initializers` name behind :attr:`init`."""
        return INITIALIZER_NAMES[self._init]

    @property
    def scale(self) -> float:
        """The weight scale: the initial weights are ``scale`` times the initializer's."""
        return self._scale

    @property
    def seed(self) -> int:
        """The seed of the initialization and of the minibatch order."""
        return self._seed

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
        init, seed, scale = self._check_changes(init, seed, scale)
        self._init = self._init if init is None else init
        self._seed = self._seed if seed is None else seed
        self._scale = self._scale if scale is None else scale
        init_seq, batch_seq = np.random.SeedSequence(self._seed).spawn(2)
        self.net = MLP(
            list(SIZES),
            hidden="tanh",
            output="softmax",
            init=self.initializer_name,
            rng=np.random.default_rng(init_seq),
            dtype=self.dtype,
        )
        self._scale_weights(self.net, self._scale)
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
        n = check_int(n, "n", minimum=0, maximum=MAX_STEPS)
        done = 0
        while done < n and self.diverged_at is None:
            chunk = min(n - done, self.eval_every - self._steps % self.eval_every)
            ran = self._train(chunk)
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
        try:
            return self.net.accuracy(self.data.x_test, self.data.y_test)
        except NonFiniteError:  # finite but huge weights overflow the forward pass
            return float("nan")

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
        # The trainer's fast path (mlp.TrainableModel), not forward/backward: after a diverged
        # run the weights are finite but huge, and the views must show the inf/NaN values
        # they give (as "not finite") rather than stop at the public methods' NonFiniteError.
        net = self.net
        with np.errstate(all="ignore"):
            cache = net._forward(net._check_x(self.data.batch_x))
            if kind == "activations":
                values = [a for a in cache.a[1 : n_hidden + 1]]
                loss = float(self._batch_loss(cache.output))
            else:
                y = net._prepare_y(self.data.batch_y, cache.output.shape[1])
                grads = net._backward(cache, y, input_grad=False)
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
    labels = [check_choice(name, f"inits[{i}]", INITIALIZERS) for i, name in enumerate(inits)]
    steps = check_int(steps, "steps", minimum=0, maximum=MAX_STEPS)
    results: dict[str, ComparisonResult] = {}
    for label in labels:
        model = MnistModel(label, lr=lr, seed=seed, eval_every=max(steps, 1), dtype=dtype)
        before = [a.copy() for a in model.batch_view("activations").values]
        acc0 = model.test_accuracies[0] if model.test_accuracies else float("nan")
        model.step(steps)
        after = [a.copy() for a in model.batch_view("activations").values]
        if model.diverged_at is None:
            try:
                cost = model.net.loss(model.data.x_train, model.data.y_train)
            except NonFiniteError:
                cost = float("inf")
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
