r"""The initialization playground of notebook 01: a tiny ReLU network on 2-D toy data.

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

Two layers of code:

- :class:`PlaygroundModel`: data, network, :class:`~course_utils.training.Trainer` and the
  initial parameters; no drawing. ``step(n)``, ``reset(...)``, ``grid_probabilities()``,
  ``gradients()``, ``dead_units()``.
- :class:`Playground`: the app. Initializer ``ToggleButtons`` with a "weight scale"
  ``FloatLogSlider`` (1/16 to 16) next to them, dataset ``Dropdown``,
  weights/gradients ``ToggleButtons``, :class:`~course_utils.widgets.base.TrainingControls`
  (Play/Pause, Step, Reset, learning rate) and one
  :class:`~course_utils.widgets.base.FigureView` with the cost curve, the decision boundary
  (the predicted probability on a 101 x 101 grid over the input square, with the data
  points) and one small heatmap per weight matrix (or its gradient), coloured by sign and
  magnitude on symmetric limits.

Divergence: the trainer stops at the first non-finite loss, gradient or update and records
``diverged_at``; the app then shows ``"diverged at step k"``, pauses Play and keeps the last
finite pictures. Note that with this ReLU network and a numerically stable loss, "Too large"
does NOT overflow: its cost starts in the tens or hundreds, jumps around and usually ends with
dead ReLU units (every pre-activation of a layer negative on all the data), where the
output is constant and the cost sits at the chance level ``ln 2``. The status line reports
dead units.

Symmetry helpers for the notebook: :func:`unit_spread` measures how different the hidden
units of a layer are (0 means identical units).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np

from course_utils import datasets, initializers
from course_utils._validation import (
    RngLike,
    check_array,
    check_choice,
    check_float,
    check_int,
    check_shape,
)
from course_utils.mlp import MLP
from course_utils.training import DivergenceWarning, Trainer
from course_utils.widgets.base import FigureView, TrainingApp, scale_suffix

__all__ = [
    "DATASETS",
    "GRID_LIM",
    "GRID_SIZE",
    "INITIALIZERS",
    "SIZES",
    "VARIANCE_SCALES",
    "Playground",
    "PlaygroundModel",
    "dead_units",
    "cost_limits",
    "draw_cost",
    "draw_decision_boundary",
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
    sizes = list(sizes)
    return MLP(sizes, hidden="relu", output="sigmoid", init=[fn] * (len(sizes) - 1), rng=rng)


# ---------------------------------------------------------------------------- measurements


def grid_points(size: int = GRID_SIZE, lim: float = GRID_LIM) -> np.ndarray:
    """Points of a ``size x size`` grid over ``[-lim, lim]^2`` as columns, shape ``(2, size**2)``.

    Column ``i * size + j`` is the point ``(xs[j], xs[i])``: reshaping a row of values to
    ``(size, size)`` gives an image whose row ``i`` is ``y = xs[i]`` (``imshow`` with
    ``origin="lower"``).
    """
    size = check_int(size, "size", minimum=2)
    lim = check_float(lim, "lim", minimum=0.0, strict_min=True)
    xs = np.linspace(-lim, lim, size)
    gx, gy = np.meshgrid(xs, xs)
    return np.stack([gx.ravel(), gy.ravel()])


def dead_units(net: MLP, x: object) -> list[int]:
    """Number of dead ReLU units per hidden layer: ``z <= 0`` for every example of ``x``.

    A dead unit passes no signal forward and no gradient back, so it never recovers.
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


