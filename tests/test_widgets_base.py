"""Headless tests of the shared app building blocks (course_utils.widgets.base)."""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.image as mpimg
import numpy as np
import pytest

from course_utils.widgets.base import FigureView, TrainingApp, TrainingControls, scale_suffix

# ---------------------------------------------------------------------------- FigureView


def _decode(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def test_figure_view_renders_png_of_the_right_size():
    view = FigureView(figsize=(4, 2), dpi=50)
    assert isinstance(view.image, widgets.Image)
    assert view.image.format == "png"
    assert view.render_count == 0
    png = view.redraw()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert view.image.value == png
    assert view.render_count == 1
    assert _decode(png).shape[:2] == (100, 200)
    assert view.image.layout.max_width == "200px"  # shown at most at its own size


def test_figure_view_redraw_reflects_artist_updates():
    view = FigureView(figsize=(2, 2), dpi=40)
    ax = view.figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    image = ax.imshow(np.zeros((4, 4)), cmap="gray", vmin=0.0, vmax=1.0)
    before = _decode(view.redraw())
    image.set_data(np.ones((4, 4)))
    after = _decode(view.redraw())
    assert view.render_count == 2
    assert before[..., :3].mean() < 0.1
    assert after[..., :3].mean() > 0.9


def test_figure_view_png_does_not_count_and_repr_png_matches():
    view = FigureView(figsize=(3, 2), dpi=30)
    view.figure.add_subplot().plot([0, 1], [1, 0])
    png = view.png()
    assert view.render_count == 0
    assert view.image.value == b""
    assert view._repr_png_() == png
    assert repr(view) == "FigureView(90x60 px)"


def test_figure_view_is_not_registered_with_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    FigureView(figsize=(2, 2), dpi=20).redraw()
    assert plt.get_fignums() == before


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"figsize": 3}, TypeError, "figsize"),
        ({"figsize": "ab"}, TypeError, "figsize"),
        ({"figsize": (1, 2, 3)}, ValueError, "figsize"),
        ({"figsize": (0, 2)}, ValueError, r"figsize\[0\]"),
        ({"figsize": (2, -1)}, ValueError, r"figsize\[1\]"),
        ({"dpi": 2.5}, TypeError, "dpi"),
        ({"dpi": 1}, ValueError, "dpi"),
    ],
)
def test_figure_view_validates(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        FigureView(**kwargs)


# ---------------------------------------------------------------------------- TrainingControls


class Recorder:
    """Fake app: records the calls the controls make."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def step(self, n: int) -> None:
        self.calls.append(n)

    def reset(self) -> None:
        self.calls.append("reset")


def make_controls(**kwargs) -> tuple[TrainingControls, Recorder]:
    rec = Recorder()
    return TrainingControls(rec.step, rec.reset, **kwargs), rec


def test_controls_widgets_and_defaults():
    controls, _ = make_controls(steps_per_tick=10, interval_ms=150, lr=0.3, lr_range=(1e-2, 3))
    assert isinstance(controls.play, widgets.Play)
    assert controls.play.interval == 150
    assert controls.play.value == 0
    assert isinstance(controls.lr, widgets.FloatLogSlider)
    assert controls.lr.value == pytest.approx(0.3)
    assert controls.lr.min == pytest.approx(-2.0)
    assert controls.lr.max == pytest.approx(np.log10(3))
    assert isinstance(controls.status, widgets.HTML)
    assert isinstance(controls.box, widgets.Box)
    assert controls.steps_per_tick == 10
    # every control is inside the box
    children = [controls.box.children[1], *controls.box.children[0].children]
    for w in (controls.play, controls.step_button, controls.reset_button, controls.lr):
        assert w in children
    assert controls.status in children


def test_press_step_calls_on_step_with_steps_per_tick():
    controls, rec = make_controls(steps_per_tick=7)
    controls.press_step()
    controls.press_step(3)
    assert rec.calls == [7, 7, 7, 7]
    assert controls.tick_count == 4
    controls.steps_per_tick = 2
    controls.press_step(0)
    controls.press_step(1)
    assert rec.calls == [7, 7, 7, 7, 2]


def test_button_click_runs_the_same_handlers():
    controls, rec = make_controls(steps_per_tick=3)
    controls.step_button.click()
    controls.reset_button.click()
    assert rec.calls == [3, "reset"]


def test_play_ticks_step_and_rewinds_do_not():
    controls, rec = make_controls(steps_per_tick=5)
    controls.play.value = 1
    controls.play.value = 2
    controls.play.value = 3
    assert rec.calls == [5, 5, 5]
    controls.play.value = 0  # the front end's stop button rewinds to min
    assert rec.calls == [5, 5, 5]


def test_reset_pauses_and_rewinds_play_without_stepping():
    controls, rec = make_controls(steps_per_tick=1)
    controls.play.playing = True
    controls.play.value = 4
    controls.press_reset()
    assert rec.calls == [1, "reset"]
    assert controls.play.value == 0
    assert controls.play.playing is False
    controls.play.value = 1  # playing again from 0 trains again
    assert rec.calls == [1, "reset", 1]


def test_reentrant_tick_is_dropped():
    box: dict[str, TrainingControls] = {}
    calls: list[int] = []

    def step(n: int) -> None:
        calls.append(n)
        # a tick arriving while this step runs (e.g. the app nudges the timer)
        box["c"].play.value += 1
        box["c"].press_step()

    controls = TrainingControls(step, lambda: None, steps_per_tick=2)
    box["c"] = controls
    controls.press_step()
    assert calls == [2]
    assert controls.dropped_ticks == 2
    assert controls.busy is False
    controls.press_step()  # the guard is released after the step
    assert calls == [2, 2]


def test_exception_in_on_step_propagates_and_releases_guard():
    def boom(n: int) -> None:
        raise RuntimeError("step failed")

    controls = TrainingControls(boom, lambda: None)
    with pytest.raises(RuntimeError, match="step failed"):
        controls.press_step()
    assert controls.busy is False
    assert controls.tick_count == 0


def test_pause_stops_play():
    controls, _ = make_controls()
    controls.play.playing = True
    controls.pause()
    assert controls.play.playing is False


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"on_step": 3}, TypeError, "on_step"),
        ({"on_reset": "x"}, TypeError, "on_reset"),
        ({"steps_per_tick": 0}, ValueError, "steps_per_tick"),
        ({"steps_per_tick": 1.5}, TypeError, "steps_per_tick"),
        ({"interval_ms": 0}, ValueError, "interval_ms"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": 100.0}, ValueError, "lr_range"),
        ({"lr_range": (1.0, 0.1)}, ValueError, "lr_range"),
        ({"lr_range": (0.0, 1.0)}, ValueError, r"lr_range\[0\]"),
        ({"lr_range": (0.1,)}, ValueError, "lr_range"),
        ({"lr_range": 0.1}, TypeError, "lr_range"),
        ({"lr_range": ("a", 1.0)}, TypeError, "lr_range"),
    ],
)
def test_controls_validate(kwargs, exc, match):
    args = {"on_step": lambda n: None, "on_reset": lambda: None}
    args.update(kwargs)
    on_step = args.pop("on_step")
    on_reset = args.pop("on_reset")
    with pytest.raises(exc, match=match):
        TrainingControls(on_step, on_reset, **args)


def test_press_step_validates_n():
    controls, _ = make_controls()
    with pytest.raises(ValueError, match="n"):
        controls.press_step(-1)
    with pytest.raises(TypeError, match="n"):
        controls.steps_per_tick = "3"


# ---------------------------------------------------------------------------- blitting


def _blit_view():
    view = FigureView(figsize=(3, 2), dpi=40)
    ax = view.figure.add_subplot()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], [0, 1], color="red", lw=3)
    title = ax.set_title("start")
    return view, line, title


def test_fast_redraw_matches_full_redraw():
    view, line, title = _blit_view()
    view.set_animated([line, title])
    assert view.animated == [line, title]
    assert line.get_animated()
    view.redraw()  # full: caches the background
    line.set_ydata([1, 0])
    title.set_text("changed")
    fast = _decode(view.redraw(full=False))
    assert view.render_count == 2
    assert view.full_render_count == 1
    full = _decode(view.png())
    np.testing.assert_array_equal(fast, full)
    # png() does not count and includes the animated artists
    assert view.render_count == 2
    assert view.full_render_count == 1


def test_fast_redraw_without_background_falls_back_to_full():
    view, line, _ = _blit_view()
    view.set_animated([line])
    view.redraw(full=False)
    assert view.full_render_count == 1
    view.redraw(full=False)
    assert view.full_render_count == 1
    view.set_animated([line])  # a new list drops the background
    view.redraw(full=False)
    assert view.full_render_count == 2


def test_animated_artists_change_the_fast_picture():
    view, line, _ = _blit_view()
    view.set_animated([line])
    before = _decode(view.redraw())
    line.set_visible(False)
    after = _decode(view.redraw(full=False))
    red = (before[..., 0] > 0.8) & (before[..., 1] < 0.3)
    assert red.sum() > 20
    assert not ((after[..., 0] > 0.8) & (after[..., 1] < 0.3)).any()


def test_set_animated_replaces_and_validates():
    view, line, title = _blit_view()
    view.set_animated([line])
    view.set_animated([title])
    assert not line.get_animated()
    assert title.get_animated()
    with pytest.raises(TypeError, match=r"artists\[0\]"):
        view.set_animated(["not an artist"])
    with pytest.raises(ValueError, match="compress_level"):
        FigureView(compress_level=10)


# ---------------------------------------------------------------------------- weight scale


class FakeModel:
    """The part of an app's model that the weight-scale plumbing uses."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.resets: list[dict] = []

    def reset(self, **kwargs) -> None:
        self.resets.append(kwargs)
        self.scale = kwargs.get("scale", self.scale)


class FakeApp(TrainingApp):
    def __init__(self, scale: float = 1.0) -> None:
        self.model = FakeModel(scale)
        self.refreshes = 0
        self.scale_slider = self._make_scale_slider()
        self.scale_slider.observe(self._on_scale, names="value")

    def refresh(self) -> None:
        self.refreshes += 1


def test_scale_slider_range_and_observer():
    app = FakeApp()
    slider = app.scale_slider
    assert isinstance(slider, widgets.FloatLogSlider)
    assert slider.description == "weight scale"
    assert slider.base == 2 and slider.value == 1.0
    assert 2.0**slider.min == 1 / 16 and 2.0**slider.max == 16
    assert slider.continuous_update is False
    assert slider.readout_format == ".3"  # 1, 1.41, 0.0625: no trailing zeros
    slider.value = 4.0
    assert app.model.resets == [{"scale": 4.0}]  # only the scale: the rest is kept
    assert app.refreshes == 1
    slider.value = 100.0  # clamped to the slider's range
    assert app.model.scale == 16.0
    assert FakeApp(0.25).scale_slider.value == 0.25
    with pytest.raises(ValueError, match="scale"):
        FakeApp(32.0)
    with pytest.raises(ValueError, match="scale"):
        FakeApp(0.01)


@pytest.mark.parametrize(
    ("scale", "text"),
    [(1.0, ""), (4.0, " ×4"), (0.0625, " ×0.0625"), (2**0.5, " ×1.41"), (16, " ×16")],
)
def test_scale_suffix(scale, text):
    assert scale_suffix(scale) == text


@pytest.mark.parametrize(
    ("scale", "exc"),
    [(0.0, ValueError), (-1.0, ValueError), (float("inf"), ValueError), ("2", TypeError)],
)
def test_scale_suffix_validates(scale, exc):
    with pytest.raises(exc, match="scale"):
        scale_suffix(scale)
