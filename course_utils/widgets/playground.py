r"""The initialization playground of notebook 01: the app and its drawing.

The lesson model (data, network, trainer, the six initializations and the weight scale)
is :class:`course_utils.experiments.playground.PlaygroundModel`; this module shows it.

:class:`Playground` is the app, three labelled rows of controls above one figure:
"initialization" (initializer ``ToggleButtons`` and the "weight scale" ``FloatLogSlider``,
1/16 to 16, right after them), "data and view" (dataset ``Dropdown``, weights/gradients
``ToggleButtons``) and "training" (:class:`~course_utils.widgets.base.TrainingControls`:
Play/Pause, Step, Reset, learning rate). The figure
(:class:`~course_utils.widgets.base.FigureView`) shows the cost curve with the dashed
``ln 2`` line (labelled "ln 2" at its right end: the cost of predicting 1/2 everywhere),
the decision boundary (the predicted probability of class 1 on a 101 x 101 grid over the
input square, with its colour bar, and the data points coloured by their class) and one
small heatmap per weight matrix
(or its gradient), coloured by sign and magnitude on symmetric limits. ``projector=True``
draws the figure at the width of the page with fonts legible on a projector.

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
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator, NullFormatter

from course_utils._validation import check_array, check_float, check_int
from course_utils.experiments.playground import (
    DATASETS,
    GRID_LIM,
    GRID_SIZE,
    INITIALIZERS,
    PlaygroundModel,
)
from course_utils.widgets.base import (
    PROJECTOR_WIDTH_PX,
    FigureView,
    TrainingApp,
    control_row,
    projector_style,
    scale_suffix,
)

__all__ = ["Playground", "cost_limits", "draw_cost", "draw_decision_boundary"]

_LARGEST_DECADE = 308  # 1e308 is a float, 1e309 is not

#: Mantissas of the cost axis' right end: never more than a third beyond the run.
_STEP_LIMITS = (10, 12, 15, 20, 25, 30, 40, 50, 60, 80)

#: Font sizes (points) of the figure: in a notebook, and on a projector (the figure is then
#: 16 inches at 80 dpi, shown at the page's width: 1 point is about 1.1 screen pixels in a
#: 1280 px window, 1.6 in a 1920 px one).
_FONTS = {
    False: {"tick": 9, "label": 10, "title": 10, "small": 8, "readout": 11},
    True: {"tick": 18, "label": 19, "title": 20, "small": 16, "readout": 21},
}

#: Margins and spacing of the figure (fractions of its size) and line widths (points).
_LAYOUT = {
    False: {
        "left": 0.07,
        "top": 0.84,
        "bottom": 0.15,
        "wspace": 0.3,
        "colorbar_room": 0.16,
        "lw": 1.4,
        "point_size": 9.0,
        "height": 0.34,
    },
    True: {
        "left": 0.065,
        "top": 0.82,
        "bottom": 0.16,
        "wspace": 0.3,
        "colorbar_room": 0.18,
        "lw": 2.5,
        "point_size": 30.0,
        "height": 0.36,
    },
}


# ---------------------------------------------------------------------------- drawing


def draw_decision_boundary(
    ax: object,
    model: PlaygroundModel,
    *,
    title: str | None = None,
    point_size: float = 9.0,
):
    """Draw the predicted probability over the input square and the data on ``ax``.

    ``point_size`` is the points' marker area in points squared (matplotlib's ``s``).
    Returns the ``AxesImage`` and the ``PathCollection`` of the points.
    """
    if not isinstance(model, PlaygroundModel):
        raise TypeError(f"model must be a PlaygroundModel, got {type(model).__name__}")
    point_size = check_float(point_size, "point_size", minimum=0.0, strict_min=True)
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
        s=point_size,
        edgecolors="k",
        linewidths=0.1 * math.sqrt(point_size),
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

    x: ``(0, k)`` with ``k`` the first of 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120,
    ... that is at least the number of steps (so the axis ends at most a third beyond the
    run: 300 steps end at 300, 301 at 400). y (log axis): whole decades around the finite
    positive costs and ``ln 2``, the cost of a constant prediction of 1/2.

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
    decade = 1
    while (k := next((m * decade for m in _STEP_LIMITS if m * decade >= losses.size), 0)) == 0:
        decade *= 10
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
        Resolution of the figure (default 80 in a notebook and in projector mode).
    projector : bool
        False (default): a 10 x 3.4 inch figure shown at its own size, for a notebook. True:
        for a lecture hall (the apps of ``make app``): the figure is rendered
        :data:`~course_utils.widgets.base.PROJECTOR_WIDTH_PX` pixels wide (at 80 dpi) with
        large fonts and shown at the width of the page, and the controls' text is larger.

    Attributes
    ----------
    model : PlaygroundModel
    controls : base.TrainingControls
    init_buttons : ipywidgets.ToggleButtons (initialization)
    scale_slider : ipywidgets.FloatLogSlider ("weight scale", right after the initializers);
        changing it restarts at step 0 with the same draw of weights times the new scale.
        The scale is kept by Reset and when the initializer or the dataset changes.
    dataset_dropdown : ipywidgets.Dropdown
    view_buttons : ipywidgets.ToggleButtons ("weights" / "gradients")
    view : base.FigureView
    widget : ipywidgets.VBox (the whole app)
    cost_line, chance_line, chance_label, boundary_image, points, colorbar, weight_images,
    readout : matplotlib artists (``colorbar`` is the decision boundary's ``Colorbar``)

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
        dpi: int | None = None,
        projector: bool = False,
    ) -> None:
        steps_per_tick = check_int(steps_per_tick, "steps_per_tick", minimum=1)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
        if not isinstance(projector, bool):
            raise TypeError(f"projector must be True or False, got {type(projector).__name__}")
        dpi = check_int(80 if dpi is None else dpi, "dpi", minimum=10)
        self.projector = projector
        self._fonts = _FONTS[projector]
        self.model = PlaygroundModel(init, dataset, lr=lr, seed=seed, scale=scale)
        self.controls = self._make_controls(steps_per_tick, interval_ms)
        self.init_buttons = widgets.ToggleButtons(
            options=list(INITIALIZERS),
            value=self.model.init,
            style={"button_width": "auto" if projector else "88px"},
        )
        self.scale_slider = self._make_scale_slider()
        self.dataset_dropdown = widgets.Dropdown(
            options=list(DATASETS),
            value=self.model.dataset,
            description="dataset",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.view_buttons = widgets.ToggleButtons(
            options=list(self.VIEWS),
            value="weights",
            style={"button_width": "auto" if projector else "88px"},
        )
        width = PROJECTOR_WIDTH_PX / dpi if projector else 10.0
        height = width * _LAYOUT[projector]["height"]
        self.view = FigureView(figsize=(width, height), dpi=dpi, fill_width=projector)
        self._build_figure()
        rows = [
            control_row("initialization", self.init_buttons, self.scale_slider),
            control_row(
                "data and view",
                self.dataset_dropdown,
                widgets.Label("show", layout=widgets.Layout(margin="0 0 0 2em")),
                self.view_buttons,
            ),
            self.controls.box,
            self.view.image,
        ]
        self.widget = widgets.VBox(rows)
        if projector:
            self.widget.children = (*rows, projector_style(self.widget))
        self.init_buttons.observe(self._on_init, names="value")
        self.scale_slider.observe(self._on_scale, names="value")
        self.dataset_dropdown.observe(self._on_dataset, names="value")
        self.view_buttons.observe(self._on_redraw, names="value")
        self.controls.lr.observe(self._on_lr, names="value")
        self.refresh(full=True)

    # ------------------------------------------------------------------ figure

    def _build_figure(self) -> None:
        fig = self.view.figure
        fonts = self._fonts
        layout = _LAYOUT[self.projector]
        outer = fig.add_gridspec(
            1,
            4,
            width_ratios=(1.0, 0.95, layout["colorbar_room"], 1.6),
            wspace=layout["wspace"],
            left=layout["left"],
            right=0.99,
            top=layout["top"],
            bottom=layout["bottom"],
        )
        self.cost_ax = ax = fig.add_subplot(outer[0])
        (self.cost_line,) = ax.plot([], [], color="tab:blue", lw=layout["lw"])
        # Drawn after the cost curve, so a run that stays at ln 2 (Zero) hides neither line.
        self.chance_line = ax.axhline(
            math.log(2.0), color="0.2", ls=(0, (4, 3)), lw=0.6 * layout["lw"]
        )
        # Its label sits outside the axes, at the line's right end, where no curve runs.
        self.chance_label = ax.text(
            1.015,
            math.log(2.0),
            "ln 2",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=fonts["small"],
            color="0.2",
        )
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(NullFormatter())  # one-decade axes: no "6x10^-1" clutter
        ax.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.set_xlabel("gradient-descent step", fontsize=fonts["label"])
        ax.set_ylabel("cost (cross-entropy)", fontsize=fonts["label"])
        ax.tick_params(labelsize=fonts["tick"])
        self.cost_title = ax.set_title("cost", fontsize=fonts["title"])

        self.boundary_ax = ax = fig.add_subplot(outer[1])
        self.boundary_image, self.points = draw_decision_boundary(
            ax, self.model, point_size=layout["point_size"]
        )
        ax.set_xlabel("$x_1$", fontsize=fonts["label"], labelpad=1)
        ax.set_ylabel("$x_2$", fontsize=fonts["label"], labelpad=1)
        ax.set_xticks([-1.0, 0.0, 1.0])
        ax.set_yticks([-1.0, 0.0, 1.0])
        ax.tick_params(labelsize=fonts["tick"])
        self.boundary_title = ax.set_title("accuracy", fontsize=fonts["title"])
        # The colour bar of the background: it follows the square axes (inset_axes is placed
        # relative to the axes after their aspect is applied).
        cax = ax.inset_axes((1.05, 0.0, 0.06, 1.0))
        self.colorbar = fig.colorbar(
            ScalarMappable(Normalize(0.0, 1.0), self.boundary_image.get_cmap()),
            cax=cax,
            alpha=self.boundary_image.get_alpha(),
            ticks=[0.0, 0.5, 1.0],
        )
        self.colorbar.set_label("predicted P(class 1)", fontsize=fonts["label"], labelpad=2)
        cax.tick_params(labelsize=fonts["tick"])

        n_layers = len(self.model.sizes) - 1
        ratios = [max(n_in, 1) for n_in in self.model.sizes[:-1]]
        inner = outer[3].subgridspec(1, n_layers, width_ratios=ratios, wspace=0.35)
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
            ax.set_xlabel(f"{n_in} in", fontsize=fonts["small"])
            ax.set_ylabel(f"{n_out} out", fontsize=fonts["small"])
            self.weight_axes.append(ax)
            self.weight_images.append(image)
            self.weight_titles.append(ax.set_title("", fontsize=fonts["small"]))
        self.readout = fig.text(
            layout["left"], 0.95, "", fontsize=fonts["readout"], ha="left", va="center"
        )
        # Everything that changes per tick is redrawn alone on a cached background;
        # the points come after the heatmap they cover, the ln 2 line after the cost curve.
        self.view.set_animated(
            [
                self.cost_line,
                self.chance_line,
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
        self.boundary_title.set_text(f"training accuracy {accuracy:.1%}")
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
