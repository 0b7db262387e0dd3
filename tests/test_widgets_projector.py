"""The apps for a lecture hall (``projector=True``, what `make app` shows) and the grouped
controls and labelled figures of both modes (issue 17, issue 11's playground figure items)."""

from __future__ import annotations

import io
import itertools
import math

import ipywidgets as widgets
import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.text import Text

from course_utils.experiments.playground import INITIALIZERS
from course_utils.widgets.base import (
    PROJECTOR_CLASS,
    PROJECTOR_WIDTH_PX,
    FigureView,
    control_row,
    encode_png,
    projector_style,
)
from course_utils.widgets.mnist_explorer import MnistExplorer
from course_utils.widgets.playground import Playground

# Content width of the Voila page of `make app` in 1280 and 1920 px windows (measured in
# Chromium: the output area is 30 px narrower than the window).
PAGE_WIDTHS = (1250, 1890)


@pytest.fixture(scope="module")
def playground():
    app = Playground(projector=True)
    app.controls.press_step(3)
    return app


@pytest.fixture(scope="module")
def explorer():
    app = MnistExplorer(projector=True)
    app.controls.press_step(3)
    return app


def texts(figure) -> list[Text]:  # noqa: ANN001
    """Every visible, non-empty text that a rendering of ``figure`` draws: figure texts,
    titles, axis labels, the tick labels inside the view limits, also of inset axes."""
    figure.canvas.draw()
    found = list(figure.texts)
    seen: set[int] = set()

    def visit(ax) -> None:  # noqa: ANN001
        if id(ax) in seen:
            return
        seen.add(id(ax))
        found.extend([ax.title, ax._left_title, ax._right_title, *ax.texts])
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                found.append(axis.label)
                for tick in axis._update_ticks():  # the ticks a rendering draws
                    found.extend([tick.label1, tick.label2])
        for child in ax.child_axes:
            visit(child)

    for ax in figure.axes:
        visit(ax)
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def render_all(app) -> None:  # noqa: ANN001
    """Draw the animated artists too (a plain canvas.draw() leaves them out)."""
    app.view.png()


# ---------------------------------------------------------------------------- base


def test_fill_width_view_spans_its_container():
    view = FigureView(figsize=(16, 4), dpi=100, fill_width=True)
    assert view.image.layout.width == "100%"
    assert view.image.layout.height == "auto"
    assert view.image.layout.max_width is None
    assert FigureView(figsize=(4, 2), dpi=50).image.layout.width is None
    with pytest.raises(TypeError, match="fill_width must be True or False"):
        FigureView(fill_width="yes")


def test_pictures_are_opaque_rgb():
    view = FigureView(figsize=(2, 1), dpi=40)
    picture = mpimg.imread(io.BytesIO(view.redraw()), format="png")
    assert picture.shape == (40, 80, 3)


def test_control_row_puts_a_label_before_its_controls():
    a, b = widgets.Button(description="a"), widgets.IntSlider()
    row = control_row("view <1>", a, b)
    label, *rest = row.children
    assert label.value == "<b>view &lt;1&gt;</b>"  # escaped
    assert rest == [a, b]
    assert row.layout.flex_flow == "row wrap"
    with pytest.raises(TypeError, match="title must be a str"):
        control_row(3, a)
    with pytest.raises(TypeError, match=r"children\[1\] must be an ipywidgets Widget"):
        control_row("x", a, "b")


def test_projector_style_is_scoped_to_the_app():
    root = widgets.VBox()
    style = projector_style(root)
    assert PROJECTOR_CLASS in root._dom_classes
    css = style.value
    assert css.startswith("<style>") and css.rstrip().endswith("</style>")
    body = css.removeprefix("<style>").rstrip().removesuffix("</style>")
    rules = [r for r in body.split("}") if "{" in r]
    # every selector list starts at the app's class: nothing outside the app changes
    for rule in rules:
        for selector in rule.split("{")[0].split(","):
            assert selector.strip().startswith(f".{PROJECTOR_CLASS}"), selector
    with pytest.raises(TypeError, match="root must be an ipywidgets Box"):
        projector_style(widgets.Button())


# ---------------------------------------------------------------------------- both apps


@pytest.mark.parametrize("which", ["playground", "explorer"])
def test_projector_figure_is_page_wide_and_its_text_legible(which, request):
    app = request.getfixturevalue(which)
    width, height = app.view.canvas.get_width_height()
    assert width == PROJECTOR_WIDTH_PX
    assert app.view.image.layout.width == "100%"
    assert app.widget.children[-1].value.startswith("<style>")
    assert PROJECTOR_CLASS in app.widget._dom_classes
    render_all(app)
    # Shown at the page's width, every text is at least 15 CSS px tall in a 1280 px
    # window (the smallest, the weight matrices' labels; ticks are 19 px) and 1.5 times
    # that in a 1920 px one.
    smallest = min(t.get_fontsize() for t in texts(app.view.figure)) * app.view.dpi / 72
    for page in PAGE_WIDTHS:
        assert smallest * page / width >= 15 * page / PAGE_WIDTHS[0]


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("cls", [Playground, MnistExplorer])
def test_no_two_texts_of_the_figure_overlap(cls, projector):
    app = cls(projector=projector)
    app.controls.press_step(2)
    render_all(app)
    renderer = app.view.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(app.view.figure)]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"
    # and none sticks out of the picture
    width, height = app.view.canvas.get_width_height()
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0, text
        assert box.x1 <= width and box.y1 <= height, text


