"""Figure helpers shared by the notebooks: theory lines against measured points, per-layer
histograms. Imports matplotlib (the numpy core does not)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle

from course_utils._validation import MAX_BINS, check_array, check_choice, check_float, check_int

__all__ = ["layer_histograms", "theory_vs_measured"]


def theory_vs_measured(
    ax: Axes,
    x: Sequence[float] | np.ndarray,
    theory: Sequence[float] | np.ndarray,
    measured: Sequence[float] | np.ndarray,
    *,
    label: str,
    color: str | None = None,
    marker: str = "o",
    linestyle: str = "-",
) -> None:
    """Draw a theory curve as a line and the matching measurements as points, one colour.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    x : array_like, shape (k,)
        Abscissa shared by theory and measurement (e.g. layer index).
    theory, measured : array_like, shape (k,)
        Predicted and measured values. Non-positive measured values are skipped on a log
        axis by matplotlib; NaN marks a missing measurement.
    label : str
        Legend label; the theory line gets "(theory)", the points "(measured)".
    color : str, optional
        Colour for both; default the next colour of the axes' cycle.
    marker : str
        Marker of the measured points.
    linestyle : {"-", "--", ":", "-."}
        Style of the theory line (a dashed line stays visible on top of an equal solid one).

    Raises
    ------
    TypeError
        If ``ax`` is not an Axes, an array is not numeric or ``label``/``marker`` is not
        a str.
    ValueError
        If the arrays are not 1-D of one length, ``x`` is not finite or ``color`` is not
        a matplotlib colour.
    """
    _check_axes(ax, "ax")
    x = check_array(x, "x", ndim=1, dtype=float)
    theory = check_array(theory, "theory", ndim=1, dtype=float, finite=False)
    measured = check_array(measured, "measured", ndim=1, dtype=float, finite=False)
    if theory.shape != x.shape or measured.shape != x.shape:
        raise ValueError(
            f"x, theory and measured must have the same length, got {x.shape[0]}, "
            f"{theory.shape[0]} and {measured.shape[0]}"
        )
    _check_str(label, "label")
    _check_color(color)
    _check_str(marker, "marker")
    try:
        MarkerStyle(marker)
    except ValueError:
        raise ValueError(
            f"marker must be a matplotlib marker such as 'o', got {marker!r}"
        ) from None
    check_choice(linestyle, "linestyle", ("-", "--", ":", "-."))
    (line,) = ax.plot(x, theory, linestyle, color=color, label=f"{label} (theory)")
    ax.plot(
        x,
        measured,
        marker,
        color=line.get_color(),
        markerfacecolor="none",
        label=f"{label} (measured)",
    )


def layer_histograms(
    values: Sequence[np.ndarray],
    *,
    bins: int = 50,
    value_range: tuple[float, float] | None = None,
    titles: Sequence[str] | None = None,
    xlabel: str = "value",
    axes: Sequence[Axes] | None = None,
    color: str | None = None,
    label: str | None = None,
) -> Figure:
    """Small multiples: one density histogram per layer, on a shared value range.

    Parameters
    ----------
    values : sequence of arrays
        One array per layer (any shape; flattened). NaN and inf are left out; each array
        needs at least one finite value (a density of nothing is undefined).
    bins : int
        Number of bins (1 to ``MAX_BINS`` = 10,000).
    value_range : (float, float), optional
        Shared histogram range; default the overall finite min and max.
    titles : sequence of str, optional
        One title per panel; default ``"layer 1"``, ``"layer 2"`` ...
    xlabel : str
        Label of every panel's x axis.
    axes : sequence of Axes, optional
        Draw into these (one per layer) instead of a new figure, e.g. to overlay two
        initializers with different colours and labels.
    color, label : str, optional
        Passed to ``Axes.hist``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If an argument has the wrong type (``values`` not a sequence of numeric arrays,
        ``bins`` not an int, a title, ``xlabel`` or ``label`` not a str, an entry of
        ``axes`` not an Axes).
    ValueError
        If ``values`` is empty or one of its arrays has no finite value, ``bins < 1``,
        ``value_range`` is not two finite numbers ``lo < hi``, ``titles`` or ``axes`` has
        the wrong length, or ``color`` is not a matplotlib colour.
    """
    values = _check_sequence(values, "values")
    if len(values) == 0:
        raise ValueError("values must contain at least one array")
    bins = check_int(bins, "bins", minimum=1, maximum=MAX_BINS)
    arrays = [check_array(v, f"values[{i}]", finite=False).ravel() for i, v in enumerate(values)]
    for i, a in enumerate(arrays):
        if not np.any(np.isfinite(a)):
            raise ValueError(f"values[{i}] must contain at least one finite value")
    if titles is not None:
        titles = _check_sequence(titles, "titles")
        if len(titles) != len(arrays):
            raise ValueError(f"titles must have {len(arrays)} entries, got {len(titles)}")
        for i, title in enumerate(titles):
            _check_str(title, f"titles[{i}]")
    if value_range is not None:
        value_range = _check_sequence(value_range, "value_range")
        if len(value_range) != 2:
            raise ValueError(f"value_range must be (lo, hi), got {len(value_range)} entries")
        lo = check_float(value_range[0], "value_range[0]")
        hi = check_float(value_range[1], "value_range[1]")
        if not lo < hi:
            raise ValueError(f"value_range must satisfy lo < hi, got ({lo}, {hi})")
        value_range = (lo, hi)
    _check_str(xlabel, "xlabel")
    _check_color(color)
    if label is not None:
        _check_str(label, "label")
    if axes is not None:
        axes = _check_sequence(axes, "axes")
        if len(axes) != len(arrays):
            raise ValueError(f"axes must have {len(arrays)} entries, got {len(axes)}")
        for i, ax in enumerate(axes):
            _check_axes(ax, f"axes[{i}]")
    if value_range is None:
        finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        value_range = (lo, hi if hi > lo else lo + 1.0)
    if axes is None:
        fig, axs = plt.subplots(
            1, len(arrays), figsize=(2.6 * len(arrays), 2.4), sharex=True, squeeze=False
        )
        axes = list(axs[0])
    for i, (ax, a) in enumerate(zip(axes, arrays, strict=True)):
        ax.hist(
            a[np.isfinite(a)],
            bins=bins,
            range=value_range,
            density=True,
            color=color,
            alpha=0.6,
            label=label,
        )
        ax.set_title(titles[i] if titles is not None else f"layer {i + 1}")
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel("density")
    return axes[0].figure


def _check_axes(ax: object, name: str) -> Axes:
    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _check_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _check_color(color: object) -> None:
    if color is not None and not is_color_like(color):
        raise ValueError(f"color must be a matplotlib colour such as 'tab:blue', got {color!r}")


def _check_sequence(value: object, name: str) -> Sequence:
    """A list/tuple (or an array, as a list of its entries); a str, a generator ... raises."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return list(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list or tuple, got {type(value).__name__}")
    return value
