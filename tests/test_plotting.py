"""Tests of course_utils.plotting: the artists drawn and the bad-input errors.

Figures are made with ``matplotlib.figure.Figure`` (Agg canvas, never registered with
pyplot), so nothing leaks between tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from course_utils.plotting import layer_histograms, theory_vs_measured


def _axes(n: int = 1):
    fig = Figure()
    return list(np.atleast_1d(fig.subplots(1, n)))


# --------------------------------------------------------------------------- theory_vs_measured


def test_theory_line_and_measured_points_share_one_colour():
    (ax,) = _axes()
    x = np.arange(1, 6)
    theory = 2.0**x
    measured = np.array([2.1, 3.9, np.nan, 16.5, 31.0])  # NaN: a missing measurement
    assert theory_vs_measured(ax, x, theory, measured, label="He") is None
    assert len(ax.lines) == 2
    line, points = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), x)
    np.testing.assert_array_equal(line.get_ydata(), theory)
    assert line.get_linestyle() == "-" and line.get_marker() in ("None", "", None)
    assert line.get_label() == "He (theory)"
    np.testing.assert_array_equal(points.get_ydata(), measured)  # NaN kept, not dropped
    assert points.get_linestyle() == "None" and points.get_marker() == "o"
    assert points.get_markerfacecolor() == "none"
    assert points.get_label() == "He (measured)"
    assert same_color(line.get_color(), points.get_color())


def test_theory_vs_measured_colour_marker_and_colour_cycle():
    (ax,) = _axes()
    x = [1.0, 2.0, 3.0]
    theory_vs_measured(ax, x, x, x, label="a", color="tab:red", marker="s")
    assert same_color(ax.lines[0].get_color(), "tab:red")
    assert same_color(ax.lines[1].get_color(), "tab:red")
    assert ax.lines[1].get_marker() == "s"
    # without a colour two calls take two different colours of the cycle
    theory_vs_measured(ax, x, x, x, label="b")
    theory_vs_measured(ax, x, x, x, label="c")
    assert len(ax.lines) == 6
    assert not same_color(ax.lines[2].get_color(), ax.lines[4].get_color())
    labels = [line.get_label() for line in ax.lines]
    assert labels == [f"{k} ({w})" for k in "abc" for w in ("theory", "measured")]


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        (("ax", [1, 2], [1, 2], [1, 2]), {}, TypeError, "ax must be a matplotlib Axes"),
        ((None, "12", [1, 2], [1, 2]), {}, TypeError, "x must be a numeric array"),
        ((None, [1, np.nan], [1, 2], [1, 2]), {}, ValueError, "x must contain only finite"),
        ((None, [1, 2], [[1, 2]], [1, 2]), {}, ValueError, "theory must be 1-dimensional"),
        ((None, [1, 2], [1, 2], ["a", "b"]), {}, TypeError, "measured must be a numeric"),
        ((None, [1, 2], [1, 2, 3], [1, 2]), {}, ValueError, "same length, got 2, 3 and 2"),
        ((None, [1, 2], [1, 2], [1]), {}, ValueError, "same length"),
        ((None, [1, 2], [1, 2], [1, 2]), {"label": None}, TypeError, "label must be a str"),
        ((None, [1, 2], [1, 2], [1, 2]), {"label": "a", "color": "nope"}, ValueError, "color"),
        ((None, [1, 2], [1, 2], [1, 2]), {"label": "a", "marker": 1}, TypeError, "marker"),
    ],
)
def test_theory_vs_measured_bad_input_draws_nothing(args, kwargs, exc, match):
    (ax,) = _axes()
    args = (ax if args[0] is None else args[0], *args[1:])
    kwargs = {"label": "x", **kwargs}
    with pytest.raises(exc, match=match):
        theory_vs_measured(*args, **kwargs)
    assert len(ax.lines) == 0


def test_theory_vs_measured_label_is_keyword_only_and_required():
    (ax,) = _axes()
    with pytest.raises(TypeError):
        theory_vs_measured(ax, [1], [1], [1])  # no label
    assert len(ax.lines) == 0


# --------------------------------------------------------------------------- layer_histograms


def _bar_edges(ax) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left edges, widths and heights of the histogram bars drawn on ``ax``."""
    left = np.array([p.get_x() for p in ax.patches])
    width = np.array([p.get_width() for p in ax.patches])
    height = np.array([p.get_height() for p in ax.patches])
    return left, width, height


def test_one_density_histogram_per_layer_on_a_shared_range():
    axes = _axes(3)
    rng = np.random.default_rng(0)
    values = [rng.normal(0, 1, 500), rng.normal(0, 3, (20, 25)), np.array([-1.0, 0.5, np.nan])]
    fig = layer_histograms(values, bins=20, axes=axes, xlabel="z", color="tab:green", label="He")
    assert fig is axes[0].figure
    finite = np.concatenate([v.ravel()[np.isfinite(v.ravel())] for v in values])
    lo, hi = finite.min(), finite.max()
    for i, ax in enumerate(axes):
        left, width, height = _bar_edges(ax)
        assert len(ax.patches) == 20
        assert left[0] == pytest.approx(lo) and left[-1] + width[-1] == pytest.approx(hi)
        assert np.sum(height * width) == pytest.approx(1.0)  # a density; NaN left out
        assert ax.get_title() == f"layer {i + 1}"
        assert ax.get_xlabel() == "z"
        assert same_color(ax.patches[0].get_facecolor()[:3], "tab:green")
        assert ax.patches[0].get_label() == "He"
    assert axes[0].get_ylabel() == "density"
    assert axes[1].get_ylabel() == ""


