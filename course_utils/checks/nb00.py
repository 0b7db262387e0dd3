"""Checks for the exercises of ``00_start_here.ipynb``."""

from __future__ import annotations

import numpy as np

from course_utils import initializers
from course_utils.checks import Feedback, compare_arrays, compare_scalar


def check_layer_weights(W: object) -> Feedback:
    """Exercise 1: He-normal weights for a 784 -> 300 layer, drawn with seed 0."""
    if W is None or W is Ellipsis:
        return Feedback(False, "W is not filled in yet.")
    arr = np.asarray(W)
    if arr.shape == (784, 300):
        return Feedback(False, "W has shape (784, 300); the course stores W as (n_out, n_in).")
    expected = initializers.he_normal((300, 784), rng=0)
    if arr.shape == expected.shape and not np.allclose(arr, expected):
        std = float(np.std(arr))
        if np.isclose(std, np.sqrt(2 / 784), rtol=0.05):
            return Feedback(False, "Right distribution but other numbers: pass rng=0 to he_normal.")
    return compare_arrays(arr, expected, "W")


def check_xavier_uniform_variance(value: object) -> Feedback:
    """Exercise 2: Var(W) of xavier_uniform for a (300, 784) weight, computed by hand."""
    return compare_scalar(value, 2.0 / (784 + 300), "Var(W)", rtol=1e-6)
