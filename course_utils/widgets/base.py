"""Building blocks shared by the course's interactive apps.

Small classes, used by :mod:`course_utils.widgets.playground` and
:mod:`course_utils.widgets.mnist_explorer`:

- :class:`FigureView` owns one matplotlib figure drawn by the Agg canvas (no pyplot, so a
  notebook never shows it twice) and an ``ipywidgets.Image`` that displays it as PNG.
  Apps build their artists once, change their data (``set_data``, ``set_array``,
  ``set_ydata`` ...) and call :meth:`FigureView.redraw`: one PNG render per update, never a
  new figure. The same image works in JupyterLab, Voila and headless pytest. Optional
  blitting: artists registered with :meth:`FigureView.set_animated` are redrawn alone on a
  cached background by ``redraw(full=False)``, several times faster than a full rendering.
  With ``fill_width=True`` the picture is shown at the width of the page (the apps'
  projector mode); otherwise at most at its own size.
- :class:`TrainingControls` is the Play / Step / Reset row with a learning-rate slider and
  a status line; :func:`control_row` is the labelled row of controls the apps are made
  of. ``Play`` is a single front-end timer: each tick changes its ``value`` and the kernel
  runs ``on_step(steps_per_tick)``; clicking Play again cannot start a second
  loop. A guard flag drops a tick that arrives while a step is still running.
- :class:`TrainingApp` is the plumbing both apps share: it builds their
  :class:`TrainingControls` and the weight-scale slider, forwards Step / Reset / initializer /
  weight-scale / learning-rate events to the app's model and redraws, shows the status line
  (pausing Play once training diverged) and displays the app. Rapid control changes from the
  browser (a learner clicking through the initializers) do not queue one redraw each: a
  change that arrives less than :data:`MIN_REDRAW_INTERVAL` after the last redraw only
  schedules one trailing redraw, which shows whatever value came last.
- Projector mode (``projector=True`` of the apps, what ``make app`` shows): the figure is
  rendered :data:`PROJECTOR_WIDTH_PX` pixels wide with large fonts and shown at the width of
  the page; :func:`projector_style` enlarges the controls' text (CSS scoped to the app).

Both work without a kernel: ipywidgets falls back to a dummy comm, so tests set ``.value``
on the widgets and call :meth:`TrainingControls.press_step` /
:meth:`TrainingControls.press_reset`, which run the same code as the buttons.
"""

from __future__ import annotations

import asyncio
import html
import math
import numbers
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_utils._validation import check_float, check_int

MAX_STEPS_PER_TICK = 1_000
"""Most training steps per Play tick or Step click: the apps use at most a few per tick, and a
tick must end within about a second or the buttons stop answering."""

__all__ = [
    "MAX_STEPS_PER_TICK",
    "PROJECTOR_CLASS",
    "PROJECTOR_WIDTH_PX",
    "FigureView",
    "TrainingApp",
    "TrainingControls",
    "control_row",
    "encode_png",
    "projector_style",
    "scale_suffix",
]

#: Largest value of the Play counter; at 5 ticks per second this lasts for years.
PLAY_MAX = 10**9

#: Range of the apps' "weight scale" slider: factors ``2**SCALE_EXPONENTS[0]`` (1/16) to
#: ``2**SCALE_EXPONENTS[1]`` (16) in steps of ``2**SCALE_STEP`` (sqrt 2).
SCALE_EXPONENTS: tuple[float, float] = (-4.0, 4.0)
SCALE_STEP = 0.5

#: Shortest time (seconds) between two redraws caused by control changes in a live kernel.
#: Changes that arrive sooner are folded into one redraw of the latest state.
MIN_REDRAW_INTERVAL = 0.05

#: Width in pixels of the apps' figures in projector mode. The page shows them at its own
#: width (about 1250 px in a 1280 px window, 1890 px in a 1920 px one), so one rendering
#: serves both. Wider costs rendering time (text and PNG encoding grow with the pixel count):
#: at 1600 px the MNIST explorer's median control change took 126 ms on a quiet 2-core
#: machine, over the 100 ms target.
PROJECTOR_WIDTH_PX = 1280

#: CSS class of an app's outer box in projector mode (see :func:`projector_style`): its
#: controls' text is 18 px, or 1.15 % of the window's width if that is more (22 px at 1920).
PROJECTOR_CLASS = "course-projector"

