"""Lesson model of notebook 03: shrink factor of the backpropagated spread, saturation run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.experiments import saturation


def test_shrink_factor_exact_values():
    assert saturation.shrink_factor("logistic") == pytest.approx(math.sqrt(1 / 3) / 4)
    assert saturation.shrink_factor("tanh") == pytest.approx(math.sqrt(1 / 3))
    assert saturation.shrink_factor("tanh", 1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), 1e31])
def test_shrink_factor_rejects_bad_n_var_w(bad):
    with pytest.raises(ValueError, match="n_var_w"):
        saturation.shrink_factor("logistic", bad)


@pytest.mark.parametrize("bad", ["1", True, None])
def test_shrink_factor_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="n_var_w"):
        saturation.shrink_factor("logistic", bad)


def test_shrink_factor_rejects_unknown_activation():
    with pytest.raises((ValueError, TypeError), match="activation"):
        saturation.shrink_factor("sigmoidal")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"steps": 0}, "steps"), ({"n_probe": 0}, "n_probe"), ({"steps": 1.5}, "steps")],
)
def test_run_saturation_validates(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        saturation.run_saturation("logistic", **kwargs)


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
def test_measured_shrink_matches_prediction_at_step_zero(activation):
    """At initialization the spread of dL/dz falls by the predicted factor per hidden layer."""
    run = saturation.run_saturation(activation, steps=1, record_every=1, n_probe=10)
    dz = run.history.layer_stats["dz_std"][0]
    ratios = dz[:3] / dz[1:4]  # hidden layer l over hidden layer l + 1
    # one minibatch of 20 digits: the ratio is a noisy estimate, 25 % covers it
    np.testing.assert_allclose(ratios, saturation.shrink_factor(activation), rtol=0.25)


def test_logistic_top_layer_moves_towards_zero_tanh_does_not():
    run = saturation.run_saturation("logistic", steps=300, record_every=50, n_probe=50)
    control = saturation.run_saturation("tanh", steps=300, record_every=50, n_probe=50)
    assert run.after.a[4].mean() < 0.2 < 0.45 < run.before.a[4].mean()
    assert abs(control.after.a[4].mean()) < 0.1
    assert run.history.loss[-50:].mean() > control.history.loss[-50:].mean()
