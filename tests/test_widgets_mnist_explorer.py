"""The MNIST explorer, driven headlessly as a learner would (no kernel, no browser)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_utils import initializers
from course_utils.experiments.mnist import (
    BATCH_SIZE,
    INITIALIZER_NAMES,
    INITIALIZERS,
    SIZES,
    MnistModel,
    compare_initializers,
    load_data,
    stratified_indices,
)
from course_utils.widgets.mnist_explorer import (
    ACTIVATION_BINS,
    GRADIENT_BINS,
    MnistExplorer,
    draw_comparison,
    histogram_counts,
    mosaic,
)

UNITS = SIZES[1]  # 300 units per hidden layer


@pytest.fixture(scope="module")
def data():
    return load_data()


def _misclassified(model: MnistModel) -> int:
    """Recompute the grid's readout from scratch."""
    predictions = model.net.predict(model.data.batch_x)
    return int(np.sum(predictions != model.data.batch_y))


def _png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


# ---------------------------------------------------------------------------
# Data and pure helpers
# ---------------------------------------------------------------------------


def test_data_is_standardized_and_fixed(data):
    assert data.x_train.shape == (784, 4000) and data.x_test.shape == (784, 1000)
    assert data.x_train.dtype == np.float32
    assert abs(float(data.x_train.mean(dtype=np.float64))) < 1e-4
    assert float(data.x_train.std(dtype=np.float64)) == pytest.approx(1.0, rel=1e-4)
    # stratified: 10 of each digit, the first ones of each class, grouped by digit
    np.testing.assert_array_equal(data.batch_y, np.repeat(np.arange(10), BATCH_SIZE // 10))
    idx = stratified_indices(data.y_test, BATCH_SIZE // 10)
    np.testing.assert_array_equal(data.batch_x, data.x_test[:, idx])
    first_sevens = np.flatnonzero(data.y_test == 7)[: BATCH_SIZE // 10]
    np.testing.assert_array_equal(idx[70:80], first_sevens)
    # The grid shows the same digits, unstandardized, as 28 x 28 images.
    restored = data.batch_images.reshape(BATCH_SIZE, 784).T
    np.testing.assert_allclose((restored - data.mean) / data.std, data.batch_x, atol=1e-5)
    assert data.batch_images.min() >= 0.0 and data.batch_images.max() <= 1.0
    assert not data.x_train.flags.writeable
    assert load_data() is data  # cached


def test_histogram_counts_cover_every_entry():
    rng = np.random.default_rng(0)
    acts = [np.tanh(rng.normal(0, s, (UNITS, BATCH_SIZE))) for s in (0.1, 1.0, 10.0)]
    counts, edges = histogram_counts(acts, "activations")
    assert edges[0] == -1.0 and edges[-1] == 1.0 and edges.size == ACTIVATION_BINS + 1
    for c in counts:
        assert c.sum() == UNITS * BATCH_SIZE
    # Saturated units pile up in the end bins, small ones in the middle.
    assert counts[2][[0, -1]].sum() > 0.8 * UNITS * BATCH_SIZE
    assert counts[0][ACTIVATION_BINS // 2 - 2 : ACTIVATION_BINS // 2 + 2].sum() > 0.6 * 30000

    grads = [rng.standard_t(2, (UNITS, BATCH_SIZE)) * s for s in (1e-4, 1e-3)]
    counts, edges = histogram_counts(grads, "gradients")
    r = edges[-1]
    assert edges.size == GRADIENT_BINS + 1 and edges[0] == -r
    assert 3.0 * max(g.std() for g in grads) <= r < 1.5 * 3.0 * max(g.std() for g in grads)
    for c in counts:
        assert c.sum() == UNITS * BATCH_SIZE  # outliers counted in the end bins
    # A layer with 10x smaller gradients is a narrow spike on the shared scale.
    middle = slice(GRADIENT_BINS // 2 - 1, GRADIENT_BINS // 2 + 2)
    assert counts[0][middle].sum() > 0.9 * UNITS * BATCH_SIZE

    zeros, edges = histogram_counts([np.zeros((3, 4))], "gradients")
    assert edges[-1] == 1.0 and zeros[0][GRADIENT_BINS // 2] == 12


@pytest.mark.parametrize(
    ("values", "kind", "error", "match"),
    [
        ([np.zeros(3)], "weights", ValueError, "kind"),
        ([], "activations", ValueError, "values"),
        ([np.array([0.0, np.nan])], "activations", ValueError, r"values\[0\]"),
        ([np.zeros(3)], 3, TypeError, "kind"),
    ],
)
def test_histogram_counts_rejects_bad_input(values, kind, error, match):
    with pytest.raises(error, match=match):
        histogram_counts(values, kind)


def test_mosaic_tints_right_blue_and_wrong_red():
    images = np.zeros((4, 2, 3))
    images[:, 0, 0] = 1.0  # one full-ink pixel per image
    correct = np.array([True, False, True, True])
    rgb = mosaic(images, correct, cols=2)
    assert rgb.shape == (4, 6, 3)
    assert np.all(rgb[1, :, :] == 1.0)  # no ink: white
    blue, red = rgb[0, 0], rgb[0, 3]  # image 0 (right) and image 1 (wrong), ink pixel
    assert blue[2] > blue[0] and red[0] > red[2]
    np.testing.assert_array_equal(rgb[2, 0], blue)  # image 2 sits below image 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"images": np.zeros((4, 2))}, ValueError, "images"),
        ({"correct": np.ones(3, dtype=bool)}, ValueError, "correct"),
        ({"correct": np.ones(4)}, ValueError, "correct"),
        ({"cols": 3}, ValueError, "cols"),
        ({"cols": 0}, ValueError, "cols"),
    ],
)
def test_mosaic_rejects_bad_input(kwargs, error, match):
    args = {"images": np.zeros((4, 2, 2)), "correct": np.ones(4, dtype=bool), "cols": 2}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        mosaic(**args)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


def test_model_follows_the_article_setup():
    model = MnistModel("Xavier")
    assert model.net.sizes == list(SIZES)
    assert [a.name for a in model.net.activations] == ["tanh"] * 4
    assert model.net.output == "softmax" and model.net.dtype == np.float32
    assert model.trainer.batch_size == 100 and model.lr == 0.1
    # "Xavier" in the article is N(0, 1/n_in): variance 1/n, not 1/sqrt(n).
    w = model.net.weights[1]
    assert float(w.var()) == pytest.approx(1 / 300, rel=0.03)
    assert all(np.all(b == 0) for b in model.net.biases)


@pytest.mark.parametrize("label", list(INITIALIZERS))
def test_each_initialization_has_its_variance(label):
    model = MnistModel(label)
    name = INITIALIZER_NAMES[label]
    for w in model.net.weights[:4]:
        expected = initializers.variance(name, w.shape)
        if expected == 0:
            assert np.all(w == 0)
        else:
            assert float(w.var()) == pytest.approx(expected, rel=0.05)


def test_steps_reset_and_seed():
    model = MnistModel("Uniform", eval_every=5)
    w0 = [w.copy() for w in model.net.weights]
    assert model.step(12) == 12
    assert model.step_count == 12 and model.losses.shape == (12,)
    assert model.epoch == pytest.approx(12 * 100 / 4000)
    assert model.eval_steps == [0, 5, 10]
    assert not np.array_equal(model.net.weights[0], w0[0])
    losses = model.losses.copy()
    model.reset()
    assert model.step_count == 0 and model.losses.size == 0 and model.eval_steps == [0]
    for w, w_init in zip(model.net.weights, w0, strict=True):
        np.testing.assert_array_equal(w, w_init)
    model.step(12)
    np.testing.assert_array_equal(model.losses, losses)  # same weights, same batches
    model.reset(seed=1)
    assert not np.array_equal(model.net.weights[0], w0[0])


def test_training_learns_with_xavier():
    model = MnistModel("Xavier")
    acc0 = model.test_accuracies[0]
    model.step(40)
    assert model.losses[-5:].mean() < 0.6 * model.losses[:5].mean()
    assert model.test_accuracies[-1] > 0.7 > acc0
    assert model.test_accuracy() == model.test_accuracies[-1]


def test_zero_initialization_predicts_one_class():
    model = MnistModel("Zero")
    view = model.batch_view("activations")
    assert all(np.all(a == 0) for a in view.values)
    model.step(10)
    grads = model.batch_view("gradients").values
    assert all(np.all(g == 0) for g in grads)  # no signal reaches the hidden layers
    assert all(np.all(w == 0) for w in model.net.weights)
    predictions = model.net.predict(model.data.x_test)
    assert np.unique(predictions).size == 1
    assert model.test_accuracy() == pytest.approx(0.1)  # 100 test digits per class


def test_batch_view_matches_a_recomputation():
    model = MnistModel("He")
    model.step(3)
    view = model.batch_view("activations")
    cache = model.net.forward(model.data.batch_x)
    for a, expected in zip(view.values, cache.a[1:5], strict=True):
        np.testing.assert_array_equal(a, expected)
    assert view.misclassified == _misclassified(model)
    np.testing.assert_array_equal(view.correct, view.predictions == view.labels)
    assert view.loss == pytest.approx(model.net.loss(model.data.batch_x, model.data.batch_y))
    grads = model.batch_view("gradients")
    expected = model.net.backward(cache, model.data.batch_y)
    for g, dz in zip(grads.values, expected.dz[:4], strict=True):
        np.testing.assert_allclose(g, dz)
    assert grads.loss == pytest.approx(view.loss, rel=1e-5)


def test_divergence_stops_quietly():
    # pytest turns warnings into errors: the DivergenceWarning must not escape.
    model = MnistModel("Standard Normal", lr=1e36)
    ran = model.step(20)
    assert model.diverged_at is not None and ran == model.diverged_at < 20
    assert model.step_count == ran and model.losses.size == ran
    assert np.all(np.isfinite(model.losses))
    assert all(np.all(np.isfinite(w)) for w in model.net.weights)  # last finite values
    assert model.step(5) == 0


def test_learning_rate_change_reaches_the_trainer():
    model = MnistModel()
    model.lr = 0.5
    assert model.trainer.lr == 0.5
    model.reset()
    assert model.trainer.lr == 0.5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"init": "xavier"}, ValueError, "init"),
        ({"init": 3}, TypeError, "init"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": "0.1"}, TypeError, "lr"),
        ({"seed": -1}, ValueError, "seed"),
        ({"eval_every": 0}, ValueError, "eval_every"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"dtype": np.int32}, ValueError, "dtype"),
    ],
)
def test_model_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MnistModel(**kwargs)


def test_model_method_arguments_are_checked():
    model = MnistModel()
    with pytest.raises(ValueError, match="kind"):
        model.batch_view("weights")
    with pytest.raises(ValueError, match="n"):
        model.step(-1)
    with pytest.raises(ValueError, match="init"):
        model.reset("Glorot")
    with pytest.raises(ValueError, match="lr"):
        model.lr = -1.0


@pytest.mark.parametrize("label", list(INITIALIZERS))
def test_scale_multiplies_every_initial_weight_matrix(label):
    plain = MnistModel(label, seed=3)
    for scale in (0.25, 4.0, 16.0):  # powers of 2: exact in float32
        scaled = MnistModel(label, seed=3, scale=scale)
        assert scaled.scale == scale
        for w, w1 in zip(scaled.net.weights, plain.net.weights, strict=True):
            assert w.dtype == np.float32
            np.testing.assert_array_equal(w, scale * w1)
        assert all(np.all(b == 0) for b in scaled.net.biases)
    odd = MnistModel(label, seed=3, scale=2**0.5)  # to float32 rounding
    for w, w1 in zip(odd.net.weights, plain.net.weights, strict=True):
        np.testing.assert_allclose(w, 2**0.5 * w1.astype(np.float64), rtol=1e-6, atol=0)


def test_scale_multiplies_the_std():
    model = MnistModel("Xavier", scale=0.5)
    w = model.net.weights[1]
    assert float(w.std()) == pytest.approx(0.5 * (1 / 300) ** 0.5, rel=0.03)
    # Xavier (variance 1/n) times sqrt 2 has He's variance 2/n.
    model.reset(scale=2**0.5)
    w = model.net.weights[1]
    assert float(w.var()) == pytest.approx(initializers.variance("he_normal", w.shape), rel=0.03)


def test_reset_with_a_scale_and_what_keeps_it():
    model = MnistModel("Uniform", seed=1)
    w1 = [w.copy() for w in model.net.weights]
    model.step(3)
    losses = model.losses.copy()
    model.reset(scale=0.5)
    assert model.scale == 0.5 and model.step_count == 0 and model.losses.size == 0
    for w, w_1 in zip(model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 0.5 * w_1)
    model.step(3)
    assert not np.array_equal(model.losses, losses)
    model.reset()  # keeps the scale
    assert model.scale == 0.5
    for w, w_1 in zip(model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 0.5 * w_1)
    model.reset("He")  # keeps the scale too
    he = MnistModel("He", seed=1)
    assert model.scale == 0.5
    for w, e in zip(model.net.weights, he.net.weights, strict=True):
        np.testing.assert_array_equal(w, 0.5 * e)
    model.reset(scale=1.0)
    for w, e in zip(model.net.weights, he.net.weights, strict=True):
        np.testing.assert_array_equal(w, e)


def test_scale_leaves_zero_weights_zero():
    model = MnistModel("Zero", scale=16.0)  # under filterwarnings=error: no division by 0
    assert all(np.all(w == 0) for w in model.net.weights)
    model.step(2)
    assert all(np.all(w == 0) for w in model.net.weights)
    assert model.test_accuracy() == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("scale", "error"),
    [
        (0.0, ValueError),
        (-1.0, ValueError),
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        ("1", TypeError),
        (True, TypeError),
    ],
)
def test_scale_is_checked(scale, error):
    with pytest.raises(error, match="scale"):
        MnistModel(scale=scale)
    model = MnistModel("He", scale=2.0)
    weights = [w.copy() for w in model.net.weights]
    with pytest.raises(error, match="scale"):
        model.reset("Xavier", scale=scale)
    assert model.init == "He" and model.scale == 2.0  # a rejected reset changes nothing
    for w, before in zip(model.net.weights, weights, strict=True):
        np.testing.assert_array_equal(w, before)