#: Width of the group labels in front of each row of controls (:func:`control_row`).
ROW_LABEL_WIDTH = "8.5em"

_PROJECTOR_CSS = f"""<style>
.{PROJECTOR_CLASS} {{
  --course-font: max(18px, 1.15vw);
  --jp-widgets-font-size: var(--course-font);
  --jp-widgets-inline-height: calc(2 * var(--course-font));
  --jp-widgets-inline-width: calc(19 * var(--course-font));
  --jp-widgets-slider-handle-size: calc(1.1 * var(--course-font));
  font-size: var(--course-font);
}}
.{PROJECTOR_CLASS} .widget-html-content, .{PROJECTOR_CLASS} .widget-label,
.{PROJECTOR_CLASS} .widget-readout, .{PROJECTOR_CLASS} .widget-button,
.{PROJECTOR_CLASS} .widget-toggle-button, .{PROJECTOR_CLASS} select {{
  font-size: var(--course-font);
}}
.{PROJECTOR_CLASS} .widget-html-content {{ line-height: 1.5; }}
.{PROJECTOR_CLASS} .widget-toggle-button {{ padding: 0 14px; }}
</style>"""


class FigureView:
    """One matplotlib figure rendered to PNG and shown in an ``ipywidgets.Image``.

    Parameters
    ----------
    figsize : tuple of float
        Figure size in inches ``(width, height)``, both > 0.
    dpi : int
        Dots per inch of the rendering (the PNG is ``figsize * dpi`` pixels).
    compress_level : int
        zlib level of the PNG encoder (:func:`encode_png`), 0 (none) to 9 (smallest); 1 is
        fast and the files stay small for plots.
    fill_width : bool
        False (default): the picture is shown at most at its own size (a wider display
        would upscale and blur it). True: it is shown at the full width of its container,
        scaled with its aspect ratio kept (render it at about the page's width).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure; add axes and artists to it once, then update their data.
    canvas : matplotlib.backends.backend_agg.FigureCanvasAgg
        The figure's canvas.
    image : ipywidgets.Image
        The displayed PNG (``format="png"``, RGB: the figure is opaque; see
        :func:`encode_png`); updated by :meth:`redraw`.
    render_count : int
        Number of :meth:`redraw` calls so far.
    full_render_count : int
        How many of them rendered the whole figure (the others only the animated artists).

    Notes
    -----
    Fast updates (optional): artists registered with :meth:`set_animated` are left out of
    the full rendering, which is cached as a background; ``redraw(full=False)`` then
    restores that background and draws only those artists (the matplotlib "blitting"
    technique, here on the Agg canvas). Call ``redraw(full=True)`` (the default) whenever
    something else changed, e.g. axis limits or tick labels.

    Examples
    --------
    >>> view = FigureView(figsize=(4, 3), dpi=50)
    >>> ax = view.figure.add_subplot()
    >>> (line,) = ax.plot([0, 1], [0, 1])
    >>> line.set_ydata([1, 0])
    >>> png = view.redraw()
    >>> png[:4] == b"\\x89PNG", view.render_count
    (True, 1)
    """

    def __init__(
        self,
        figsize: Sequence[float] = (8, 3),
        dpi: int = 80,
        *,
        compress_level: int = 1,
        fill_width: bool = False,
    ) -> None:
        if isinstance(figsize, str | bytes) or not isinstance(figsize, Sequence):
            raise TypeError(
                f"figsize must be a (width, height) pair of numbers, got {type(figsize).__name__}"
            )
        if len(figsize) != 2:
            raise ValueError(f"figsize must have 2 entries (width, height), got {len(figsize)}")
        width = check_float(figsize[0], "figsize[0]", minimum=0.0, strict_min=True)
        height = check_float(figsize[1], "figsize[1]", minimum=0.0, strict_min=True)
        self.dpi = check_int(dpi, "dpi", minimum=10, maximum=600)
        self.compress_level = check_int(compress_level, "compress_level", minimum=0, maximum=9)
        self.figure = Figure(figsize=(width, height), dpi=self.dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        if not isinstance(fill_width, bool):
            raise TypeError(f"fill_width must be True or False, got {type(fill_width).__name__}")
        self.fill_width = fill_width
        if fill_width:  # the page's width, the height following the aspect ratio
            layout = widgets.Layout(width="100%", height="auto")
        else:  # never wider than the rendering: a stretched PNG is upscaled and blurred
            layout = widgets.Layout(max_width=f"{round(width * self.dpi)}px")
        self.image = widgets.Image(format="png", layout=layout)
        self.render_count = 0
        self.full_render_count = 0
        self._animated: list[Artist] = []
        self._background: object | None = None
        self._background_size: tuple[int, int] | None = None

    @property
    def animated(self) -> list[Artist]:
        """The artists drawn on top of the cached background (in drawing order)."""
        return list(self._animated)

    def set_animated(self, artists: Iterable[Artist]) -> None:
        """Register the artists that change between fast redraws (replaces the old list).

        They are drawn in the given order on top of everything else, so list an artist
        after those it must cover (e.g. data points after a heatmap under them).
        """
        artists = list(artists)
        for i, artist in enumerate(artists):
            if not isinstance(artist, Artist):
                raise TypeError(
                    f"artists[{i}] must be a matplotlib Artist, got {type(artist).__name__}"
                )
        for artist in self._animated:
            artist.set_animated(False)
        for artist in artists:
            artist.set_animated(True)
        self._animated = artists
        self._background = None

    def _render(self, full: bool) -> bytes:
        size = self.canvas.get_width_height()
        if full or self._background is None or self._background_size != size:
            self.canvas.draw()  # skips animated artists
            self.full_render_count += 1
            if self._animated:
                self._background = self.canvas.copy_from_bbox(self.figure.bbox)
                self._background_size = size
        else:
            self.canvas.restore_region(self._background)
        for artist in self._animated:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        return self._encode()

    def _encode(self) -> bytes:
        rgba = np.asarray(self.canvas.buffer_rgba())
        return encode_png(rgba[..., :3], self.compress_level)

    def png(self) -> bytes:
        """Render the whole figure as it is now and return the PNG bytes (not counted)."""
        count = self.full_render_count
        data = self._render(full=True)
        self.full_render_count = count
        return data

    def redraw(self, *, full: bool = True) -> bytes:
        """Render the figure, show it in :attr:`image` and return the PNG bytes.

        Parameters
        ----------
        full : bool
            True (default) renders everything. False redraws only the animated artists
            (see :meth:`set_animated`) on the cached background; it falls back to a full
            rendering when there is no background yet.
        """
        data = self._render(bool(full))
        self.image.value = data
        self.render_count += 1
        return data

    def _repr_png_(self) -> bytes:
        """PNG of the current figure, so ``display(view)`` shows a static picture."""
        return self.png()

    def __repr__(self) -> str:
        width, height = self.canvas.get_width_height()
        return f"FigureView({width}x{height} px)"


class TrainingControls:
    """Play / Step / Reset buttons, a learning-rate slider and a status line.

    Parameters
    ----------
    on_step : callable ``(n: int) -> None``
        Runs ``n`` training steps and redraws; called with ``steps_per_tick`` by every Play
        tick, every Step click and every :meth:`press_step`.
    on_reset : callable ``() -> None``
        Restores the initial state and redraws; called by Reset and :meth:`press_reset`.
    steps_per_tick : int
        Training steps per tick or click (>= 1). Keep one tick under about 0.2 s.
    interval_ms : int
        Time between Play ticks in milliseconds (>= 1).
    lr : float
        Initial learning rate, inside ``lr_range``.
    lr_range : (float, float)
        Smallest and largest learning rate of the log slider, ``0 < low < high``.

    Attributes
    ----------
    play : ipywidgets.Play
        The timer. Every increase of ``play.value`` is one tick. ``play.playing = False``
        pauses it (apps do that when training diverged).
    step_button, reset_button : ipywidgets.Button
    lr : ipywidgets.FloatLogSlider
        Learning rate; apps observe ``lr.value`` and pass it to their trainer.
    status : ipywidgets.HTML
        Free text for messages such as ``"diverged at step 120"``.
    row : ipywidgets.HBox
        The labelled "training" row (:func:`control_row`): Play, Step, Reset, learning rate.
    box : ipywidgets.VBox
        :attr:`row` above the status line; put it into the app's layout.
    tick_count : int
        Ticks and clicks that ran ``on_step``.
    dropped_ticks : int
        Ticks that arrived while a step was still running and were dropped.

    Examples
    --------
    >>> calls = []
    >>> controls = TrainingControls(calls.append, lambda: calls.append("reset"),
    ...                             steps_per_tick=10)
    >>> controls.press_step(2)
    >>> controls.press_reset()
    >>> calls
    [10, 10, 'reset']
    """

    def __init__(
        self,
        on_step: Callable[[int], None],
        on_reset: Callable[[], None],
        *,
        steps_per_tick: int = 1,
        interval_ms: int = 200,
        lr: float = 0.1,
        lr_range: Sequence[float] = (1e-3, 10),
    ) -> None:
        if not callable(on_step):
            raise TypeError(f"on_step must be callable, got {type(on_step).__name__}")
        if not callable(on_reset):
            raise TypeError(f"on_reset must be callable, got {type(on_reset).__name__}")
        self._on_step = on_step
        self._on_reset = on_reset
        self.steps_per_tick = steps_per_tick
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
        low, high = _check_range(lr_range)
        lr = check_float(lr, "lr", minimum=0.0, strict_min=True)
        if not low <= lr <= high:
            raise ValueError(f"lr must lie inside lr_range [{low:g}, {high:g}], got {lr:g}")

        self.play = widgets.Play(
            value=0,
            min=0,
            max=PLAY_MAX,
            step=1,
            interval=interval_ms,
            show_repeat=False,
            description="Play",
            tooltip="Play / pause training",
        )
        self.step_button = widgets.Button(
            description="Step", icon="step-forward", tooltip="Run one tick of training"
        )
        self.reset_button = widgets.Button(
            description="Reset", icon="undo", tooltip="Back to step 0 (same initial weights)"
        )
        self.lr = widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=math.log10(low),
            max=math.log10(high),
            step=0.05,
            description="learning rate",
            readout_format=".3g",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.status = widgets.HTML(value="")
        self.row = control_row("training", self.play, self.step_button, self.reset_button, self.lr)
        self.box = widgets.VBox([self.row, self.status])
        self.tick_count = 0
        self.dropped_ticks = 0
        self._busy = False
        self._rewinding = False

        self.play.observe(self._on_play_value, names="value")
        self.step_button.on_click(self._on_step_click)
        self.reset_button.on_click(self._on_reset_click)

    # ------------------------------------------------------------------ properties

    @property
    def steps_per_tick(self) -> int:
        """Training steps per Play tick or Step click (1 to :data:`MAX_STEPS_PER_TICK`)."""
        return self._steps_per_tick

    @steps_per_tick.setter
    def steps_per_tick(self, value: int) -> None:
        self._steps_per_tick = check_int(
            value, "steps_per_tick", minimum=1, maximum=MAX_STEPS_PER_TICK
        )

    @property
    def busy(self) -> bool:
        """True while ``on_step`` runs (a tick arriving then is dropped)."""
        return self._busy

    # ------------------------------------------------------------------ public API

    def press_step(self, n: int = 1) -> None:
        """Click Step ``n`` times (headless tests; the same code as the button).

        Unlike a real click, an exception raised by ``on_step`` propagates (ipywidgets would
        only log it), so tests see it.
        """
        n = check_int(n, "n", minimum=0)
        for _ in range(n):
            self._run_tick()

    def press_reset(self) -> None:
        """Click Reset (headless tests; the same code as the button)."""
        self._reset()

    def pause(self) -> None:
        """Stop the Play timer (its counter keeps its value)."""
        self.play.playing = False

    # ------------------------------------------------------------------ internals

    def _run_tick(self) -> bool:
        """Run ``on_step(steps_per_tick)`` unless a step is running; True if it ran."""
        if self._busy:
            self.dropped_ticks += 1
            return False
        self._busy = True
        try:
            self._on_step(self.steps_per_tick)
        finally:
            self._busy = False
        self.tick_count += 1
        return True

    def _reset(self) -> None:
        self.pause()
        self._rewinding = True
        try:
            self.play.value = 0
        finally:
            self._rewinding = False
        self._on_reset()

    def _on_play_value(self, change: dict) -> None:
        # Only forward moves of the counter are ticks: the front end's stop button and
        # Reset rewind it to 0, which must not train.
        if self._rewinding or change["new"] <= change["old"]:
            return
        self._run_tick()

    def _on_step_click(self, button: widgets.Button) -> None:
        self._run_tick()

    def _on_reset_click(self, button: widgets.Button) -> None:
        self._reset()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)