def test_notebook_sizes_are_unchanged():
    # notebook 07 prints the explorer's figure size; notebook 01 shows the playground's
    assert repr(MnistExplorer().view) == "FigureView(720x360 px)"
    assert repr(Playground().view) == "FigureView(800x272 px)"
    assert Playground().view.image.layout.max_width == "800px"


@pytest.mark.parametrize("cls", [Playground, MnistExplorer])
def test_projector_is_a_bool(cls):
    with pytest.raises(TypeError, match="projector must be True or False"):
        cls(projector=1)


def row_of(app, widget):  # noqa: ANN001
    """The labelled row of ``app`` that holds ``widget``, and its label."""
    for box in (app.widget, app.controls.box):
        for row in box.children:
            if widget in getattr(row, "children", ()):
                return row.children[0].value, list(row.children)
    raise AssertionError(f"{widget!r} is in no row")


@pytest.mark.parametrize("projector", [False, True])
def test_controls_are_grouped_in_labelled_rows(projector):
    app = Playground(projector=projector)
    label, row = row_of(app, app.init_buttons)
    assert label == "<b>initialization</b>"
    # the weight-scale slider comes right after the initializer buttons
    assert row.index(app.scale_slider) == row.index(app.init_buttons) + 1
    label, row = row_of(app, app.view_buttons)
    assert label == "<b>data and view</b>" and app.dataset_dropdown in row
    # "show" is the label just before the weights/gradients toggle
    before = row[row.index(app.view_buttons) - 1]
    assert isinstance(before, widgets.Label) and before.value == "show"
    label, row = row_of(app, app.controls.step_button)
    assert label == "<b>training</b>" and app.controls.lr in row

    explorer = MnistExplorer(projector=projector)
    label, row = row_of(explorer, explorer.init_buttons)
    assert label == "<b>initialization</b>"
    assert row.index(explorer.scale_slider) == row.index(explorer.init_buttons) + 1
    assert row_of(explorer, explorer.hist_buttons)[0] == "<b>histograms</b>"
    assert row_of(explorer, explorer.controls.play)[0] == "<b>training</b>"


# ---------------------------------------------------------------------------- playground figure


def test_ln2_line_is_labelled_and_drawn_over_the_cost_curve():
    app = Playground("Zero", "circles")  # its cost stays at ln 2, on the dashed line
    app.controls.press_step(3)
    assert app.chance_line.get_ydata()[0] == pytest.approx(math.log(2))
    assert "ln 2" in app.chance_label.get_text()
    assert app.chance_label.get_position()[1] == pytest.approx(math.log(2))
    animated = app.view.animated
    assert animated.index(app.chance_line) > animated.index(app.cost_line)
    assert np.allclose(app.model.losses, math.log(2), rtol=1e-6)


def test_decision_boundary_has_a_colour_bar_of_the_probability():
    app = Playground()
    bar = app.colorbar
    assert bar.ax.get_ylabel() == "predicted P(class 1)"
    assert (bar.norm.vmin, bar.norm.vmax) == (0.0, 1.0)
    assert bar.cmap.name == app.boundary_image.get_cmap().name
    assert bar.norm.vmin == app.boundary_image.norm.vmin
    assert bar.norm.vmax == app.boundary_image.norm.vmax
    assert bar.alpha == app.boundary_image.get_alpha()


def test_cost_axis_ends_at_the_run_of_the_notebook():
    app = Playground()
    app.controls.steps_per_tick = 300
    app.controls.press_step()
    assert app.cost_ax.get_xlim() == (0.0, 300.0)


@pytest.mark.parametrize("label", INITIALIZERS)
def test_projector_app_steps_through_every_initializer(playground, label):
    playground.init_buttons.value = label
    playground.controls.press_reset()
    before = playground.view.png()
    playground.controls.press_step()
    assert playground.model.init == label
    assert playground.model.step_count == playground.controls.steps_per_tick
    assert playground.view.image.value != before  # the step changed the picture


@pytest.mark.parametrize("level", [0, 1, 9])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 3)])
def test_encode_png_is_lossless(shape, level):
    rgb = np.random.default_rng(level).integers(0, 256, (*shape, 3), dtype=np.uint8)
    png = encode_png(rgb, level)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    decoded = mpimg.imread(io.BytesIO(png), format="png")  # floats in [0, 1]
    assert decoded.shape == (*shape, 3)
    assert np.array_equal(np.round(decoded * 255).astype(np.uint8), rgb)


@pytest.mark.parametrize(
    ("rgb", "level", "exc", "match"),
    [
        (np.zeros((2, 2, 4), np.uint8), 1, ValueError, "rgb must be a uint8 array of shape"),
        (np.zeros((2, 2, 3)), 1, ValueError, "rgb must be a uint8 array"),
        (np.zeros((2, 3), np.uint8), 1, ValueError, "rgb must be a uint8 array"),
        (np.zeros((2, 2, 3), np.uint8), 10, ValueError, "level must be <= 9"),
        (np.zeros((2, 2, 3), np.uint8), 1.5, TypeError, "level"),
    ],
)
def test_encode_png_bad_input(rgb, level, exc, match):
    with pytest.raises(exc, match=match):
        encode_png(rgb, level)
