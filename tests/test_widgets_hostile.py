"""Hostile input to the apps and their lesson models (issue 10 leftovers).

Each call gets a ValueError/TypeError naming the parameter (and the limit where there is one),
or a stable result: never an OverflowError, a NaN readout or a warning (pytest turns warnings
into errors).
"""

from __future__ import annotations

import math
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils._validation import MAX_BINS
from course_utils.experiments.base import MAX_WEIGHT_SCALE
from course_utils.experiments.mnist import MnistModel
from course_utils.experiments.playground import PlaygroundModel
from course_utils.widgets.base import MAX_STEPS_PER_TICK, TrainingControls
from course_utils.widgets.mnist_explorer import draw_comparison, mosaic
from course_utils.widgets.playground import Playground, cost_limits, draw_cost


def test_steps_per_tick_has_a_stated_limit():
    with pytest.raises(ValueError, match=rf"steps_per_tick must be <= {MAX_STEPS_PER_TICK:,}"):
        Playground(steps_per_tick=10**6)
    with pytest.raises(ValueError, match="steps_per_tick"):
        TrainingControls(lambda n: None, lambda: None, steps_per_tick=MAX_STEPS_PER_TICK + 1)
    controls = TrainingControls(lambda n: None, lambda: None, steps_per_tick=MAX_STEPS_PER_TICK)
    assert controls.steps_per_tick == MAX_STEPS_PER_TICK


@pytest.mark.parametrize("top", [1.5e308, sys.float_info.max, 1e308, 9.9e307])
def test_cost_limits_near_the_largest_float(top):
    xlim, (lo, hi) = cost_limits([0.5, top])
    assert xlim == (0.0, 10.0)
    assert lo == 0.1 and math.isfinite(hi) and hi >= top


def test_cost_limits_keep_whole_decades_below_the_top():
    assert cost_limits([0.5, 3e5])[1] == (0.1, 1e6)


@pytest.mark.parametrize("scale", [1e308, 1e39, MAX_WEIGHT_SCALE * 1.01])
def test_playground_model_scale_limit(scale):
    with pytest.raises(ValueError, match=r"scale must be <= 10000"):
        PlaygroundModel(scale=scale).cost()
    model = PlaygroundModel()
    with pytest.raises(ValueError, match="scale"):
        model.reset(scale=scale)


def test_playground_model_at_the_largest_scale_is_finite():
    assert math.isfinite(PlaygroundModel(scale=MAX_WEIGHT_SCALE).cost())


@pytest.mark.parametrize(
    ("sizes", "exc"),
    [(None, TypeError), ("2,8,1", TypeError), (3, TypeError), ([2, None, 1], TypeError)],
)
def test_playground_model_sizes_named(sizes, exc):
    with pytest.raises(exc, match="sizes"):
        PlaygroundModel(sizes=sizes)


@pytest.mark.parametrize("scale", [1e39, 1e308, MAX_WEIGHT_SCALE * 2])
def test_mnist_model_scale_limit(scale):
    with pytest.raises(ValueError, match=r"scale must be <= 10000"):
        MnistModel(scale=scale)


def test_weights_view_reports_a_non_finite_weight_as_divergence():
    app = Playground("Appropriate", "circles", lr=1.0, seed=0, steps_per_tick=1, dpi=40)
    app.model.net.weights[0][0, 0] = np.nan
    app.model.net.weights[1][0, 0] = np.inf
    app._draw_matrices()  # the weights view of the figure (the other panels need a forward pass)
    titles = [t.get_text() for t in app.weight_titles]
    assert titles[0] == "W1\ndiverged" and titles[1] == "W2\ndiverged"
    assert titles[2].startswith("W3\nmax ")
    assert not any("nan" in t or "inf" in t for t in titles)
    for image in app.weight_images:
        assert np.all(np.isfinite(image.get_array()))


@pytest.mark.parametrize("images", ["abc", None, [["a"]]])
def test_mosaic_images_named(images):
    with pytest.raises(TypeError, match="images"):
        mosaic(images, np.ones(1, dtype=bool))


def test_mosaic_images_shape_named():
    with pytest.raises(ValueError, match="images"):
        mosaic(np.zeros((2, 3)), np.ones(2, dtype=bool))


@pytest.mark.parametrize("ax", ["abc", None, 3, np.zeros(2)])
def test_draw_cost_ax_named(ax):
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        draw_cost(ax, PlaygroundModel())


def test_draw_cost_draws_on_an_axes():
    fig, ax = plt.subplots()
    try:
        line = draw_cost(ax, PlaygroundModel())
        assert line.axes is ax
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bins", [10**6, MAX_BINS + 1])
def test_draw_comparison_bins_limit(bins):
    with pytest.raises(ValueError, match=rf"bins must be <= {MAX_BINS:,}"):
        draw_comparison(np.empty((0, 4), dtype=object), {}, bins=bins)