def test_compare_initializers_same_budget():
    results = compare_initializers(["Zero", "Xavier"], steps=20)
    assert list(results) == ["Zero", "Xavier"]
    zero, xavier = results["Zero"], results["Xavier"]
    assert zero.steps == xavier.steps == 20 and xavier.losses.shape == (20,)
    assert zero.test_accuracy == pytest.approx(0.1)
    assert xavier.test_accuracy > 0.6 and xavier.train_cost < zero.train_cost
    assert len(xavier.activations_before) == 4
    assert xavier.activations_after[0].shape == (UNITS, BATCH_SIZE)
    assert not np.array_equal(xavier.activations_before[0], xavier.activations_after[0])
    assert xavier.diverged_at is None
    with pytest.raises(ValueError, match=r"inits\[0\]"):
        compare_initializers(["Glorot"])
    with pytest.raises(TypeError, match="inits"):
        compare_initializers("Xavier")


def test_draw_comparison_small_multiples():
    from matplotlib.figure import Figure

    results = compare_initializers(["Zero", "Uniform"], steps=2)
    fig = Figure()
    axes = fig.subplots(2, 4)
    draw_comparison(axes, results)
    for row, label in zip(axes, results, strict=True):
        for layer, ax in enumerate(row):
            before, after = ax.patches  # one StepPatch each: step 0, after training
            assert ax.get_title() == f"{label}: A[{layer + 1}]"
            for patch in (before, after):
                data = patch.get_data()
                assert np.sum(data.values * np.diff(data.edges)) == pytest.approx(1.0)
    # Zero: all activations in the middle bin, before and after.
    data = axes[0, 0].patches[0].get_data()
    assert data.values.max() == pytest.approx(1.0 / np.diff(data.edges)[0])
    with pytest.raises(ValueError, match="axes"):
        draw_comparison(fig.subplots(1, 4), results)
    with pytest.raises(ValueError, match=r"inits\[0\]"):
        draw_comparison(axes, results, ["Xavier", "Zero"])