class PlaygroundModel:
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
        self._lr = check_float(lr, "lr", minimum=0.0, strict_min=True)
        self.n = check_int(n, "n", minimum=2, maximum=100_000)
        self.sizes = list(sizes)
        if len(self.sizes) < 3 or self.sizes[0] != 2 or self.sizes[-1] != 1:
            raise ValueError(
                f"sizes must start with 2 inputs, end with 1 output and have a hidden layer, "
                f"got {self.sizes}"
            )
        self.init = check_choice(init, "init", INITIALIZERS)
        self.dataset = check_choice(dataset, "dataset", DATASETS)
        self.seed = check_int(seed, "seed", minimum=0)
        self.scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
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
        if self.scale != 1.0:
            for w in self.net.weights:
                w *= self.scale  # in place; the biases stay zero
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
        if init is not None:
            init = check_choice(init, "init", INITIALIZERS)
        if dataset is not None:
            dataset = check_choice(dataset, "dataset", DATASETS)
        if seed is not None:
            seed = check_int(seed, "seed", minimum=0)
        if scale is not None:
            scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
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

    @property
    def lr(self) -> float:
        """Learning rate (takes effect from the next step)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_float(value, "lr", minimum=0.0, strict_min=True)
        self.trainer.lr = self._lr

    def step(self, n: int = 1) -> int:
        """Run up to ``n`` gradient-descent steps; return how many ran (fewer if diverged)."""
        n = check_int(n, "n", minimum=0)
        before = self.trainer.step_count
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            self.trainer.step(n)
        return self.trainer.step_count - before

    @property
    def step_count(self) -> int:
        """Completed gradient-descent steps since the last reset."""
        return self.trainer.step_count

    @property
    def diverged_at(self) -> int | None:
        """Step at which the loss, a gradient or an update stopped being finite, or None."""
        return self.trainer.diverged_at

    @property
    def losses(self) -> np.ndarray:
        """Cost (mean binary cross-entropy) before each completed step."""
        return self.trainer.history.loss

    # ------------------------------------------------------------------ measurements

    def cost(self) -> float:
        """Cost of the current parameters on the training data (may be inf after overflow)."""
        with np.errstate(all="ignore"):
            return float(self.net.loss(self.x, self.y))

    def accuracy(self) -> float:
        """Training accuracy of the current parameters."""
        with np.errstate(all="ignore"):
            return float(self.net.accuracy(self.x, self.y))

    def grid_probabilities(self) -> np.ndarray | None:
        """Predicted P(class 1) on the :func:`grid_points` grid, shape ``(101, 101)``.

        Row ``i`` is ``y = xs[i]`` (for ``imshow(origin="lower")``). None if not finite.
        """
        with np.errstate(all="ignore"):
            p = self.net.forward(self._grid).output[0]
        if not np.all(np.isfinite(p)):
            return None
        return p.reshape(GRID_SIZE, GRID_SIZE)

    def gradients(self) -> list[np.ndarray] | None:
        """Full-batch ``dL/dW`` per layer at the current parameters, or None if not finite."""
        k = self.step_count
        if self._grad_cache is None or self._grad_cache[0] != k:
            with np.errstate(all="ignore"):
                grads = self.net.backward(self.net.forward(self.x), self.y).dW
            finite = all(np.all(np.isfinite(g)) for g in grads)
            self._grad_cache = (k, grads if finite else None)
        return self._grad_cache[1]

    def dead_units(self) -> list[int]:
        """Dead ReLU units per hidden layer on the training data (see :func:`dead_units`)."""
        return dead_units(self.net, self.x)


# ---------------------------------------------------------------------------- drawing


def draw_decision_boundary(ax: object, model: PlaygroundModel, *, title: str | None = None):
    """Draw the predicted probability over the input square and the data on ``ax``.

    Returns the ``AxesImage`` and the ``PathCollection`` of the points.
    """
    if not isinstance(model, PlaygroundModel):
        raise TypeError(f"model must be a PlaygroundModel, got {type(model).__name__}")
    probs = model.grid_probabilities()
    if probs is None:
        probs = np.full((GRID_SIZE, GRID_SIZE), 0.5)
    image = ax.imshow(
        probs,
        origin="lower",
        extent=(-GRID_LIM, GRID_LIM, -GRID_LIM, GRID_LIM),
        cmap="RdBu_r",
        vmin=0.0,
        vmax=1.0,
        alpha=0.75,
        interpolation="bilinear",
    )
    points = ax.scatter(
        model.x[0],
        model.x[1],
        c=model.y,
        cmap="RdBu_r",
        vmin=-0.25,
        vmax=1.25,
        s=9,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlim(-GRID_LIM, GRID_LIM)
    ax.set_ylim(-GRID_LIM, GRID_LIM)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return image, points


def draw_cost(ax: object, model: PlaygroundModel, *, label: str | None = None, **kwargs):
    """Plot the cost per step of ``model`` on a log axis; returns the ``Line2D``."""
    if not isinstance(model, PlaygroundModel):
        raise TypeError(f"model must be a PlaygroundModel, got {type(model).__name__}")
    losses = model.losses
    (line,) = ax.plot(np.arange(losses.size), losses, label=label, **kwargs)
    ax.set_yscale("log")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("cost (cross-entropy)")
    return line


def cost_limits(losses: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits of a cost curve that change rarely (so most ticks can be blitted).

    x: ``(0, k)`` with ``k`` the first of 10, 20, 50, 100, 200, 500, ... that is at least
    the number of steps. y (log axis): whole decades around the finite positive costs and
    ``ln 2``, the cost of a constant prediction of 1/2.

    Parameters
    ----------
    losses : array_like, shape (n_steps,)
        The cost of every step so far (may be empty). NaN, inf and non-positive entries
        (a diverged run, or values a log axis cannot show) count as steps but are ignored
        for the y limits; with no finite positive cost the y limits are ``(0.1, 1)``.

    Returns
    -------
    xlim, ylim : (float, float)
        Limits for ``ax.set_xlim`` and ``ax.set_ylim``.

    Raises
    ------
    TypeError
        If ``losses`` is not numeric.
    ValueError
        If ``losses`` is not 1-D.
    """
    losses = check_array(losses, "losses", ndim=1, dtype=np.float64, finite=False)
    k = 10
    while k < losses.size:
        k = k * 5 // 2 if str(k)[0] == "2" else k * 2
    values = losses[np.isfinite(losses) & (losses > 0)]
    lo = min(float(values.min()), math.log(2.0)) if values.size else 0.1
    hi = max(float(values.max()), math.log(2.0)) if values.size else 1.0
    return (0.0, float(k)), (10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi)))


