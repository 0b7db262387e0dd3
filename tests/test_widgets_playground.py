"""Headless tests of the initialization playground: its model and its app.

The app is driven like a learner would: set control values, press Step and Reset, then
check the model state and the figure's artists.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import datasets
from course_utils.experiments.playground import (
    DATASETS,
    GRID_LIM,
    GRID_SIZE,
    INITIALIZERS,
    SIZES,
    PlaygroundModel,
    dead_units,
    grid_points,
    init_std,
    initializer,
    make_network,
    unit_spread,
)
from course_utils.mlp import MLP
from course_utils.widgets.playground import (
    Playground,
    cost_limits,
    draw_cost,
    draw_decision_boundary,
)


def constant_net(value: float) -> MLP:
    return MLP(list(SIZES), "relu", "sigmoid", init=[lambda s, r: np.full(s, value)] * 3)


# ---------------------------------------------------------------------------- initializers


@pytest.mark.parametrize(
    ("label", "shape", "expected"),
    [
        ("Zero", (3, 6), 0.0),
        ("Too small", (3, 6), math.sqrt(0.01 / 6)),
        ("Appropriate", (3, 6), math.sqrt(1 / 6)),
        ("Too large", (3, 6), math.sqrt(100 / 6)),
        ("Too large", (6, 2), 10 / math.sqrt(2)),
        ("Xavier", (3, 6), math.sqrt(2 / 9)),
        ("He", (3, 6), math.sqrt(2 / 6)),
    ],
)
def test_init_std_exact_values(label, shape, expected):
    assert init_std(label, shape) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("label", ["Too small", "Appropriate", "Too large", "Xavier", "He"])
def test_initializer_samples_have_the_stated_std(label):
    shape = (300, 400)
    w = initializer(label)(shape, np.random.default_rng(0))
    sigma = init_std(label, shape)
    # std of 120,000 normal samples: relative standard error 1/sqrt(2 * 120000) ~ 0.002
    assert abs(w.std() / sigma - 1) < 0.01
    assert abs(w.mean()) < 5 * sigma / math.sqrt(w.size)


def test_zero_initializer_and_network_biases():
    net = make_network("Zero", rng=0)
    assert all(np.all(w == 0) for w in net.weights)
    assert all(np.all(b == 0) for b in net.biases)
    assert net.sizes == list(SIZES)
    assert [a.name for a in net.activations] == ["relu", "relu"]
    assert net.output == "sigmoid"


def test_init_validation():
    with pytest.raises(ValueError, match="label"):
        init_std("Huge", (3, 6))
    with pytest.raises(ValueError, match="shape"):
        init_std("He", (3,))
    with pytest.raises(TypeError, match="label"):
        initializer(3)


# ---------------------------------------------------------------------------- measurements


def test_grid_points_layout():
    g = grid_points(5, 1.0)
    xs = np.linspace(-1, 1, 5)
    assert g.shape == (2, 25)
    i, j = 3, 1
    np.testing.assert_array_equal(g[:, i * 5 + j], [xs[j], xs[i]])
    assert grid_points().shape == (2, GRID_SIZE**2)
    with pytest.raises(ValueError, match="size"):
        grid_points(1)
    with pytest.raises(ValueError, match="lim"):
        grid_points(5, 0.0)


def test_dead_units_counts_units_negative_on_all_examples():
    net = make_network("Appropriate", rng=0)
    x = np.array([[0.5, -0.2, 1.0], [0.3, 0.9, -0.4]])
    assert dead_units(net, x) == [0, 0] or all(d >= 0 for d in dead_units(net, x))
    net.biases[0][:2] = -100.0  # two units of layer 1 can never fire on these inputs
    net.biases[1][:] = -100.0  # the whole second layer is dead
    z1 = net.forward(x).z[0]
    expected_first = int(np.sum(np.all(z1 <= 0, axis=1)))
    assert expected_first >= 2
    assert dead_units(net, x) == [expected_first, 3]
    with pytest.raises(TypeError, match="net"):
        dead_units("net", x)


def test_unit_spread_zero_for_constant_and_positive_for_random():
    assert unit_spread(constant_net(0.5), 1) == 0.0
    assert unit_spread(constant_net(0.5), 2) == 0.0
    net = make_network("He", rng=0)
    w1, b1, w2 = net.weights[0], net.biases[0], net.weights[1]
    units = np.concatenate([w1, b1, w2.T], axis=1)
    expected = max(np.max(np.abs(units[i] - units[j])) for i in range(6) for j in range(6))
    assert unit_spread(net, 1) == pytest.approx(expected)
    with pytest.raises(ValueError, match="layer"):
        unit_spread(net, 3)
    with pytest.raises(TypeError, match="net"):
        unit_spread(None, 1)


def test_cost_limits_change_rarely():
    assert cost_limits(np.array([])) == ((0.0, 10.0), (0.1, 1.0))
    assert cost_limits(np.full(11, 0.5))[0] == (0.0, 12.0)
    assert cost_limits(np.full(21, 0.5))[0] == (0.0, 25.0)
    assert cost_limits(np.full(51, 0.5))[0] == (0.0, 60.0)
    assert cost_limits(np.full(300, 0.5))[0] == (0.0, 300.0)  # issue 11: not 500
    assert cost_limits(np.full(301, 0.5))[0] == (0.0, 400.0)
    assert cost_limits(np.full(1001, 0.5))[0] == (0.0, 1200.0)


def test_cost_axis_ends_within_a_third_of_the_run_and_moves_rarely():
    ends = [cost_limits(np.full(n, 0.5))[0][1] for n in range(1, 10_001)]
    for n, end in enumerate(ends, start=1):
        assert n <= end <= max(10.0, 4 / 3 * n), n
    assert ends == sorted(ends)
    # ten ends per decade of steps: a run of 10,000 steps redraws its axes 31 times
    assert len(set(ends)) == 31
    # decades around the data and ln 2
    assert cost_limits(np.array([45.0, 0.5, 0.02]))[1] == (0.01, 100.0)


def test_cost_limits_ignore_non_finite_and_non_positive_costs():
    # they still count as steps (x) but not for the y decades
    assert cost_limits(np.array([np.nan])) == ((0.0, 10.0), (0.1, 1.0))
    assert cost_limits([np.inf, -np.inf, 0.0, -3.0]) == ((0.0, 10.0), (0.1, 1.0))
    finite = cost_limits(np.array([45.0, 0.5, 0.02]))
    assert cost_limits(np.array([45.0, np.inf, 0.5, np.nan, 0.02, 0.0])) == finite
    assert cost_limits(np.r_[np.full(10, 0.5), np.nan])[0] == (0.0, 12.0)
    assert cost_limits([3, 2, 1]) == ((0.0, 10.0), (0.1, 10.0))  # ints and lists work


@pytest.mark.parametrize(
    ("losses", "exc", "match"),
    [
        ("abc", TypeError, "losses must be a numeric array"),
        (None, TypeError, "losses must be a numeric array"),
        (["a", "b"], TypeError, "losses must be a numeric array"),
        (np.ones((2, 3)), ValueError, "losses must be 1-dimensional"),
        (0.5, ValueError, "losses must be 1-dimensional"),
    ],
)
def test_cost_limits_bad_input(losses, exc, match):
    with pytest.raises(exc, match=match):
        cost_limits(losses)


# ---------------------------------------------------------------------------- model


def test_model_is_seeded_and_regenerable():
    a = PlaygroundModel("He", "moons", seed=3)
    b = PlaygroundModel("He", "moons", seed=3)
    c = PlaygroundModel("He", "moons", seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    for wa, wb in zip(a.net.weights, b.net.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.x, c.x)
    x_ref, y_ref = datasets.make_toy("moons", 400, rng=np.random.default_rng([3, 0]))
    np.testing.assert_array_equal(a.x, x_ref)
    np.testing.assert_array_equal(a.y, y_ref)


def test_model_step_reset_and_rebuild():
    model = PlaygroundModel("Appropriate", "circles", lr=1.0, seed=0)
    w0 = [w.copy() for w in model.net.weights]
    assert model.step(25) == 25
    assert model.step_count == 25
    assert model.losses.shape == (25,)
    assert model.losses[-1] < model.losses[0]
    assert not np.array_equal(model.net.weights[0], w0[0])
    model.reset()
    assert model.step_count == 0
    assert model.losses.size == 0
    for w, w_init in zip(model.net.weights, w0, strict=True):
        np.testing.assert_array_equal(w, w_init)
    model.reset(init="Too small")
    assert model.init == "Too small"
    assert np.max(np.abs(model.net.weights[1])) < 0.5  # std 0.04 for 6 inputs
    model.reset(dataset="blobs")
    assert model.dataset == "blobs"
    np.testing.assert_array_equal(
        model.x, datasets.make_blobs(400, rng=np.random.default_rng([0, 0]))[0]
    )
    model.lr = 0.25
    assert model.trainer.lr == 0.25
    model.reset(seed=5)
    assert model.seed == 5
    assert model.trainer.lr == 0.25


def test_model_learns_circles_with_appropriate_init():
    model = PlaygroundModel("Appropriate", "circles", lr=1.0, seed=0)
    model.step(300)
    assert model.accuracy() > 0.95
    probs = model.grid_probabilities()
    assert probs.shape == (GRID_SIZE, GRID_SIZE)
    # the inner disk is class 1, the outer ring class 0
    assert probs[GRID_SIZE // 2, GRID_SIZE // 2] > 0.9
    ring = int(round((0.85 + GRID_LIM) / (2 * GRID_LIM) * (GRID_SIZE - 1)))
    assert probs[GRID_SIZE // 2, ring] < 0.1


def test_zero_init_only_the_output_bias_learns():
    model = PlaygroundModel("Zero", "circles", lr=1.0, seed=0)
    grads = model.gradients()
    assert all(np.all(g == 0) for g in grads)
    model.step(50)
    assert all(np.all(w == 0) for w in model.net.weights)
    assert np.all(model.net.biases[0] == 0)
    assert np.all(model.net.biases[1] == 0)
    # balanced classes: db3 = mean(sigmoid(b3) - y) = 1/2 - 1/2 = 0, nothing moves at all
    assert model.y.mean() == 0.5
    assert np.all(model.net.biases[2] == 0)
    assert np.all(model.losses == model.losses[0])
    assert model.dead_units() == [6, 3]


def test_constant_init_units_stay_identical_random_do_not():
    x, y = datasets.make_circles(200, rng=0)
    from course_utils.training import Trainer

    net = constant_net(0.5)
    trainer = Trainer(net, x, y, lr=1.0, record_stats=False)
    trainer.step(200)
    assert unit_spread(net, 1) <= 1e-12
    assert unit_spread(net, 2) <= 1e-12
    assert np.ptp(net.weights[0]) > 0  # the weights did move
    random = make_network("He", rng=0)
    Trainer(random, x, y, lr=1.0, record_stats=False).step(200)
    assert unit_spread(random, 1) > 0.1


def test_too_large_starts_far_above_chance_and_stays_finite():
    model = PlaygroundModel("Too large", "circles", lr=1.0, seed=0)
    model.step(100)
    assert model.losses[0] > 10 * math.log(2)
    assert model.diverged_at is None
    assert np.all(np.isfinite(model.losses))
    assert sum(model.dead_units()) >= 1


def test_model_validation():
    with pytest.raises(ValueError, match="init"):
        PlaygroundModel("Huge")
    with pytest.raises(ValueError, match="dataset"):
        PlaygroundModel(dataset="mnist")
    with pytest.raises(ValueError, match="lr"):
        PlaygroundModel(lr=0.0)
    with pytest.raises(ValueError, match="sizes"):
        PlaygroundModel(sizes=[2, 1])
    with pytest.raises(ValueError, match="seed"):
        PlaygroundModel(seed=-1)
    model = PlaygroundModel()
    with pytest.raises(ValueError, match="n"):
        model.step(-1)
    with pytest.raises(ValueError, match="init"):
        model.reset(init="nope")
    with pytest.raises(ValueError, match="lr"):
        model.lr = -1.0


# ---------------------------------------------------------------------------- weight scale


@pytest.mark.parametrize("label", INITIALIZERS)
@pytest.mark.parametrize("scale", [1 / 16, 0.3, 2**0.5, 4.0, 16.0])
def test_scale_multiplies_every_initial_weight_matrix(label, scale):
    plain = PlaygroundModel(label, "moons", seed=2)
    scaled = PlaygroundModel(label, "moons", seed=2, scale=scale)
    assert plain.scale == 1.0 and scaled.scale == scale
    for w, w1 in zip(scaled.net.weights, plain.net.weights, strict=True):
        np.testing.assert_array_equal(w, scale * w1)  # the same draw, times the scale
    for b in scaled.net.biases:
        assert np.all(b == 0)
    np.testing.assert_array_equal(scaled.x, plain.x)  # the data does not depend on it


def test_scale_multiplies_the_std_of_a_wide_layer():
    sizes = (2, 400, 300, 1)
    plain = PlaygroundModel("He", sizes=sizes, seed=0)
    scaled = PlaygroundModel("He", sizes=sizes, seed=0, scale=0.25)
    w = scaled.net.weights[1]
    assert float(w.std()) == pytest.approx(0.25 * init_std("He", w.shape), rel=0.01)
    assert float(w.std()) == pytest.approx(0.25 * float(plain.net.weights[1].std()), rel=1e-12)


def test_reset_with_a_scale_and_what_keeps_it():
    model = PlaygroundModel("Too small", "circles", lr=1.0, seed=0)
    w1 = [w.copy() for w in model.net.weights]
    model.step(5)
    model.reset(scale=4.0)
    assert model.scale == 4.0 and model.step_count == 0 and model.losses.size == 0
    for w, w_1 in zip(model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)
    model.step(5)
    model.reset()  # keeps the scale: back to the scaled initial weights
    assert model.scale == 4.0 and model.step_count == 0
    for w, w_1 in zip(model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)
    model.reset(init="He")  # keeps the scale too
    assert model.scale == 4.0
    he = make_network("He", rng=np.random.default_rng([0, 1]))
    for w, e in zip(model.net.weights, he.weights, strict=True):
        np.testing.assert_array_equal(w, 4.0 * e)
    model.reset(dataset="moons", scale=None)
    assert model.scale == 4.0 and model.dataset == "moons"
    model.reset(scale=1.0)
    for w, e in zip(model.net.weights, he.weights, strict=True):
        np.testing.assert_array_equal(w, e)


def test_scale_leaves_zero_weights_zero():
    model = PlaygroundModel("Zero", "circles", seed=0, scale=16.0)
    assert all(np.all(w == 0) for w in model.net.weights)
    model.step(3)  # runs under filterwarnings=error: nothing divides by zero
    assert all(np.all(w == 0) for w in model.net.weights)


@pytest.mark.parametrize(
    ("scale", "exc"),
    [
        (0.0, ValueError),
        (-2.0, ValueError),
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        ("2", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_scale_validation(scale, exc):
    with pytest.raises(exc, match="scale"):
        PlaygroundModel(scale=scale)
    model = PlaygroundModel(scale=2.0)
    weights = [w.copy() for w in model.net.weights]
    if scale is not None:  # None means "keep" in reset
        with pytest.raises(exc, match="scale"):
            model.reset(scale=scale)
    assert model.scale == 2.0  # a rejected reset changes nothing
    for w, before in zip(model.net.weights, weights, strict=True):
        np.testing.assert_array_equal(w, before)


# ---------------------------------------------------------------------------- app


@pytest.fixture
def app():
    return Playground("Appropriate", "circles", lr=1.0, seed=0, steps_per_tick=10, dpi=40)


def test_app_layout(app):
    assert app.init_buttons.options == INITIALIZERS
    assert app.dataset_dropdown.options == DATASETS
    assert app.view_buttons.options == ("weights", "gradients")
    assert app.controls.lr.value == pytest.approx(1.0)
    assert app.view.image in app.widget.children
    assert app.controls.box in app.widget.children
    assert app.view.render_count == 1
    assert bytes(app.view.image.value).startswith(b"\x89PNG")


def test_step_trains_and_updates_artists(app):
    before = app.boundary_image.get_array().copy()
    renders = app.view.render_count
    for _ in range(4):
        app.controls.press_step()
    assert app.model.step_count == 40
    x, y = app.cost_line.get_data()
    assert len(x) == len(y) == 40
    np.testing.assert_array_equal(y, app.model.losses)
    after = app.boundary_image.get_array()
    assert np.max(np.abs(after - before)) > 0.01
    np.testing.assert_allclose(after, app.model.grid_probabilities())
    assert app.view.render_count == renders + 4
    assert "step 40" in app.readout.get_text()
    assert app.cost_title.get_text() == f"cost {app.model.losses[-1]:.3g}"


def test_play_ticks_train(app):
    app.controls.play.value = 1
    app.controls.play.value = 2
    assert app.model.step_count == 20


def test_reset_restores_step_zero_and_initial_weights(app):
    initial = [w.copy() for w in app.model.net.weights]
    first_image = app.boundary_image.get_array().copy()
    app.controls.press_step(3)
    app.controls.press_reset()
    assert app.model.step_count == 0
    for w, w0 in zip(app.model.net.weights, initial, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert len(app.cost_line.get_xdata()) == 0
    np.testing.assert_allclose(app.boundary_image.get_array(), first_image)
    assert app.controls.play.value == 0


def test_weights_view_matches_model(app):
    app.controls.press_step(2)
    for image, w in zip(app.weight_images, app.model.net.weights, strict=True):
        np.testing.assert_array_equal(image.get_array(), w)
        lo, hi = image.get_clim()
        assert lo == -hi == pytest.approx(-np.max(np.abs(w)))
    assert app.weight_titles[0].get_text().startswith("W1")


def test_gradients_view_matches_model(app):
    app.controls.press_step()
    app.view_buttons.value = "gradients"
    grads = app.model.gradients()
    cache = app.model.net.forward(app.model.x)
    expected = app.model.net.backward(cache, app.model.y).dW
    for image, g, e in zip(app.weight_images, grads, expected, strict=True):
        np.testing.assert_allclose(g, e)
        np.testing.assert_array_equal(image.get_array(), g)
    assert app.weight_titles[2].get_text().startswith("dW3")
    app.view_buttons.value = "weights"
    np.testing.assert_array_equal(app.weight_images[2].get_array(), app.model.net.weights[2])


def test_changing_the_initializer_rebuilds_the_model(app):
    app.controls.press_step(2)
    old = app.model.net
    app.init_buttons.value = "Too small"
    assert app.model.init == "Too small"
    assert app.model.net is not old
    assert app.model.step_count == 0
    expected = make_network("Too small", rng=np.random.default_rng([0, 1]))
    for w, e, image in zip(app.model.net.weights, expected.weights, app.weight_images, strict=True):
        np.testing.assert_array_equal(w, e)
        np.testing.assert_array_equal(image.get_array(), w)
    assert "Too small" in app.readout.get_text()


def test_rapid_changes_last_value_wins(app):
    for label in ("Zero", "Too large", "He", "Xavier"):
        app.init_buttons.value = label
    for name in ("moons", "spiral", "checkerboard"):
        app.dataset_dropdown.value = name
    assert app.model.init == "Xavier"
    assert app.model.dataset == "checkerboard"
    fresh = PlaygroundModel("Xavier", "checkerboard", lr=1.0, seed=0)
    np.testing.assert_array_equal(app.model.x, fresh.x)
    for w, e in zip(app.model.net.weights, fresh.net.weights, strict=True):
        np.testing.assert_array_equal(w, e)
    np.testing.assert_array_equal(app.points.get_offsets(), fresh.x.T)
    np.testing.assert_array_equal(app.points.get_array(), fresh.y)


def test_learning_rate_slider_reaches_the_trainer(app):
    app.controls.lr.value = 0.01
    assert app.model.lr == pytest.approx(0.01)
    assert app.model.trainer.lr == pytest.approx(0.01)
    app.controls.press_reset()
    assert app.model.trainer.lr == pytest.approx(0.01)


def test_zero_init_weights_stay_zero_in_the_app(app):
    app.init_buttons.value = "Zero"
    app.controls.press_step(3)
    for image in app.weight_images:
        assert np.all(image.get_array() == 0)
    assert "a whole layer is dead" in app.controls.status.value


def test_too_large_reports_dead_units_not_nan(app):
    app.init_buttons.value = "Too large"
    app.controls.press_step(5)
    assert app.model.diverged_at is None
    assert app.model.losses[0] > 10 * math.log(2)
    assert "dead ReLU units" in app.controls.status.value
    assert np.all(np.isfinite(app.cost_line.get_ydata()))


def test_divergence_shows_status_pauses_and_keeps_pictures(app):
    app.controls.press_step()
    image_before = app.boundary_image.get_array().copy()
    # weights so large that the forward pass overflows: the first step is not finite
    for w in app.model.net.weights:
        w *= 1e120
    app.controls.play.playing = True
    app.controls.press_step()  # runs under filterwarnings=error: no warning escapes
    assert app.model.diverged_at == 10
    assert "diverged at step 10" in app.controls.status.value
    assert app.controls.play.playing is False
    assert app.model.step_count == 10
    assert len(app.cost_line.get_xdata()) == 10
    np.testing.assert_array_equal(app.boundary_image.get_array(), image_before)
    app.view_buttons.value = "gradients"  # non-finite gradients: keep the last picture
    for image in app.weight_images:
        assert np.all(np.isfinite(image.get_array()))
    app.controls.press_step()  # no further training once diverged
    assert app.model.step_count == 10
    app.controls.press_reset()
    assert app.model.diverged_at is None
    assert app.controls.status.value == ""


def test_scale_slider_sits_next_to_the_initializers(app):
    slider = app.scale_slider
    row = next(c for c in app.widget.children if app.init_buttons in getattr(c, "children", ()))
    assert slider in row.children
    assert slider.description == "weight scale" and slider.value == 1.0
    assert (slider.base, 2.0**slider.min, 2.0**slider.max) == (2.0, 1 / 16, 16.0)
    assert slider.continuous_update is False
    assert "×" not in app.readout.get_text()  # scale 1 is not mentioned


def test_weight_scale_slider_rescales_and_restarts(app):
    w1 = [w.copy() for w in app.model.net.weights]
    app.controls.press_step(2)
    png = bytes(app.view.image.value)
    renders = app.view.render_count
    app.scale_slider.value = 4.0
    assert app.model.scale == 4.0
    assert app.model.step_count == 0 and len(app.cost_line.get_xdata()) == 0
    for w, w_1, image in zip(app.model.net.weights, w1, app.weight_images, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)
        np.testing.assert_array_equal(image.get_array(), w)
    assert app.view.render_count == renders + 1
    assert bytes(app.view.image.value) != png
    assert app.readout.get_text().startswith("Appropriate ×4 on circles")
    assert app.weight_titles[0].get_text() == f"W1\nmax {np.max(np.abs(w1[0])) * 4:.2g}"
    app.controls.press_step()
    assert app.model.step_count == 10
    assert "Appropriate ×4" in app.readout.get_text() and "step 10" in app.readout.get_text()
    app.controls.press_reset()  # Reset keeps the scale
    assert app.model.scale == app.scale_slider.value == 4.0 and app.model.step_count == 0
    for w, w_1 in zip(app.model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)


def test_changing_the_initializer_or_dataset_keeps_the_scale(app):
    app.scale_slider.value = 0.25
    app.controls.press_step()
    app.init_buttons.value = "Too large"
    assert app.model.scale == app.scale_slider.value == 0.25 and app.model.step_count == 0
    expected = make_network("Too large", rng=np.random.default_rng([0, 1]))
    for w, e in zip(app.model.net.weights, expected.weights, strict=True):
        np.testing.assert_array_equal(w, 0.25 * e)
    assert "Too large ×0.25" in app.readout.get_text()
    app.dataset_dropdown.value = "moons"
    assert app.model.scale == 0.25
    assert "Too large ×0.25 on moons" in app.readout.get_text()
    app.scale_slider.value = 1.0
    assert app.readout.get_text().startswith("Too large on moons")


def test_weight_scale_with_zero_init_changes_nothing(app):
    app.init_buttons.value = "Zero"
    app.scale_slider.value = 16.0  # under filterwarnings=error: no division by zero
    app.controls.press_step(2)
    assert all(np.all(w == 0) for w in app.model.net.weights)
    assert "Zero ×16" in app.readout.get_text()
    app.view_buttons.value = "gradients"
    for image in app.weight_images:
        assert np.all(image.get_array() == 0)


def test_fast_redraw_equals_full_rendering(app):
    import io

    import matplotlib.image as mpimg

    app.controls.press_step(2)
    shown = mpimg.imread(io.BytesIO(app.view.image.value), format="png")
    full = mpimg.imread(io.BytesIO(app.view.png()), format="png")
    np.testing.assert_array_equal(shown, full)
    assert app.view.full_render_count < app.view.render_count


def test_drawing_helpers():
    model = PlaygroundModel("He", "blobs", seed=0)
    model.step(20)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    try:
        image, points = draw_decision_boundary(ax1, model, title="He")
        np.testing.assert_allclose(image.get_array(), model.grid_probabilities())
        assert points.get_offsets().shape == (400, 2)
        line = draw_cost(ax2, model, label="He")
        assert len(line.get_xdata()) == 20
        assert ax2.get_yscale() == "log"
        with pytest.raises(TypeError, match="model"):
            draw_decision_boundary(ax1, "model")
        with pytest.raises(TypeError, match="model"):
            draw_cost(ax2, None)
    finally:
        plt.close(fig)


def test_app_validation():
    with pytest.raises(ValueError, match="steps_per_tick"):
        Playground(steps_per_tick=0)
    with pytest.raises(ValueError, match="init"):
        Playground("Huge")
    with pytest.raises(ValueError, match="scale"):
        Playground(scale=32.0)  # beyond the slider
    with pytest.raises(ValueError, match="scale"):
        Playground(scale=0.0)
    app = Playground(scale=2.0, dpi=40)
    assert app.model.scale == app.scale_slider.value == 2.0
    assert "Appropriate ×2" in app.readout.get_text()