# ---------------------------------------------------------------------------
# App
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_app():
    return MnistExplorer("Xavier", steps_per_tick=2)


@pytest.fixture
def app(shared_app):
    """One app for the module (building the figure takes a while), reset for each test."""
    shared_app.init_buttons.value = "Xavier"
    shared_app.scale_slider.value = 1.0
    shared_app.hist_buttons.value = "activations"
    shared_app.controls.lr.value = 0.1
    shared_app.model.lr = 0.1
    shared_app.controls.press_reset()
    assert shared_app.model.step_count == 0
    return shared_app


def test_app_starts_at_step_zero():
    app = MnistExplorer("Xavier")
    assert app.model.step_count == 0
    assert app.view.render_count == 1
    assert app.view.image.value[:4] == b"\x89PNG"
    assert app.misclassified_text.get_text() == f"Misclassified {_misclassified(app.model)}/100"
    assert len(app.cost_line.get_xdata()) == 0
    assert app.controls.status.value == ""


def test_step_updates_every_view(app):
    grid_before = np.array(app.grid_image.get_array())
    counts_before = [p.get_data().values.copy() for p in app.hist_patches]
    renders = app.view.render_count
    app.controls.press_step(5)
    assert app.model.step_count == 10
    assert app.view.render_count == renders + 5
    # Histogram counts: every (unit, image) pair of the fixed batch once per layer.
    for patch, before in zip(app.hist_patches, counts_before, strict=True):
        values = patch.get_data().values
        assert values.sum() == UNITS * BATCH_SIZE
        assert not np.array_equal(values, before)
    assert not np.array_equal(np.array(app.grid_image.get_array()), grid_before)
    assert app.grid_image.get_array().shape == (280, 280, 3)
    k = _misclassified(app.model)
    assert app.misclassified_text.get_text() == f"Misclassified {k}/100"
    assert k == app.last_view.misclassified < 50
    assert len(app.cost_line.get_xdata()) == app.model.step_count
    np.testing.assert_array_equal(app.cost_line.get_ydata(), app.model.losses)
    assert list(app.acc_line.get_xdata()) == [0, 10]
    assert "step 10" in app.readout.value and "epoch 0.25" in app.readout.value
    assert app.caption.get_text() == "Xavier, step 10"


