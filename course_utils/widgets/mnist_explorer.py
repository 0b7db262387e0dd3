r"""The MNIST explorer of notebook 07: the app and its drawing.

The lesson model (data, network, trainer, the fixed batch and the comparison runs) is
:mod:`course_utils.experiments.mnist`; this module shows it.

- :class:`MnistExplorer`: the app, three labelled rows of controls ("initialization":
  initializer ``ToggleButtons`` and the "weight scale" ``FloatLogSlider``, 1/16 to 16, right
  after them; "training": :class:`course_utils.widgets.base.TrainingControls`, Play / Step /
  Reset and learning rate; "histograms": activations or gradients) above a readout and one
  :class:`course_utils.widgets.base.FigureView` with the 10x10 grid of the fixed batch
  (blue = right, red = wrong), the per-layer histograms, the cost curve and the test
  accuracy. ``projector=True`` draws the figure at the width of the page with fonts legible
  on a projector.
- :func:`histogram_counts` and :func:`mosaic`: the pure numpy pictures the app draws.
- :func:`draw_comparison`: the histograms of
  :func:`course_utils.experiments.mnist.compare_initializers` as small multiples (the
  static comparison of the notebook).
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from course_utils._validation import MAX_BINS, check_array, check_choice, check_int
from course_utils.experiments.mnist import (
    HIST_KINDS,
    INITIALIZERS,
    SIZES,
    BatchView,
    ComparisonResult,
    MnistModel,
)
from course_utils.widgets.base import (
    FigureView,
    TrainingApp,
    control_row,
    projector_style,
    scale_suffix,
)

__all__ = [
    "ACTIVATION_BINS",
    "GRADIENT_BINS",
    "GRADIENT_RANGE_STDS",
    "MnistExplorer",
    "draw_comparison",
    "histogram_counts",
    "mosaic",
]

ACTIVATION_BINS = 40
GRADIENT_BINS = 41
GRADIENT_RANGE_STDS = 3.0
_RIGHT = np.array([0.12, 0.35, 0.85])  # blue ink: correctly classified
_WRONG = np.array([0.85, 0.12, 0.12])  # red ink: misclassified

#: The figure's geometry and font sizes (points): in a notebook (720 x 360 px at 72 dpi) and
#: on a projector (1280 x 528 px at 80 dpi, shown at the page's width; the digit grid is
#: drawn at 1.6 times its size there). Rectangles are (left, bottom, width, height) fractions.
_LAYOUT = {
    False: {
        "size": (10.0, 5.0),
        "dpi": 72,
        "grid_px": 280,
        "hist": (0.43, 0.60, 0.125, 0.25, 0.145),  # left, bottom, width, height, pitch
        "hist_xlabel": (0.71, 0.535),
        "cost": (0.47, 0.11, 0.29, 0.34),
        "acc": (0.83, 0.11, 0.16, 0.34),
        "caption": (0.43, 0.95),
        "lw": 1.0,
        "ms": 3,
        "fonts": {"tick": 8, "label": 9, "hist": 8, "title": 9, "big": 11},
    },
    True: {
        "size": (16.0, 6.6),
        "dpi": 80,
        "grid_px": 448,
        "hist": (0.415, 0.585, 0.122, 0.255, 0.148),
        "hist_xlabel": (0.70, 0.485),
        "cost": (0.455, 0.1, 0.3, 0.29),
        "acc": (0.835, 0.1, 0.155, 0.29),
        "caption": (0.415, 0.955),
        "lw": 2.0,
        "ms": 6,
        "fonts": {"tick": 16, "label": 17, "hist": 16, "title": 18, "big": 20},
    },
}


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
    images = check_array(images, "images", ndim=3, dtype=np.float64)
    correct = np.asarray(correct)
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
# Static comparison
# ---------------------------------------------------------------------------


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
    bins = check_int(bins, "bins", minimum=1, maximum=MAX_BINS)
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
    dpi : int, optional
        Resolution of the figure (default 72 in a notebook, 80 in projector mode; the digit
        grid is always 280 x 280 pixels, 448 x 448 in projector mode).
    projector : bool
        False (default): a 10 x 5 inch figure shown at its own size, for a notebook. True:
        for a lecture hall (the apps of ``make app``): a 16 x 6.6 inch figure (1280 pixels
        wide at 80 dpi) with large fonts, shown at the width of the page, and larger
        controls.

    Attributes
    ----------
    model : MnistModel
    controls : base.TrainingControls (Play / Step / Reset, learning rate, status)
    init_buttons : ipywidgets.ToggleButtons (initialization)
    scale_slider : ipywidgets.FloatLogSlider ("weight scale", right after the initializers);
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
        dpi: int | None = None,
        projector: bool = False,
    ) -> None:
        steps_per_tick = check_int(steps_per_tick, "steps_per_tick", minimum=1)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
        if not isinstance(projector, bool):
            raise TypeError(f"projector must be True or False, got {type(projector).__name__}")
        layout = _LAYOUT[projector]
        dpi = check_int(layout["dpi"] if dpi is None else dpi, "dpi", minimum=40, maximum=200)
        self.projector = projector
        self._layout = layout
        self.model = MnistModel(init, lr=lr, seed=seed, eval_every=eval_every, scale=scale)
        self.controls = self._make_controls(steps_per_tick, interval_ms)
        button_width = {"button_width": "auto"} if projector else {}
        self.init_buttons = widgets.ToggleButtons(
            options=list(INITIALIZERS), value=init, style=button_width
        )
        self.scale_slider = self._make_scale_slider()
        self.hist_buttons = widgets.ToggleButtons(
            options=list(HIST_KINDS), value="activations", style=button_width
        )
        self.readout = widgets.HTML()
        self.view = FigureView(figsize=layout["size"], dpi=dpi, fill_width=projector)
        self.last_view: BatchView | None = None
        self._grad_unit: float | None = None  # x-axis unit of the gradient histograms
        self._drawn_key: tuple | None = None
        self._build_figure()
        rows = [
            control_row("initialization", self.init_buttons, self.scale_slider),
            self.controls.box,
            control_row("histograms", self.hist_buttons),
            self.readout,
            self.view.image,
        ]
        self.widget = widgets.VBox(rows)
        if projector:
            self.widget.children = (*rows, projector_style(self.widget))
        self.init_buttons.observe(self._on_init, names="value")
        self.scale_slider.observe(self._on_scale, names="value")
        self.hist_buttons.observe(self._on_redraw, names="value")
        self.controls.lr.observe(self._on_lr, names="value")
        self.refresh()

    # ------------------------------------------------------------------ figure

    def _build_figure(self) -> None:
        fig = self.view.figure
        layout = self._layout
        fonts = layout["fonts"]
        width, height = fig.get_size_inches() * fig.dpi
        # The 280 x 280 grid at its native size (one image pixel per screen pixel), or at
        # twice that size on a projector (each pixel a 2 x 2 block, as sharp).
        side = layout["grid_px"]
        self.grid_ax = fig.add_axes((0.01, 0.03, side / width, side / height))
        self.grid_image = self.grid_ax.imshow(
            np.ones((280, 280, 3)), interpolation="nearest", vmin=0.0, vmax=1.0
        )
        self.grid_ax.set_axis_off()
        self.misclassified_text = self.grid_ax.set_title(
            "Misclassified 0/100", fontsize=fonts["big"]
        )
        self.hist_axes = []
        self.hist_patches = []
        edges = np.linspace(-1.0, 1.0, ACTIVATION_BINS + 1)
        left, bottom, w, h, pitch = layout["hist"]
        for i in range(len(SIZES) - 2):
            ax = fig.add_axes((left + i * pitch, bottom, w, h))
            patch = ax.stairs(np.zeros(ACTIVATION_BINS), edges, fill=True, color="tab:blue")
            ax.set_xlim(-1.0, 1.0)
            ax.set_xticks([-1.0, 0.0, 1.0], labels=["-1", "0", "1"])
            ax.set_yticks([])
            ax.tick_params(labelsize=fonts["tick"])
            self.hist_axes.append(ax)
            self.hist_patches.append(patch)
        self.hist_titles = [ax.set_title(" ", fontsize=fonts["hist"]) for ax in self.hist_axes]
        # Bar heights are scaled to each panel's tallest bar, hence no y ticks.
        self.hist_axes[0].set_ylabel("count", fontsize=fonts["hist"])
        # One x label for the row; it follows the histogram toggle (see _draw_batch).
        self.hist_xlabel = fig.text(
            *layout["hist_xlabel"], " ", fontsize=fonts["hist"], ha="center", va="center"
        )
        self.cost_ax = fig.add_axes(layout["cost"])
        (self.cost_line,) = self.cost_ax.plot([], [], color="tab:blue", lw=layout["lw"])
        self.cost_ax.set_xlabel("step (batch of 100)", fontsize=fonts["label"])
        self.cost_ax.set_ylabel("cost", fontsize=fonts["label"])
        self.cost_ax.tick_params(labelsize=fonts["tick"])
        self.cost_ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        self.cost_ax.yaxis.set_major_locator(MaxNLocator(4))
        self.cost_ax.set_title("minibatch cost", fontsize=fonts["title"])
        self.acc_ax = fig.add_axes(layout["acc"])
        (self.acc_line,) = self.acc_ax.plot(
            [], [], "o-", color="tab:green", ms=layout["ms"], lw=layout["lw"]
        )
        self.acc_line.set_clip_on(False)  # the points at the axes' ends are shown whole
        self.acc_ax.axhline(0.1, color="0.5", ls="--", lw=0.8 * layout["lw"])
        self.acc_ax.text(
            0.97,
            0.1,
            "chance",
            transform=self.acc_ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            color="0.4",
            fontsize=fonts["tick"],
        )
        self.acc_ax.set_ylim(0.0, 1.0)
        self.acc_ax.set_yticks([0.0, 0.5, 1.0])
        self.acc_ax.set_xlabel(f"step (every {self.model.eval_every})", fontsize=fonts["label"])
        self.acc_ax.set_ylabel("accuracy", fontsize=fonts["label"])
        self.acc_ax.tick_params(labelsize=fonts["tick"])
        self.acc_ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        self.acc_ax.set_title("test accuracy", fontsize=fonts["title"])
        self.caption = fig.text(
            *layout["caption"], " ", fontsize=fonts["title"], ha="left", va="center"
        )
        self.diverged_text = self.cost_ax.text(
            0.5,
            0.5,
            "",
            transform=self.cost_ax.transAxes,
            ha="center",
            va="center",
            color="tab:red",
            fontsize=fonts["big"],
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
            f"<b>{model.init}{scale_suffix(model.scale)}</b> ({model.initializer_name})",
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
