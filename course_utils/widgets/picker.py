"""A control for choosing an initializer and a scale, with its theoretical variance."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import numpy as np

from course_utils import initializers
from course_utils._validation import RngLike, check_choice, check_float, check_shape


class InitializerPicker:
    """Dropdown of initializers, a scale slider and a live readout of ``n_in * Var(W)``.

    The chosen weights are ``scale * init(shape)``, so their variance is
    ``scale**2 * initializers.variance(name, shape)``; the readout shows that value and the
    forward gain per layer ``fan_in * Var(W)`` (1 keeps the signal's variance level in a
    linear network).

    Parameters
    ----------
    shape : tuple of int
        Weight shape ``(n_out, n_in)`` used for the readout.
    value : str
        Initial initializer name.
    scale : float
        Initial multiplier applied to the sampled weights (> 0).
    options : sequence of str, optional
        Names offered; default all of :func:`course_utils.initializers.names` except those
        that need extra arguments (``constant``).

    Examples
    --------
    >>> picker = InitializerPicker((256, 256), value="he_normal")
    >>> picker.dropdown.value = "xavier_normal"
    >>> round(picker.forward_gain, 3)
    1.0
    """

    def __init__(
        self,
        shape: Sequence[int] = (256, 256),
        value: str = "xavier_normal",
        scale: float = 1.0,
        options: Sequence[str] | None = None,
    ) -> None:
        self.shape = check_shape(shape, "shape", min_dims=2)
        if options is None:
            options = [n for n in initializers.names() if n != "constant"]
        options = list(options)
        for i, name in enumerate(options):
            check_choice(name, f"options[{i}]", initializers.names())
        check_choice(value, "value", options)
        scale = check_float(scale, "scale", minimum=0.0, strict_min=True)
        self.dropdown = W.Dropdown(options=options, value=value, description="initializer")
        self.scale = W.FloatLogSlider(
            value=scale, base=10, min=-3, max=2, step=0.05, description="scale"
        )
        self.readout = W.HTML()
        self.widget = W.VBox([W.HBox([self.dropdown, self.scale]), self.readout])
        self.dropdown.observe(self._refresh, names="value")
        self.scale.observe(self._refresh, names="value")
        self._refresh()

    @property
    def name(self) -> str:
        """The selected initializer's name."""
        return str(self.dropdown.value)

    @property
    def weight_variance(self) -> float:
        """Theoretical variance of one weight: ``scale**2 * variance(name, shape)``."""
        return float(self.scale.value) ** 2 * initializers.variance(self.name, self.shape)

    @property
    def forward_gain(self) -> float:
        """``fan_in * Var(W)``: the factor applied to the signal's variance per linear layer."""
        fan_in, _ = initializers.fans(self.shape)
        return fan_in * self.weight_variance

    def sample(self, shape: Sequence[int] | None = None, *, rng: RngLike = None) -> np.ndarray:
        """Draw weights of ``shape`` (default the picker's shape) with the current choice."""
        shape = self.shape if shape is None else check_shape(shape, "shape", min_dims=2)
        return float(self.scale.value) * initializers.get(self.name)(shape, rng=rng)

    def _refresh(self, change: object = None) -> None:
        self.readout.value = (
            f"Var(W) = {self.weight_variance:.3g} &nbsp; "
            f"n_in&middot;Var(W) = {self.forward_gain:.3g} "
            f"(shape {self.shape[0]}&times;{self.shape[1]})"
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