def test_grid_colours_match_the_predictions(app):
    app.controls.press_step(3)
    grid = np.asarray(app.grid_image.get_array())
    view = app.last_view
    for i in range(BATCH_SIZE):
        r, c = divmod(i, 10)
        cell = grid[28 * r : 28 * r + 28, 28 * c : 28 * c + 28]
        ink = cell[cell.sum(axis=2) < 2.0]  # clearly inked pixels
        blue_ink = float(np.mean(ink[:, 2] - ink[:, 0]))
        assert (blue_ink > 0) == bool(view.correct[i])


def test_gradient_toggle_changes_the_histograms(app):
    app.controls.press_step(2)
    acts = [p.get_data().values.copy() for p in app.hist_patches]
    renders = app.view.render_count
    app.hist_buttons.value = "gradients"
    assert app.view.render_count == renders + 1
    assert app.model.step_count == 4  # toggling does not train
    assert app.last_view.kind == "gradients"
    for patch, a, title in zip(app.hist_patches, acts, app.hist_titles, strict=True):
        values = patch.get_data().values
        assert values.size == 41 and values.sum() == UNITS * BATCH_SIZE
        assert not np.array_equal(values, a[: values.size])
        assert title.get_text().startswith("dL/dz[")
    grads = app.model.batch_view("gradients").values
    expected, _ = histogram_counts(grads, "gradients")
    for patch, c in zip(app.hist_patches, expected, strict=True):
        np.testing.assert_array_equal(patch.get_data().values, c)
    assert "units of" in app.caption.get_text()
    app.hist_buttons.value = "activations"
    for patch, a in zip(app.hist_patches, acts, strict=True):
        np.testing.assert_array_equal(patch.get_data().values, a)


