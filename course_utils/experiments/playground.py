r"""The lesson model of notebook 01: a tiny ReLU network on 2-D toy data.

The setup follows section I of "Initializing neural networks" (Katanforoosh & Kunin,
deeplearning.ai, 2019): a network with sizes ``[2, 6, 3, 1]`` (ReLU, ReLU, sigmoid output,
binary cross-entropy), trained by full-batch gradient descent on a 2-D toy dataset, for
one of the article's four initializations plus Xavier and He for comparison. Biases start
at zero. With ``n = fan_in`` of a layer:

============  =============================  ======================================
label         one weight                     variance
============  =============================  ======================================
Zero          0                              0
Too small     N(0, 0.01 / n)                 ``0.01 / n``  (std ``0.1 / sqrt(n)``)
Appropriate   N(0, 1 / n)                    ``1 / n``     (LeCun normal)
Too large     N(0, 100 / n)                  ``100 / n``   (std ``10 / sqrt(n)``)
Xavier        N(0, 2 / (n + n_out))          Glorot normal
He            N(0, 2 / n)                    He normal (the ReLU rule)
============  =============================  ======================================

A weight scale ``k`` (default 1) multiplies every initial weight matrix, so a weight's
standard deviation is ``k`` times the one above (and its variance ``k**2`` times); the biases
stay zero. For example "Too small" at ``k = 10`` is "Appropriate", and Zero stays zero.

:class:`PlaygroundModel` holds the data, the network, its
:class:`~course_utils.training.Trainer` and the initial parameters: ``step(n)``,
``reset(...)``, ``grid_probabilities()``, ``gradients()``, ``dead_units()``. The app that
shows it is :class:`course_utils.widgets.playground.Playground`.

Divergence: the trainer stops at the first non-finite loss, gradient or update and records
``diverged_at``. Note that with this ReLU network and a numerically stable loss, "Too large"
does NOT overflow: its cost starts in the tens or hundreds, jumps around and usually ends with
dead ReLU units (every pre-activation of a layer negative on all the data), where the
output is constant and the cost sits at the chance level ``ln 2``.

Symmetry helpers for the notebook: :func:`unit_spread` measures how different the hidden
units of a layer are (0 means identical units).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from course_utils import datasets, initializers
from course_utils._validation import (
    MAX_SCALE,
    NonFiniteError,
    RngLike,
    check_choice,
    check_float,
    check_int,
    check_shape,
    check_size,
    check_sizes,
)
from course_utils.experiments.base import LessonModel, check_positive, check_scale
from course_utils.mlp import MLP
from course_utils.training import Trainer

__all__ = [
    "DATASETS",
    "GRID_LIM",
    "GRID_SIZE",
    "INITIALIZERS",
    "SIZES",
    "VARIANCE_SCALES",
    "PlaygroundModel",
    "dead_units",
    "grid_points",
    "init_std",
    "initializer",
    "make_network",
    "unit_spread",
]

#: Layer widths of the article's network: 2 inputs, ReLU layers of 6 and 3, 1 sigmoid output.
SIZES: tuple[int, ...] = (2, 6, 3, 1)

#: ``n_in * Var(W)`` of the article's four initializations.
VARIANCE_SCALES: dict[str, float] = {
    "Zero": 0.0,
    "Too small": 0.01,
    "Appropriate": 1.0,
    "Too large": 100.0,
}

#: Labels offered by the app, in display order.
INITIALIZERS: tuple[str, ...] = (*VARIANCE_SCALES, "Xavier", "He")

#: Toy datasets offered by the app (names of :data:`course_utils.datasets.TOY_DATASETS`).
DATASETS: tuple[str, ...] = ("circles", "moons", "spiral", "checkerboard", "blobs", "noisy_circles")

#: Points per side of the decision-boundary grid and its half-width (the input square).
GRID_SIZE = 101
GRID_LIM = 1.25

InitFn = Callable[[tuple[int, int], np.random.Generator], np.ndarray]


# ---------------------------------------------------------------------------- initializers


def init_std(label: str, shape: Sequence[int]) -> float:
    """Standard deviation of one weight of a ``(n_out, n_in)`` layer for ``label``.

    Parameters
    ----------
    label : str
        One of :data:`INITIALIZERS`.
    shape : tuple of int
        Weight shape ``(n_out, n_in)``.

    Examples
    --------
    >>> round(init_std("Too small", (3, 6)), 4)   # sqrt(0.01 / 6)
    0.0408
    """
    label = check_choice(label, "label", INITIALIZERS)
    n_out, n_in = check_shape(shape, "shape", min_dims=2)[:2]
    if label == "Xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    if label == "He":
        return math.sqrt(2.0 / n_in)
    return math.sqrt(VARIANCE_SCALES[label] / n_in)


def initializer(label: str) -> InitFn:
    """The weight initializer ``f(shape, rng) -> ndarray`` of ``label`` (for :class:`MLP`)."""
    label = check_choice(label, "label", INITIALIZERS)
    if label == "Zero":
        return lambda shape, rng: initializers.zeros(shape)

    def sample(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        return initializers.normal(shape, std=init_std(label, shape), rng=rng)

    return sample


def make_network(label: str, *, sizes: Sequence[int] = SIZES, rng: RngLike = None) -> MLP:
    """A ReLU network with a sigmoid output initialized with ``label`` (biases zero).

    Parameters
    ----------
    label : str
        One of :data:`INITIALIZERS`.
    sizes : list of int
        Layer widths, 2 inputs first and 1 output last (default :data:`SIZES`).
    rng : numpy.random.Generator, int or None
        Randomness of the weights.
    """
    fn = initializer(label)
    sizes = check_sizes(sizes)
    return MLP(sizes, hidden="relu", output="sigmoid", init=[fn] * (len(sizes) - 1), rng=rng)


# ---------------------------------------------------------------------------- measurements


def grid_points(size: int = GRID_SIZE, lim: float = GRID_LIM) -> np.ndarray:
    """Points of a ``size x size`` grid over ``[-lim, lim]^2`` as columns, shape ``(2, size**2)``.

    Column ``i * size + j`` is the point ``(xs[j], xs[i])``: reshaping a row of values to
    ``(size, size)`` gives an image whose row ``i`` is ``y = xs[i]`` (``imshow`` with
    ``origin="lower"``).
    """
    size = check_int(size, "size", minimum=2)
    check_size(2 * size * size, "size x size (the grid)")
    lim = check_float(lim, "lim", minimum=0.0, strict_min=True, maximum=MAX_SCALE)
    xs = np.linspace(-lim, lim, size)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()])


def dead_units(net: MLP, x: object) -> list[int]:
    """Number of dead ReLU units per hidden layer: ``z <= 0`` for every example of ``x``.

    A dead unit passes no signal forward and receives no gradient through itself, so
    its own weights stop changing. It is dead only for now: if the layers below it
    still learn, its inputs change and it can come back to life (a unit of the first
    hidden layer, whose inputs are the fixed data, stays dead for good).
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, got {type(net).__name__}")
    with np.errstate(all="ignore"):
        cache = net.forward(x)
    return [int(np.sum(np.all(~(z > 0), axis=1))) for z in cache.z[:-1]]


