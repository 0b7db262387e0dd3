"""course_utils.experiments.practice: the runs of notebook 09 at small sizes."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import initializers
from course_utils.experiments import practice


def test_layer_factors_exact_geometric():
    z = 2.0 ** -np.arange(6)  # halves per layer
    g = 3.0 ** np.arange(6)[::-1]  # the gradient triples going back
    assert practice.layer_factors(z, g) == pytest.approx((0.5, 3.0))
    with pytest.raises(ValueError, match="skip"):
        practice.layer_factors([1.0, 2.0], [1.0, 2.0])


def test_default_runs_torch_tanh_factor():
    runs = practice.default_runs(
        {"torch": ("torch_linear", {})}, "tanh", depth=6, width=200, m=64, rng=0
    )
    pred, meas = runs["torch"]
    ratio = meas["grad_var"][-2] / meas["grad_var"][-1]
    assert ratio == pytest.approx(pred["grad_var"][-2] / pred["grad_var"][-1], rel=0.1)
    assert 0.25 < ratio < 0.37  # n Var(W) = 1/3 times tanh'^2 <= 1


def test_torch_bias_run_floor():
    run = practice.torch_bias_run("relu", depth=8, width=200, m=64, rng=1)
    np.testing.assert_allclose(run["z_var"], run["z_var_theory"], rtol=0.25)
    assert run["z_var"][-1] > run["bias_var"][0]  # the floor
    assert run["z_var_across"][-1] < 1e-3 * run["z_var"][-1]


def test_conv_stack_theory():
    x = np.random.default_rng(2).standard_normal((4, 8, 12, 12))
    run = practice.conv_stack(
        x, 16, 3, lambda s: initializers.variance("he_normal", s), "relu", n_trials=2, rng=3
    )
    assert run["fan_in"].tolist() == [72, 144, 144]
    np.testing.assert_allclose(run["z_var"][0], run["theory"][0], rtol=0.15)
    factors = practice.conv_layer_factors(4, 8, 3, rng=4)
    assert factors["forward"] == pytest.approx(factors["fan_in"], rel=0.1)
    assert factors["backward"] == pytest.approx(factors["fan_out"], rel=0.1)


def test_decision_table_marks_he_for_relu():
    table = practice.decision_table(["relu", "identity"], depth=8, width=128, m=64, rng=5)
    relu, identity = table.rows
    assert relu.level("course rule") and not relu.level("PyTorch")
    assert identity.level("Keras") and identity.level("Flax")
    text = str(table)
    assert "relu" in text and "defaults: Keras, Flax" in text


def test_mnist_comparison_small():
    out = practice.mnist_comparison(
        {"He": ("he_normal", {}), "LSUV": "lsuv"},
        sizes=(784, 16, 16, 10),
        steps=3,
        batch_size=32,
        n_lsuv=64,
        rng=0,
    )
    assert set(out) == {"He", "LSUV"}
    assert out["LSUV"]["report"].converged == (True, True, True)
    np.testing.assert_allclose(out["LSUV"]["z_var"], 1.0, atol=0.3)  # other images than LSUV's
    assert out["He"]["loss"].shape == (3,)
    assert 0.0 <= out["He"]["accuracy"] <= 1.0