def test_layer_histograms_range_titles_and_overlay():
    axes = _axes(2)
    values = [np.linspace(-2, 2, 4001), np.linspace(-0.45, 0.45, 101)]
    layer_histograms(values, bins=8, value_range=(-1, 1), titles=["first", "second"], axes=axes)
    layer_histograms(values, bins=8, value_range=(-1, 1), titles=["first", "second"], axes=axes)
    for ax, title in zip(axes, ["first", "second"], strict=True):
        assert ax.get_title() == title
        assert len(ax.patches) == 16  # two overlaid histograms of 8 bins
        left, width, _ = _bar_edges(ax)
        assert left.min() == pytest.approx(-1.0)
        assert (left + width).max() == pytest.approx(1.0)
    # layer 1 spreads beyond the range: the part inside is uniform, density 1/2
    _, _, height = _bar_edges(axes[0])
    np.testing.assert_allclose(height[:8], 0.5, rtol=0.05)
    # layer 2 lies in [-0.45, 0.45]: the outer bars of the shared range stay empty
    _, _, height = _bar_edges(axes[1])
    assert np.all(height[[0, 1, 6, 7]] == 0) and np.all(height[2:6] > 0)


def test_layer_histograms_constant_data_gets_a_unit_range():
    (ax,) = _axes()
    layer_histograms([np.full(10, 3.0)], bins=4, axes=[ax])
    left, width, height = _bar_edges(ax)
    assert left[0] == pytest.approx(3.0) and left[-1] + width[-1] == pytest.approx(4.0)
    assert height[0] == pytest.approx(4.0) and np.all(height[1:] == 0)


@pytest.mark.parametrize(
    ("values", "kwargs", "exc", "match"),
    [
        ([], {}, ValueError, "values must contain at least one array"),
        ("abc", {}, TypeError, "values must be a list or tuple"),
        ((np.ones(3) for _ in range(2)), {}, TypeError, "values must be a list or tuple"),
        ([np.ones(3), "abc"], {}, TypeError, r"values\[1\] must be a numeric array"),
        ([np.ones(3), np.full(2, np.nan)], {}, ValueError, r"values\[1\] must contain at least"),
        ([np.ones(3), np.array([])], {}, ValueError, r"values\[1\] must contain at least"),
        ([np.ones(3)], {"bins": 0}, ValueError, "bins must be >= 1"),
        ([np.ones(3)], {"bins": 2.5}, TypeError, "bins must be an int"),
        ([np.ones(3)], {"value_range": (1, 1)}, ValueError, "lo < hi"),
        ([np.ones(3)], {"value_range": (2, 1)}, ValueError, "lo < hi"),
        ([np.ones(3)], {"value_range": (0, 1, 2)}, ValueError, r"value_range must be \(lo, hi\)"),
        ([np.ones(3)], {"value_range": (0, np.inf)}, ValueError, r"value_range\[1\] must be fin"),
        ([np.ones(3)], {"value_range": 1.0}, TypeError, "value_range must be a list or tuple"),
        ([np.ones(3)], {"value_range": ("a", 1)}, TypeError, r"value_range\[0\] must be a real"),
        ([np.ones(3)], {"titles": ["a", "b"]}, ValueError, "titles must have 1 entries, got 2"),
        ([np.ones(3)], {"titles": "a"}, TypeError, "titles must be a list or tuple"),
        ([np.ones(3)], {"titles": [1]}, TypeError, r"titles\[0\] must be a str"),
        ([np.ones(3)], {"xlabel": None}, TypeError, "xlabel must be a str"),
        ([np.ones(3)], {"label": 3}, TypeError, "label must be a str"),
        ([np.ones(3)], {"color": "not-a-colour"}, ValueError, "color must be a matplotlib"),
        ([np.ones(3)], {"axes": ["ax"]}, TypeError, r"axes\[0\] must be a matplotlib Axes"),
    ],
)
def test_layer_histograms_bad_input(values, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        layer_histograms(values, **kwargs)


def test_layer_histograms_wrong_number_of_axes_draws_nothing():
    axes = _axes(2)
    with pytest.raises(ValueError, match="axes must have 3 entries, got 2"):
        layer_histograms([np.ones(3)] * 3, axes=axes)
    assert all(len(ax.patches) == 0 for ax in axes)


def test_theory_vs_measured_linestyle():
    (ax,) = _axes()
    theory_vs_measured(ax, [1, 2], [1.0, 2.0], [1.0, 2.0], label="Orthogonal", linestyle="--")
    assert ax.lines[0].get_linestyle() == "--"
    with pytest.raises(ValueError, match="linestyle"):
        theory_vs_measured(ax, [1, 2], [1.0, 2.0], [1.0, 2.0], label="x", linestyle="dotted")