def test_initializer_buttons_rebuild_the_model(app):
    app.controls.press_step(2)
    app.init_buttons.value = "Standard Normal"
    assert app.model.init == "Standard Normal" and app.model.step_count == 0
    assert float(app.model.net.weights[1].var()) == pytest.approx(1.0, rel=0.05)
    assert len(app.cost_line.get_xdata()) == 0
    # Saturated tanh: most activations sit in the two end bins.
    ends = sum(int(p.get_data().values[[0, -1]].sum()) for p in app.hist_patches)
    assert ends > 0.7 * 4 * UNITS * BATCH_SIZE


def test_last_value_wins_on_rapid_changes(app):
    for label in ["Zero", "He", "Standard Normal", "Uniform"]:
        app.init_buttons.value = label
    assert app.model.init == "Uniform"
    assert "Uniform" in app.readout.value and app.caption.get_text() == "Uniform, step 0"
    for kind in ["gradients", "activations", "gradients"]:
        app.hist_buttons.value = kind
    assert app.last_view.kind == "gradients"
    for lr in [0.5, 2.0, 0.05]:
        app.controls.lr.value = lr
    assert app.model.lr == pytest.approx(0.05) and app.model.trainer.lr == pytest.approx(0.05)


def test_reset_returns_to_the_initial_weights(app):
    w0 = [w.copy() for w in app.model.net.weights]
    png0 = app.view.png()
    app.controls.press_step(4)
    app.controls.play.value = 3  # as if Play had ticked
    app.controls.press_reset()
    assert app.model.step_count == 0 and app.controls.play.value == 0
    for w, w_init in zip(app.model.net.weights, w0, strict=True):
        np.testing.assert_array_equal(w, w_init)
    assert len(app.cost_line.get_xdata()) == 0
    assert app.view.png() == png0