class TrainingApp:
    """Plumbing shared by the apps built on :class:`TrainingControls` (a mixin).

    A subclass sets :attr:`model`, a lesson model (a
    :class:`~course_utils.experiments.base.LessonModel`) with ``step(n)``, ``reset()``,
    ``reset(init=label)``, ``reset(scale=k)`` (both keep the other settings), a ``scale``, a
    settable ``lr`` and ``diverged_at``; :attr:`controls` (made by :meth:`_make_controls`),
    a weight-scale slider (made by :meth:`_make_scale_slider`) and :attr:`widget`, the whole
    app; and implements :meth:`refresh`. The callbacks below then run the model and redraw.
    """

    model: Any
    controls: TrainingControls
    widget: widgets.Widget

    def refresh(self) -> None:
        """Redraw every view from the model's current state."""
        raise NotImplementedError

    def _make_controls(self, steps_per_tick: int, interval_ms: int) -> TrainingControls:
        """Controls that call :meth:`_on_step` and :meth:`_on_reset`, at the model's lr."""
        return TrainingControls(
            self._on_step,
            self._on_reset,
            steps_per_tick=steps_per_tick,
            interval_ms=interval_ms,
            lr=self.model.lr,
            lr_range=(1e-3, 10.0),
        )

    def _make_scale_slider(self) -> widgets.FloatLogSlider:
        """The "weight scale" slider (1/16 to 16, factors of sqrt 2), at the model's scale.

        Its value multiplies every initial weight matrix: the weights' standard deviation is
        the slider's value times the initializer's. Observe it with :meth:`_on_scale`.
        """
        low, high = SCALE_EXPONENTS
        scale = self.model.scale
        if not 2.0**low <= scale <= 2.0**high:
            raise ValueError(
                f"scale must lie inside the slider's range [{2.0**low:g}, {2.0**high:g}], "
                f"got {scale:g}"
            )
        return widgets.FloatLogSlider(
            value=scale,
            base=2,
            min=low,
            max=high,
            step=SCALE_STEP,
            description="weight scale",
            readout_format=".3",  # d3-format: 3 significant digits, no trailing zeros ("1")
            continuous_update=False,
            tooltip="Multiplies every initial weight matrix (restarts at step 0)",
            style={"description_width": "initial"},
        )

    def _show_status(self, text: str) -> None:
        """Show ``text`` in the status line; pause Play once training has diverged."""
        self.controls.status.value = text
        if self.model.diverged_at is not None:
            self.controls.pause()

    def request_refresh(self, change: dict | None = None) -> None:
        """Redraw for a control change, folding rapid changes from the browser into one.

        A change made in code (a notebook cell, a test) redraws at once, so the next line
        sees the new figure. A change that comes from the browser, arriving less than
        :data:`MIN_REDRAW_INTERVAL` after the previous redraw while the kernel's event loop
        runs, schedules a single redraw for the end of that interval; further changes before
        then only update the model, and the redraw shows the last of them.
        """
        if self._pending is not None:
            return
        wait = self._last_refresh + MIN_REDRAW_INTERVAL - time.perf_counter()
        if wait > 0 and change is not None and _from_browser(change):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: nothing can queue up, redraw now
                loop = None
            if loop is not None:
                self._pending = loop.call_later(wait, self._refresh_now)
                return
        self._refresh_now()

    _pending: asyncio.TimerHandle | None = None
    _last_refresh = -math.inf

    def _refresh_now(self) -> None:
        if self._pending is not None:  # a Step or Reset redraws first: drop the trailing one
            self._pending.cancel()
            self._pending = None
        try:
            self.refresh()
        finally:
            self._last_refresh = time.perf_counter()

    def _on_step(self, n: int) -> None:
        self.model.step(n)
        self._refresh_now()

    def _on_reset(self) -> None:
        self.model.reset()
        self._refresh_now()

    def _on_init(self, change: dict) -> None:
        self.model.reset(init=change["new"])
        self.request_refresh(change)

    def _on_scale(self, change: dict) -> None:
        self.model.reset(scale=change["new"])
        self.request_refresh(change)

    def _on_lr(self, change: dict) -> None:
        self.model.lr = float(change["new"])
        self.request_refresh(change)

    def _on_redraw(self, change: dict) -> None:
        self.request_refresh(change)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def encode_png(rgb: np.ndarray, level: int = 1) -> bytes:
    """A PNG file of an RGB picture: no row filter, one zlib stream at ``level`` (0 to 9).

    Plots are mostly flat colour, which zlib alone compresses well; skipping the per-row
    filter choice of general encoders (Pillow tries all five filters on every row) makes it
    about 40 % faster on the apps' projector figures (measured at 1600 x 660: about 30 ms
    instead of 50 ms on a quiet 2-core machine) and the files no larger.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (height, width, 3)
    level : int
        zlib compression level.

    Examples
    --------
    >>> encode_png(np.zeros((2, 3, 3), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(
            f"rgb must be a uint8 array of shape (height, width, 3), got {rgb.dtype} {rgb.shape}"
        )
    level = check_int(level, "level", minimum=0, maximum=9)
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row: filter type 0, then pixels
    rows[:, 1:] = rgb.reshape(height, -1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            chunk(b"IEND", b""),
        ]
    )


def control_row(title: str, *children: widgets.Widget) -> widgets.HBox:
    """A row of controls behind a bold group label, so a lecturer finds them by name.

    The label has a fixed width (:data:`ROW_LABEL_WIDTH`), so the rows' controls start at
    the same left edge; the row wraps on a narrow page and centres its items vertically.

    Examples
    --------
    >>> row = control_row("view", widgets.ToggleButtons(options=["a", "b"]))
    >>> row.children[0].value
    '<b>view</b>'
    """
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    for i, child in enumerate(children):
        if not isinstance(child, widgets.Widget):
            raise TypeError(
                f"children[{i}] must be an ipywidgets Widget, got {type(child).__name__}"
            )
    label = widgets.HTML(
        f"<b>{html.escape(title)}</b>",
        layout=widgets.Layout(width=ROW_LABEL_WIDTH, flex="0 0 auto"),
    )
    return widgets.HBox(
        [label, *children], layout=widgets.Layout(flex_flow="row wrap", align_items="center")
    )


def projector_style(root: widgets.Box) -> widgets.HTML:
    """Enlarge the text of the controls inside ``root`` for a projector; returns the
    ``<style>`` element (an ``ipywidgets.HTML``) to put inside ``root``.

    ``root`` gets the CSS class :data:`PROJECTOR_CLASS` and the style applies only below it,
    so the rest of a notebook or page keeps its own sizes.
    """
    if not isinstance(root, widgets.Box):
        raise TypeError(f"root must be an ipywidgets Box, got {type(root).__name__}")
    root.add_class(PROJECTOR_CLASS)
    return widgets.HTML(_PROJECTOR_CSS, layout=widgets.Layout(display="none"))


def scale_suffix(scale: float) -> str:
    """``" ×k"`` for a weight scale ``k`` other than 1 (3 significant digits), else ``""``.

    The apps append it to the initializer's name in their readouts, e.g. ``"Too small ×4"``.

    Examples
    --------
    >>> scale_suffix(4.0), scale_suffix(2**-0.5), scale_suffix(1.0)
    (' ×4', ' ×0.707', '')
    """
    scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
    return "" if scale == 1.0 else f" ×{scale:.3g}"


def _from_browser(change: dict) -> bool:
    """Whether a trait change came from the front end rather than from kernel code.

    ipywidgets applies a browser update in ``Widget.set_state`` with the property locked
    while the observers run (its comments say the order matters). A selection widget's
    browser sends ``index`` and its ``value`` follows under the same lock; code that sets
    ``.value`` leaves the lock empty.
    """
    return bool(getattr(change.get("owner"), "_property_lock", None))


def _check_range(lr_range: object) -> tuple[float, float]:
    if isinstance(lr_range, str | bytes) or not isinstance(lr_range, Sequence):
        raise TypeError(
            f"lr_range must be a (low, high) pair of numbers, got {type(lr_range).__name__}"
        )
    if len(lr_range) != 2:
        raise ValueError(f"lr_range must have 2 entries (low, high), got {len(lr_range)}")
    for value in lr_range:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"lr_range entries must be numbers, got {type(value).__name__}")
    low = check_float(lr_range[0], "lr_range[0]", minimum=0.0, strict_min=True)
    high = check_float(lr_range[1], "lr_range[1]", minimum=0.0, strict_min=True)
    if not low < high:
        raise ValueError(f"lr_range must satisfy low < high, got ({low:g}, {high:g})")
    return low, high