def unit_spread(net: MLP, layer: int) -> float:
    """How different the units of hidden layer ``layer`` (1-based) are; 0 means identical.

    Unit ``j`` of layer ``l`` is described by row ``j`` of ``W[l]``, entry ``j`` of
    ``b[l]`` and column ``j`` of ``W[l+1]``; the result is the largest absolute
    difference between two units over all these numbers.

    Examples
    --------
    >>> net = MLP([2, 6, 3, 1], "relu", "sigmoid", init=[lambda s, r: np.full(s, 0.5)] * 3)
    >>> unit_spread(net, 1)
    0.0
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, got {type(net).__name__}")
    layer = check_int(layer, "layer", minimum=1, maximum=net.n_layers - 1)
    units = np.concatenate(
        [net.weights[layer - 1], net.biases[layer - 1], net.weights[layer].T], axis=1
    )
    return float(np.max(units.max(axis=0) - units.min(axis=0)))


# ---------------------------------------------------------------------------- model


class PlaygroundModel(LessonModel):
    """Data, network and trainer of the playground; no drawing.

    Parameters
    ----------
    init : str
        Initialization label, one of :data:`INITIALIZERS`.
    dataset : str
        Toy dataset, one of :data:`DATASETS`.
    lr : float
        Learning rate of full-batch gradient descent (> 0).
    n : int
        Number of training points.
    seed : int
        Seeds the data (``default_rng([seed, 0])``) and the weights
        (``default_rng([seed, 1])``): the same seed gives the same data and, for a given
        initialization, the same initial weights.
    sizes : list of int
        Layer widths (default :data:`SIZES`).
    scale : float
        Weight scale (> 0, finite): every initial weight matrix is multiplied by it right
        after initialization, so the weights' standard deviation is ``scale`` times the
        initializer's (biases stay zero). With the same seed, the weights at scale ``k`` are
        exactly ``k`` times those at scale 1.

    Attributes
    ----------
    init, dataset, seed, scale : the current settings (change them with :meth:`reset`)
    x : ndarray, shape (2, n); y : ndarray, shape (n,)
    net : MLP
    trainer : Trainer
    initial_params : list of ndarray (``[W1, b1, W2, ...]`` at step 0)

    Examples
    --------
    >>> model = PlaygroundModel("Appropriate", "circles", lr=0.5)
    >>> model.step(100)
    100
    >>> model.losses.shape
    (100,)
    """

    INITIALIZERS = INITIALIZERS

    def __init__(
        self,
        init: str = "Appropriate",
        dataset: str = "circles",
        *,
        lr: float = 0.5,
        n: int = 400,
        seed: int = 0,
        sizes: Sequence[int] = SIZES,
        scale: float = 1.0,
    ) -> None:
        self._lr = check_positive(lr, "lr")
        self.n = check_int(n, "n", minimum=2, maximum=100_000)
        self.sizes = check_sizes(sizes, "sizes")
        if len(self.sizes) < 3 or self.sizes[0] != 2 or self.sizes[-1] != 1:
            raise ValueError(
                f"sizes must start with 2 inputs, end with 1 output and have a hidden layer, "
                f"got {self.sizes}"
            )
        self.init = check_choice(init, "init", INITIALIZERS)
        self.dataset = check_choice(dataset, "dataset", DATASETS)
        self.seed = check_int(seed, "seed", minimum=0)
        self.scale = check_scale(scale, "scale")
        self._grid = grid_points()
        self._make_data()
        self._make_network()

    # ------------------------------------------------------------------ construction

    def _make_data(self) -> None:
        rng = np.random.default_rng([self.seed, 0])
        self.x, self.y = datasets.make_toy(self.dataset, self.n, rng=rng)

    def _make_network(self) -> None:
        self.net = make_network(
            self.init, sizes=self.sizes, rng=np.random.default_rng([self.seed, 1])
        )
        self._scale_weights(self.net, self.scale)
        self.initial_params = self.net.get_params()
        self._restart()

    def _restart(self) -> None:
        self.trainer = Trainer(self.net, self.x, self.y, lr=self._lr, record_stats=False)
        self._grad_cache: tuple[int, list[np.ndarray] | None] | None = None

    def reset(
        self,
        *,
        init: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
        scale: float | None = None,
    ) -> None:
        """Back to step 0, optionally with another initialization, dataset, seed or scale.

        Without arguments the network gets back exactly its initial parameters.

        Parameters
        ----------
        init : str, optional
            New initialization label; default keep the current one.
        dataset : str, optional
            New dataset; default keep the current one.
        seed : int, optional
            New seed; default keep the current one.
        scale : float, optional
            New weight scale (> 0); default keep the current one. The other settings stay,
            so the weights are the same draw as before, multiplied by the new scale.
        """
        init, seed, scale = self._check_changes(init, seed, scale)
        if dataset is not None:
            dataset = check_choice(dataset, "dataset", DATASETS)
        new_data = (dataset is not None and dataset != self.dataset) or (
            seed is not None and seed != self.seed
        )
        new_net = (
            new_data
            or (init is not None and init != self.init)
            or (scale is not None and scale != self.scale)
        )
        self.init = init or self.init
        self.dataset = dataset or self.dataset
        self.seed = self.seed if seed is None else seed
        self.scale = self.scale if scale is None else scale
        if new_data:
            self._make_data()
        if new_net:
            self._make_network()
        else:
            self.net.set_params(self.initial_params)
            self._restart()

    # ------------------------------------------------------------------ training

    def step(self, n: int = 1) -> int:
        """Run up to ``n`` gradient-descent steps; return how many ran (fewer if diverged)."""
        return self._train(check_int(n, "n", minimum=0))

    @property
    def step_count(self) -> int:
        """Completed gradient-descent steps since the last reset."""
        return self.trainer.step_count

    @property
    def losses(self) -> np.ndarray:
        """Cost (mean binary cross-entropy) before each completed step."""
        return self.trainer.history.loss

    # ------------------------------------------------------------------ measurements

    def cost(self) -> float:
        """Cost of the current parameters on the training data (may be inf after overflow)."""
        try:
            return float(self.net.loss(self.x, self.y))
        except NonFiniteError:  # a diverged run's weights overflow the forward pass
            return float("inf")

    def accuracy(self) -> float:
        """Training accuracy of the current parameters."""
        try:
            return float(self.net.accuracy(self.x, self.y))
        except NonFiniteError:
            return float("nan")

    def grid_probabilities(self) -> np.ndarray | None:
        """Predicted P(class 1) on the :func:`grid_points` grid, shape ``(101, 101)``.

        Row ``i`` is ``y = xs[i]`` (for ``imshow(origin="lower")``). None if not finite.
        """
        try:
            p = self.net.forward(self._grid).output[0]
        except NonFiniteError:
            return None
        if not np.all(np.isfinite(p)):
            return None
        return p.reshape(GRID_SIZE, GRID_SIZE)

    def gradients(self) -> list[np.ndarray] | None:
        """Full-batch ``dL/dW`` per layer at the current parameters, or None if not finite."""
        k = self.step_count
        if self._grad_cache is None or self._grad_cache[0] != k:
            try:
                with np.errstate(all="ignore"):
                    grads = self.net.backward(self.net.forward(self.x), self.y).dW
                finite = all(np.all(np.isfinite(g)) for g in grads)
            except NonFiniteError:
                grads, finite = None, False
            self._grad_cache = (k, grads if finite else None)
        return self._grad_cache[1]

    def dead_units(self) -> list[int]:
        """Dead ReLU units per hidden layer on the training data (see :func:`dead_units`)."""
        return dead_units(self.net, self.x)