def test_play_ticks_train(app):
    ticks = app.controls.tick_count
    app.controls.play.value = 1
    app.controls.play.value = 2
    assert app.model.step_count == 4 and app.controls.tick_count == ticks + 2


def test_divergence_is_reported_not_plotted(app):
    app.controls.press_step(1)
    app.model.lr = 1e36  # far beyond the slider: forces float32 overflow
    app.controls.press_step(5)
    k = app.model.diverged_at
    assert k is not None
    assert app.controls.status.value == f"diverged at step {k}"
    assert app.diverged_text.get_text() == f"diverged at step {k}"
    assert not app.controls.play.playing
    ydata = np.asarray(app.cost_line.get_ydata())
    assert ydata.size == k and np.all(np.isfinite(ydata))
    for patch in app.hist_patches:
        assert patch.get_data().values.sum() == UNITS * BATCH_SIZE
    app.controls.press_reset()
    assert app.controls.status.value == "" and app.diverged_text.get_text() == ""


def test_scale_slider_sits_next_to_the_initializers(app):
    slider = app.scale_slider
    row = next(c for c in app.widget.children if app.init_buttons in getattr(c, "children", ()))
    assert slider in row.children
    assert slider.description == "weight scale" and slider.value == 1.0
    assert (slider.base, 2.0**slider.min, 2.0**slider.max) == (2.0, 1 / 16, 16.0)
    assert slider.continuous_update is False
    assert "×" not in app.readout.value and "×" not in app.caption.get_text()


