r"""The initialization playground of notebook 01: the app and its drawing.

The lesson model (data, network, trainer, the six initializations and the weight scale)
is :class:`course_utils.experiments.playground.PlaygroundModel`; this module shows it.

:class:`Playground` is the app: initializer ``ToggleButtons`` with a "weight scale"
``FloatLogSlider`` (1/16 to 16) next to them, dataset ``Dropdown``, weights/gradients
``ToggleButtons``, :class:`~course_utils.widgets.base.TrainingControls` (Play/Pause, Step,
Reset, learning rate) and one :class:`~course_utils.widgets.base.FigureView` with the cost
curve, the decision boundary (the predicted probability on a 101 x 101 grid over the input
square, with the data points) and one small heatmap per weight matrix (or its gradient),
coloured by sign and magnitude on symmetric limits.

When the trainer stops at a non-finite loss, gradient or update, the app shows
``"diverged at step k"``, pauses Play and keeps the last finite pictures. The status line
reports dead ReLU units.

:func:`draw_decision_boundary` and :func:`draw_cost` draw a model on any matplotlib axes
(the notebook's static figures use them too).
"""

from __future__ import annotations

import math
import sys

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from course_utils._validation import check_array, check_int
from course_utils.experiments.playground import (
    DATASETS,
    GRID_LIM,
    GRID_SIZE,
    INITIALIZERS,
    PlaygroundModel,
)
from course_utils.widgets.base import FigureView, TrainingApp, scale_suffix

__all__ = ["Playground", "cost_limits", "draw_cost", "draw_decision_boundary"]

_LARGEST_DECADE = 308  # 1e308 is a float, 1e309 is not


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
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
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
    # The decade above the largest float (1.8e308) is not a float: cap the top at that float.
    top = math.ceil(math.log10(hi))
    return (0.0, float(k)), (
        10.0 ** math.floor(math.log10(lo)),
        10.0**top if top <= _LARGEST_DECADE else sys.float_info.max,
    )


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
            if not math.isfinite(top):  # a diverged step: say so instead of "max nan"
                image.set_data(np.where(np.isfinite(mat), mat, 0.0))
                image.set_clim(-1.0, 1.0)
                title.set_text(f"{symbol}{layer + 1}\ndiverged")
                continue
            limit = top if top > 0 else 1.0
            image.set_data(mat)
            image.set_clim(-limit, limit)
            title.set_text(f"{symbol}{layer + 1}\nmax {top:.2g}")