# ---------------------------------------------------------------------------- app


class Playground(TrainingApp):
    """The live playground: controls plus one figure, updated in place.

    Parameters
    ----------
    init : str
        Initial initialization label (see :data:`INITIALIZERS`).
    dataset : str
        Initial dataset (see :data:`DATASETS`).
    lr : float
        Initial learning rate.
    seed : int
        Seed of the data and the weights (see :class:`PlaygroundModel`).
    scale : float
        Initial weight scale, between 1/16 and 16 (see :class:`PlaygroundModel`).
    steps_per_tick : int
        Gradient-descent steps per Play tick or Step click.
    interval_ms : int
        Play interval.
    dpi : int
        Resolution of the figure.

    Attributes
    ----------
    model : PlaygroundModel
    controls : base.TrainingControls
    init_buttons : ipywidgets.ToggleButtons (initialization)
    scale_slider : ipywidgets.FloatLogSlider ("weight scale", next to the initializers);
        changing it restarts at step 0 with the same draw of weights times the new scale.
        The scale is kept by Reset and when the initializer or the dataset changes.
    dataset_dropdown : ipywidgets.Dropdown
    view_buttons : ipywidgets.ToggleButtons ("weights" / "gradients")
    view : base.FigureView
    widget : ipywidgets.VBox (the whole app)
    cost_line, boundary_image, points, weight_images, readout : matplotlib artists

    Examples
    --------
    >>> app = Playground("Appropriate", "circles")  # end a cell with `app` to show it
    >>> app.controls.press_step(5)
    >>> app.model.step_count
    50
    """

    VIEWS = ("weights", "gradients")

    def __init__(
        self,
        init: str = "Appropriate",
        dataset: str = "circles",
        *,
        lr: float = 0.5,
        seed: int = 0,
        scale: float = 1.0,
        steps_per_tick: int = 10,
        interval_ms: int = 200,
        dpi: int = 80,
    ) -> None:
        steps_per_tick = check_int(steps_per_tick, "steps_per_tick", minimum=1)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
        dpi = check_int(dpi, "dpi", minimum=10)
        self.model = PlaygroundModel(init, dataset, lr=lr, seed=seed, scale=scale)
        self.controls = self._make_controls(steps_per_tick, interval_ms)
        self.init_buttons = widgets.ToggleButtons(
            options=list(INITIALIZERS),
            value=self.model.init,
            description="init",
            style={"button_width": "88px"},
        )
        self.scale_slider = self._make_scale_slider()
        self.dataset_dropdown = widgets.Dropdown(
            options=list(DATASETS), value=self.model.dataset, description="dataset"
        )
        self.view_buttons = widgets.ToggleButtons(
            options=list(self.VIEWS), value="weights", description="show"
        )
        self.view = FigureView(figsize=(10.0, 3.4), dpi=dpi)
        self._build_figure()
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [self.init_buttons, self.scale_slider],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                widgets.HBox([self.dataset_dropdown, self.view_buttons]),
                self.controls.box,
                self.view.image,
            ]
        )
        self.init_buttons.observe(self._on_init, names="value")
        self.scale_slider.observe(self._on_scale, names="value")
        self.dataset_dropdown.observe(self._on_dataset, names="value")
        self.view_buttons.observe(self._on_redraw, names="value")
        self.controls.lr.observe(self._on_lr, names="value")
        self.refresh(full=True)

    # ------------------------------------------------------------------ figure

    def _build_figure(self) -> None:
        fig = self.view.figure
        outer = fig.add_gridspec(
            1,
            3,
            width_ratios=(1.0, 0.95, 1.55),
            wspace=0.38,
            left=0.07,
            right=0.985,
            top=0.84,
            bottom=0.15,
        )
        self.cost_ax = fig.add_subplot(outer[0])
        (self.cost_line,) = self.cost_ax.plot([], [], color="tab:blue", lw=1.2)
        self.cost_ax.axhline(math.log(2.0), color="0.5", ls="--", lw=0.8)
        self.cost_ax.set_yscale("log")
        self.cost_ax.set_xlabel("gradient-descent step")
        self.cost_ax.set_ylabel("cost (cross-entropy)")
        self.cost_title = self.cost_ax.set_title("cost", fontsize=10)

        self.boundary_ax = fig.add_subplot(outer[1])
        self.boundary_image, self.points = draw_decision_boundary(self.boundary_ax, self.model)
        self.boundary_title = self.boundary_ax.set_title("P(class 1)", fontsize=10)

        n_layers = len(self.model.sizes) - 1
        ratios = [max(n_in, 1) for n_in in self.model.sizes[:-1]]
        inner = outer[2].subgridspec(1, n_layers, width_ratios=ratios, wspace=0.35)
        self.weight_axes = []
        self.weight_images = []
        self.weight_titles = []
        for layer, (n_out, n_in) in enumerate(self.model.net.shapes):
            ax = fig.add_subplot(inner[layer])
            image = ax.imshow(
                np.zeros((n_out, n_in)),
                cmap="RdBu_r",
                vmin=-1.0,
                vmax=1.0,
                interpolation="nearest",
                aspect="equal",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(f"{n_in} in", fontsize=8)
            ax.set_ylabel(f"{n_out} out", fontsize=8)
            self.weight_axes.append(ax)
            self.weight_images.append(image)
            self.weight_titles.append(ax.set_title("", fontsize=8))
        self.readout = fig.text(0.07, 0.95, "", fontsize=11, ha="left", va="center")
        # Everything that changes per tick is redrawn alone on a cached background;
        # the points come after the heatmap they cover.
        self.view.set_animated(
            [
                self.cost_line,
                self.cost_title,
                self.boundary_image,
                self.points,
                self.boundary_title,
                *self.weight_images,
                *self.weight_titles,
                self.readout,
            ]
        )

    # ------------------------------------------------------------------ callbacks

    def _on_dataset(self, change: dict) -> None:
        self.model.reset(dataset=change["new"])
        self.points.set_offsets(self.model.x.T)
        self.points.set_array(self.model.y)
        self.request_refresh(change)

    # ------------------------------------------------------------------ drawing

    def refresh(self, *, full: bool = False) -> None:
        """Redraw every view from the model's current state (one PNG render).

        Only the changing artists are redrawn on the cached background, unless ``full`` is
        True or the cost axis needs new limits.
        """
        model = self.model
        limits_changed = self._draw_cost()
        probs = model.grid_probabilities()
        if probs is not None:  # keep the last finite picture otherwise
            self.boundary_image.set_data(probs)
        self._draw_matrices()
        accuracy = model.accuracy()
        self.boundary_title.set_text(f"P(class 1), accuracy {accuracy:.1%}")
        self.readout.set_text(
            f"{model.init}{scale_suffix(model.scale)} on {model.dataset}   "
            f"step {model.step_count}   lr {model.lr:.3g}"
        )
        self._show_status(self.status_text())
        self.view.redraw(full=full or limits_changed)

    def status_text(self) -> str:
        """The status line: divergence, dead units or nothing."""
        model = self.model
        if model.diverged_at is not None:
            return (
                f"<b>diverged at step {model.diverged_at}</b>: the cost or the gradients "
                "stopped being finite; the pictures show the last finite state."
            )
        dead = model.dead_units()
        if any(dead):
            widths = model.sizes[1:-1]
            parts = ", ".join(
                f"layer {i + 1}: {d}/{w}" for i, (d, w) in enumerate(zip(dead, widths, strict=True))
            )
            message = f"dead ReLU units ({parts})"
            if any(d == w for d, w in zip(dead, widths, strict=True)):
                message += ": a whole layer is dead, the output is constant"
            return message
        return ""

    def _draw_cost(self) -> bool:
        """Update the cost curve; True if the axis limits had to change."""
        losses = self.model.losses
        self.cost_line.set_data(np.arange(losses.size), losses)
        self.cost_title.set_text(f"cost {losses[-1]:.3g}" if losses.size else "cost")
        xlim, ylim = cost_limits(losses)
        ax = self.cost_ax
        if ax.get_xlim() == xlim and ax.get_ylim() == ylim:
            return False
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        return True

    def _draw_matrices(self) -> None:
        kind = self.view_buttons.value
        if kind == "weights":
            mats: list[np.ndarray] | None = self.model.net.weights
            symbol = "W"
        else:
            mats = self.model.gradients()
            symbol = "dW"
        if mats is None:
            return
        for layer, (image, title, mat) in enumerate(
            zip(self.weight_images, self.weight_titles, mats, strict=True)
        ):
            top = float(np.max(np.abs(mat)))
            limit = top if top > 0 else 1.0
            image.set_data(mat)
            image.set_clim(-limit, limit)
            title.set_text(f"{symbol}{layer + 1}\nmax {top:.2g}")