def test_weight_scale_slider_rescales_and_restarts(app):
    w1 = [w.copy() for w in app.model.net.weights]
    app.controls.press_step(2)
    png = bytes(app.view.image.value)
    renders = app.view.render_count
    app.scale_slider.value = 4.0
    assert app.model.scale == 4.0
    assert app.model.step_count == 0 and len(app.cost_line.get_xdata()) == 0
    for w, w_1 in zip(app.model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)
    assert app.view.render_count == renders + 1
    assert bytes(app.view.image.value) != png
    assert "<b>Xavier ×4</b>" in app.readout.value and "step 0" in app.readout.value
    assert app.caption.get_text() == "Xavier ×4, step 0"
    # Four times Xavier's std saturates tanh: most activations sit in the end bins.
    ends = sum(int(p.get_data().values[[0, -1]].sum()) for p in app.hist_patches)
    assert ends > 0.5 * 4 * UNITS * BATCH_SIZE
    app.controls.press_step()
    assert app.model.step_count == 2 and app.caption.get_text() == "Xavier ×4, step 2"
    app.controls.press_reset()  # Reset keeps the scale
    assert app.model.scale == app.scale_slider.value == 4.0 and app.model.step_count == 0
    for w, w_1 in zip(app.model.net.weights, w1, strict=True):
        np.testing.assert_array_equal(w, 4.0 * w_1)


def test_changing_the_initializer_keeps_the_scale(app):
    app.scale_slider.value = 0.25
    app.controls.press_step()
    app.init_buttons.value = "He"
    assert app.model.scale == app.scale_slider.value == 0.25 and app.model.step_count == 0
    he = MnistModel("He")
    for w, e in zip(app.model.net.weights, he.net.weights, strict=True):
        np.testing.assert_array_equal(w, 0.25 * e)
    assert "<b>He ×0.25</b>" in app.readout.value
    app.scale_slider.value = 1.0
    assert "<b>He</b>" in app.readout.value and app.caption.get_text() == "He, step 0"


def test_weight_scale_with_zero_init_changes_nothing(app):
    app.init_buttons.value = "Zero"
    app.scale_slider.value = 16.0  # under filterwarnings=error: no division by zero
    app.controls.press_step()
    app.hist_buttons.value = "gradients"
    assert all(np.all(w == 0) for w in app.model.net.weights)
    assert "<b>Zero ×16</b>" in app.readout.value
    for patch in app.hist_patches:
        assert patch.get_data().values.sum() == UNITS * BATCH_SIZE


def test_background_is_cached_between_updates(app):
    app.controls.press_step(1)
    before = app.view.full_render_count
    renders = app.view.render_count
    app.controls.press_step(2)
    app.hist_buttons.value = "gradients"
    app.controls.lr.value = 0.2
    assert app.view.render_count == renders + 4
    assert app.view.full_render_count == before  # limits unchanged: cached ticks
    app.controls.press_step(10)  # the x range grows past 20 steps: new ticks
    assert app.view.full_render_count == before + 1
    assert app.cost_ax.get_xlim() == (0.0, 40.0)
    # The fast render shows the same picture as a full render.
    app.controls.press_step(1)
    assert app.view.full_render_count == before + 1
    np.testing.assert_array_equal(_png_pixels(app.view.image.value), _png_pixels(app.view.png()))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"init": "Glorot"}, ValueError, "init"),
        ({"steps_per_tick": 0}, ValueError, "steps_per_tick"),
        ({"interval_ms": 0}, ValueError, "interval_ms"),
        ({"dpi": 5}, ValueError, "dpi"),
        ({"lr": 100.0}, ValueError, "lr"),
        ({"scale": 32.0}, ValueError, "scale"),
        ({"scale": 0.0}, ValueError, "scale"),
    ],
)
def test_app_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MnistExplorer(**kwargs)


def test_stratified_indices():
    labels = np.array([2, 0, 1, 0, 2, 1, 0, 2])
    np.testing.assert_array_equal(stratified_indices(labels, 2), [1, 3, 2, 5, 0, 4])
    with pytest.raises(ValueError, match="class 1 has 2 examples"):
        stratified_indices(labels, 3)
    with pytest.raises(ValueError, match="per_class"):
        stratified_indices(labels, 0)
