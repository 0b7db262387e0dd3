"""Tests of course_utils.training: learning, statistics, divergence, momentum, validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_utils.mlp import MLP
from course_utils.training import (
    STAT_KEYS,
    DivergenceWarning,
    History,
    Trainer,
    _stays_finite,
    _sum_of_squares,
    train,
)


def _blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs centred at (-2, -2) and (2, 2), unit variance: separable."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    x = rng.standard_normal((2, n)) + np.where(y == 1, 2.0, -2.0)
    return x, y


def _diverging_setup() -> tuple[MLP, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    net = MLP(
        [2, 16, 16, 1],
        hidden="relu",
        output="linear",
        init="normal",
        init_kwargs={"std": 100.0},
        rng=rng,
    )
    x = rng.standard_normal((2, 32))
    return net, x, rng.standard_normal(32)


# --------------------------------------------------------------------------- learning


@pytest.mark.parametrize(
    ("output", "batch_size", "momentum"),
    [("softmax", None, 0.0), ("softmax", 32, 0.0), ("sigmoid", None, 0.9), ("softmax", 16, 0.9)],
)
def test_learns_separable_blobs(output, batch_size, momentum):
    x, y = _blobs()
    k = 2 if output == "softmax" else 1
    net = MLP([2, 8, k], hidden="tanh", output=output, rng=1)
    initial = net.loss(x, y)
    hist = train(net, x, y, steps=150, lr=0.2, batch_size=batch_size, momentum=momentum, rng=2)
    assert isinstance(hist, History)
    assert len(hist) == 150 and hist.diverged_at is None
    np.testing.assert_array_equal(hist.steps, np.arange(150))
    if batch_size is None:
        assert hist.loss[0] == pytest.approx(initial)
    assert net.loss(x, y) < 0.5 * initial
    assert net.accuracy(x, y) > 0.95


def test_full_batch_sgd_matches_manual_updates_with_momentum():
    x, y = _blobs(40)
    net = MLP([2, 5, 2], hidden="tanh", rng=3)
    ref = net.copy()
    lr, mu = 0.3, 0.8
    Trainer(net, x, y, lr=lr, momentum=mu, rng=0).step(3)
    vel = [np.zeros_like(w) for w in ref.get_params()]
    for _ in range(3):
        g = ref.backward(ref.forward(x), y)
        grads = [p for pair in zip(g.dW, g.db, strict=True) for p in pair]
        vel = [mu * v - lr * gi for v, gi in zip(vel, grads, strict=True)]
        ref.set_params([p + v for p, v in zip(ref.get_params(), vel, strict=True)])
    for p, q in zip(net.get_params(), ref.get_params(), strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)


def test_minibatches_are_seeded_and_resumable():
    x, y = _blobs(100)

    def run(seed, chunks):
        net = MLP([2, 6, 2], rng=0)
        trainer = Trainer(net, x, y, lr=0.1, batch_size=30, momentum=0.5, rng=seed)
        for n in chunks:
            trainer.step(n)
        return trainer.history, net

    h1, n1 = run(4, [10])
    h2, n2 = run(4, [3, 0, 7])
    h3, _ = run(5, [10])
    np.testing.assert_array_equal(h1.loss, h2.loss)
    for k in STAT_KEYS:
        np.testing.assert_array_equal(h1.layer_stats[k], h2.layer_stats[k])
    for p, q in zip(n1.get_params(), n2.get_params(), strict=True):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(h1.loss, h3.loss)


def test_each_epoch_visits_every_example_once():
    # With lr tiny the weights barely move, so the minibatch losses of one epoch
    # (sizes 30, 30, 30, 10) average to the full-batch loss.
    x, y = _blobs(100)
    net = MLP([2, 6, 2], rng=0)
    full = net.loss(x, y)
    hist = Trainer(net, x, y, lr=1e-12, batch_size=30, rng=1).step(4)
    weights = np.array([30, 30, 30, 10])
    assert np.sum(hist.loss * weights) / 100 == pytest.approx(full, rel=1e-9)


def test_float32_training_keeps_dtype():
    x, y = _blobs()
    net = MLP([2, 8, 2], dtype=np.float32, rng=1)
    hist = train(net, x, y, steps=50, lr=0.5, rng=0)
    assert all(p.dtype == np.float32 for p in net.get_params())
    assert hist.loss[-1] < hist.loss[0]


# --------------------------------------------------------------------------- statistics


def test_history_layout_and_record_every():
    x, y = _blobs(60)
    net = MLP([2, 7, 5, 2], hidden=["relu", "tanh"], rng=0)
    hist = train(net, x, y, steps=12, lr=0.1, record_every=5, rng=0)
    np.testing.assert_array_equal(hist.stat_steps, [0, 5, 10])
    assert set(hist.layer_stats) == set(STAT_KEYS)
    for k, v in hist.layer_stats.items():
        assert v.shape == (3, 3), k
        assert np.all(np.isfinite(v)), k
    sat = hist.layer_stats["saturated"]
    assert np.all((sat >= 0) & (sat <= 1))
    assert hist.loss.shape == (12,)

    off = train(MLP([2, 7, 2], rng=0), x, y, steps=4, record_stats=False)
    assert off.stat_steps.shape == (0,)
    assert all(v.shape == (0, 2) for v in off.layer_stats.values())


def test_statistics_match_a_manual_computation():
    x, y = _blobs(50)
    net = MLP([2, 9, 6, 2], hidden=["relu", "tanh"], rng=3)
    net.biases = [0.3 * np.ones_like(b) for b in net.biases]
    ref = net.copy()
    lr = 0.05
    stats = train(net, x, y, steps=1, lr=lr, rng=0).layer_stats
    cache = ref.forward(x)
    grads = ref.backward(cache, y)
    for layer in range(3):
        z, a = cache.z[layer], cache.a[layer + 1]
        assert stats["z_mean"][0, layer] == pytest.approx(z.mean())
        assert stats["z_std"][0, layer] == pytest.approx(z.std())
        assert stats["a_mean"][0, layer] == pytest.approx(a.mean())
        assert stats["a_std"][0, layer] == pytest.approx(a.std())
        assert stats["dz_std"][0, layer] == pytest.approx(grads.dz[layer].std())
        assert stats["dW_mean"][0, layer] == pytest.approx(grads.dW[layer].mean())
        assert stats["dW_std"][0, layer] == pytest.approx(grads.dW[layer].std())
        ratio = lr * grads.dW[layer].std() / ref.weights[layer].std()
        assert stats["update_ratio"][0, layer] == pytest.approx(ratio)
    # relu: saturated = fraction of inactive units (z <= 0)
    assert stats["saturated"][0, 0] == pytest.approx(np.mean(cache.z[0] <= 0))
    # tanh: |tanh'(z)| < 0.05 * tanh'(0)  <=>  |z| > arccosh(sqrt(20)) ~ 2.18
    edge = np.arccosh(np.sqrt(20.0))
    assert stats["saturated"][0, 1] == pytest.approx(np.mean(np.abs(cache.z[1]) > edge))
    # softmax output: p (1 - p) < 0.05 / 4
    p = cache.output
    assert stats["saturated"][0, 2] == pytest.approx(np.mean(p * (1 - p) < 0.0125))


def test_saturation_grows_with_init_scale():
    x, y = _blobs(100)
    sat = {}
    for std in (0.01, 10.0):
        net = MLP([2, 50, 50, 2], hidden="tanh", init="normal", init_kwargs={"std": std}, rng=0)
        hist = train(net, x, y, steps=1, lr=1e-3, rng=0)
        sat[std] = hist.layer_stats["saturated"][0, :2]
    assert np.all(sat[0.01] == 0.0)
    assert np.all(sat[10.0] > 0.8)


def test_update_ratio_nan_for_constant_weights():
    x, y = _blobs(20)
    net = MLP([2, 3, 2], init="zeros")
    hist = train(net, x, y, steps=1, lr=0.1)
    assert np.all(np.isnan(hist.layer_stats["update_ratio"][0]))


# --------------------------------------------------------------------------- divergence


def test_divergence_detected_once_and_params_kept_finite():
    net, x, y = _diverging_setup()
    trainer = Trainer(net, x, y, lr=10.0, rng=0)
    with pytest.warns(DivergenceWarning, match="training diverged at step") as record:
        hist = trainer.step(50)
    assert len(record) == 1
    assert all(issubclass(w.category, DivergenceWarning) for w in record)
    assert issubclass(DivergenceWarning, UserWarning)
    k = trainer.diverged_at
    assert k is not None and 0 < k < 50
    assert hist.diverged_at == k
    assert f"step {k}:" in str(record[0].message)
    assert len(hist.loss) == k and np.all(np.isfinite(hist.loss))
    assert all(np.all(np.isfinite(p)) for p in net.get_params())
    for v in hist.layer_stats.values():
        assert v.shape[0] == k
    # further steps are silent no-ops
    before = net.get_params()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trainer.step(5) is hist
    assert len(hist.loss) == k and trainer.step_count == k
    for p, q in zip(before, net.get_params(), strict=True):
        np.testing.assert_array_equal(p, q)


def test_train_warns_once_on_divergence_with_momentum():
    net, x, y = _diverging_setup()
    with pytest.warns(DivergenceWarning) as record:
        hist = train(net, x, y, steps=100, lr=10.0, momentum=0.9, batch_size=8, rng=0)
    assert len(record) == 1
    assert record[0].filename == __file__  # points at the caller
    assert hist.diverged_at is not None
    assert all(np.all(np.isfinite(p)) for p in net.get_params())


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"lr": "big"}, TypeError, "lr"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"momentum": -0.1}, ValueError, "momentum"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 21}, ValueError, "batch_size"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"record_every": 0}, ValueError, "record_every"),
        ({"record_stats": "yes"}, TypeError, "record_stats"),
        ({"saturation_threshold": 0.0}, ValueError, "saturation_threshold"),
        ({"saturation_threshold": 1.5}, ValueError, "saturation_threshold"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_trainer_validation(kwargs, exc, match):
    x, y = _blobs(20)
    with pytest.raises(exc, match=match):
        Trainer(MLP([2, 3, 2], rng=0), x, y, **kwargs)


def test_trainer_data_validation():
    x, y = _blobs(20)
    net = MLP([2, 3, 2], rng=0)
    with pytest.raises(TypeError, match="model"):
        Trainer("net", x, y)
    with pytest.raises(ValueError, match="x"):
        Trainer(net, x.T, y)
    with pytest.raises(ValueError, match="y"):
        Trainer(net, x, y + 1)
    with pytest.raises(ValueError, match="y"):
        Trainer(net, x, y[:-1])
    with pytest.raises(ValueError, match="steps"):
        train(net, x, y, steps=-1)
    with pytest.raises(ValueError, match="n"):
        Trainer(net, x, y).step(-1)


def test_parameters_are_updated_in_place():
    x, y = _blobs(20)
    net = MLP([2, 3, 2], rng=0)
    w0, b0 = net.weights[0], net.biases[0]
    before = w0.copy()
    Trainer(net, x, y, lr=0.5).step(2)
    assert net.weights[0] is w0 and net.biases[0] is b0
    assert not np.array_equal(w0, before)


# --------------------------------------------------------------------------- properties

HIDDEN = ["tanh", "relu", "logistic", "softsign", "selu", "identity", "leaky_relu"]


@st.composite
def _configs(draw):
    """A tiny network, matching data and valid training parameters."""
    output = draw(st.sampled_from(["softmax", "sigmoid", "linear"]))
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2))
    n_out = 1 if output == "sigmoid" else draw(st.integers(2 if output == "softmax" else 1, 3))
    m = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_in, m))
    if output == "softmax":
        y = rng.integers(0, n_out, size=m)
    elif output == "sigmoid":
        y = rng.integers(0, 2, size=m)
    else:
        y = rng.standard_normal((n_out, m))
    return {
        "sizes": [n_in, *hidden, n_out],
        "hidden": draw(st.sampled_from(HIDDEN)),
        "output": output,
        "dtype": draw(st.sampled_from([np.float32, np.float64])),
        "x": x,
        "y": y,
        "steps": draw(st.integers(0, 12)),
        "kwargs": {
            "lr": draw(st.floats(1e-4, 5.0)),
            "batch_size": draw(st.one_of(st.none(), st.integers(1, m))),
            "momentum": draw(st.one_of(st.just(0.0), st.floats(0.0, 0.99))),
            "record_stats": draw(st.booleans()),
            "record_every": draw(st.integers(1, 5)),
            "saturation_threshold": draw(st.floats(0.001, 0.999)),
            "rng": seed,
        },
    }


def _net(cfg) -> MLP:
    return MLP(cfg["sizes"], cfg["hidden"], cfg["output"], rng=0, dtype=cfg["dtype"])


def _run_quietly(fn):
    """Call ``fn``; return its result and the warnings it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w.category for w in caught]


@given(cfg=_configs())
@settings(max_examples=60, deadline=None)
def test_any_small_valid_configuration_trains_with_a_consistent_history(cfg):
    net = _net(cfg)
    shapes = [p.shape for p in net.get_params()]
    steps, kwargs = cfg["steps"], cfg["kwargs"]
    hist, categories = _run_quietly(lambda: train(net, cfg["x"], cfg["y"], steps=steps, **kwargs))
    # the only warning training may emit is one DivergenceWarning, and only if it diverged
    assert categories == ([] if hist.diverged_at is None else [DivergenceWarning])
    done = steps if hist.diverged_at is None else hist.diverged_at
    assert 0 <= done <= steps
    assert len(hist) == done
    assert hist.loss.shape == (done,) and hist.steps.shape == (done,)
    np.testing.assert_array_equal(hist.steps, np.arange(done))
    assert np.all(np.isfinite(hist.loss))
    expected_stats = np.arange(0, done, kwargs["record_every"]) if kwargs["record_stats"] else []
    np.testing.assert_array_equal(hist.stat_steps, expected_stats)
    assert set(hist.layer_stats) == set(STAT_KEYS)
    for key, value in hist.layer_stats.items():
        assert value.shape == (len(expected_stats), net.n_layers), key
    sat = hist.layer_stats["saturated"]
    assert np.all((sat >= 0) & (sat <= 1))
    params = net.get_params()
    assert [p.shape for p in params] == shapes
    assert all(p.dtype == np.dtype(cfg["dtype"]) and np.all(np.isfinite(p)) for p in params)


@given(cfg=_configs(), split=st.integers(0, 12))
@settings(max_examples=30, deadline=None)
def test_stepping_in_chunks_equals_one_run(cfg, split):
    steps, kwargs = cfg["steps"], cfg["kwargs"]
    split = min(split, steps)
    a, b = _net(cfg), _net(cfg)
    hist_a, _ = _run_quietly(lambda: train(a, cfg["x"], cfg["y"], steps=steps, **kwargs))
    trainer = Trainer(b, cfg["x"], cfg["y"], **kwargs)
    _run_quietly(lambda: (trainer.step(split), trainer.step(steps - split)))
    assert trainer.step_count == len(hist_a)
    assert trainer.diverged_at == hist_a.diverged_at
    np.testing.assert_array_equal(trainer.history.loss, hist_a.loss)
    for p, q in zip(a.get_params(), b.get_params(), strict=True):
        np.testing.assert_array_equal(p, q)


_BAD_VALUES = {
    # parameter: strategy of invalid values, and the error each raises
    "lr": [
        (st.floats(max_value=0.0, allow_nan=False), ValueError),
        (st.sampled_from([np.nan, np.inf, -np.inf]), ValueError),
        (st.sampled_from(["0.1", None, True, [0.1]]), TypeError),
    ],
    "momentum": [
        (st.floats(max_value=0.0, exclude_max=True, allow_nan=False), ValueError),
        (st.floats(min_value=1.0, allow_nan=False), ValueError),
        (st.sampled_from(["0.9", False, (0.9,)]), TypeError),
    ],
    "batch_size": [
        (st.integers(max_value=0), ValueError),
        (st.integers(min_value=21), ValueError),  # m = 20
        (st.sampled_from([2.0, "4", True]), TypeError),
    ],
    "record_every": [
        (st.integers(max_value=0), ValueError),
        (st.sampled_from([1.0, "2", None]), TypeError),
    ],
    "record_stats": [(st.sampled_from([1, 0, "yes", None]), TypeError)],
    "saturation_threshold": [
        (st.floats(max_value=0.0, allow_nan=False), ValueError),
        (st.floats(min_value=1.0, allow_nan=False), ValueError),
        (st.sampled_from(["0.05", None]), TypeError),
    ],
    "rng": [
        (st.integers(max_value=-1), ValueError),
        (st.sampled_from(["seed", 1.5, np.random.RandomState(0)]), TypeError),
    ],
    "steps": [
        (st.integers(max_value=-1), ValueError),
        (st.sampled_from([1.0, "3", None]), TypeError),
    ],
}


@st.composite
def _bad_argument(draw):
    name = draw(st.sampled_from(sorted(_BAD_VALUES)))
    strategy, exc = draw(st.sampled_from(_BAD_VALUES[name]))
    return name, draw(strategy), exc


@given(bad=_bad_argument(), use_train=st.booleans())
@settings(max_examples=80, deadline=None)
def test_each_invalid_parameter_raises_its_documented_error(bad, use_train):
    name, value, exc = bad
    x, y = _blobs(20)
    net = MLP([2, 3, 2], rng=0)
    before = net.get_params()
    kwargs = {name: value}
    with pytest.raises(exc, match=name):
        if use_train or name == "steps":
            train(net, x, y, **{"steps": 2, **kwargs})
        else:
            Trainer(net, x, y, **kwargs)
    for p, q in zip(before, net.get_params(), strict=True):  # nothing was trained
        np.testing.assert_array_equal(p, q)


@given(n=st.one_of(st.integers(max_value=-1), st.sampled_from([1.5, "2", None, True])))
@settings(max_examples=20, deadline=None)
def test_step_rejects_invalid_n(n):
    x, y = _blobs(20)
    trainer = Trainer(MLP([2, 3, 2], rng=0), x, y)
    with pytest.raises((TypeError, ValueError), match="n must be"):
        trainer.step(n)
    assert trainer.step_count == 0 and len(trainer.history) == 0


# --------------------------------------------------------------------------- reference loop
# The Trainer against the documented algorithm written out plainly: minibatch columns
# gathered from x, the whole update formed with new arrays, every entry checked, per-layer
# statistics from the public forward and backward passes. It proves that the fast step
# detects divergence on the same step, for the same reason, keeps the same parameters and
# records the same statistics.

_DERIV_GRID = np.linspace(-20.0, 20.0, 4001)


def _reference_run(net, x, y, *, steps, lr, batch_size=None, momentum=0.0, rng=None, **kw):
    record_stats, every = kw.get("record_stats", True), kw.get("record_every", 1)
    thr = kw.get("saturation_threshold", 0.05)
    gen, m = np.random.default_rng(rng), x.shape[1]
    y = np.asarray(y)
    vel = [np.zeros_like(p) for p in net.get_params()]
    losses, rows, order, pos = [], [], None, m
    for k in range(steps):
        if batch_size is None or batch_size >= m:
            xb, yb = x, y
        else:
            if pos >= m:
                order, pos = gen.permutation(m), 0
            idx = order[pos : pos + batch_size]
            pos += batch_size
            xb, yb = x[:, idx], y[..., idx]
        with np.errstate(all="ignore"):
            cache = net.forward(xb)
            grads = net.backward(cache, yb)
            params = net.get_params()
            g = [q for pair in zip(grads.dW, grads.db, strict=True) for q in pair]
            if momentum > 0.0:
                vel = [momentum * v - lr * gi for v, gi in zip(vel, g, strict=True)]
            else:
                vel = [-lr * gi for gi in g]
            new = [p + v for p, v in zip(params, vel, strict=True)]
        if not np.isfinite(grads.loss):
            return losses, rows, (k, "loss is not finite")
        if not all(np.isfinite(q).all() for q in g):
            return losses, rows, (k, "gradients are not finite")
        if not all(np.isfinite(p).all() for p in new):
            return losses, rows, (k, "updated parameters are not finite")
        losses.append(grads.loss)
        if record_stats and k % every == 0:
            rows.append(_reference_stats(net, cache, grads, vel[0::2], params[0::2], thr))
        net.set_params(new)
    return losses, rows, None


def _reference_stats(net, cache, grads, updates, weights, thr):
    row = {}
    with np.errstate(all="ignore"):
        for key, arrays in [("z", cache.z), ("a", cache.a[1:]), ("dz", grads.dz), ("dW", grads.dW)]:
            row[f"{key}_mean"] = [float(v.mean()) for v in arrays]
            row[f"{key}_std"] = [float(v.std()) for v in arrays]
        sat = []
        for g, z in zip(net.activations, cache.z, strict=False):
            ref = np.max(np.abs(g.derivative(_DERIV_GRID)))
            sat.append(float(np.mean(np.abs(g.derivative(z)) < thr * ref)))
        p = cache.output
        sat.append(0.0 if net.output == "linear" else float(np.mean(p * (1 - p) < thr / 4)))
        row["saturated"] = sat
        row["update_ratio"] = [
            float(u.std()) / float(w.std()) if w.std() > 0 else np.nan
            for u, w in zip(updates, weights, strict=True)
        ]
    return row


def _assert_same_as_reference(net, x, y, *, steps, **kwargs):
    ref = net.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = train(net, x, y, steps=steps, **kwargs)
    losses, rows, diverged = _reference_run(ref, x, y, steps=steps, **kwargs)
    tol = {"rtol": 1e-5, "atol": 1e-30} if net.dtype == np.float32 else {"rtol": 1e-10}
    if diverged is None:
        assert hist.diverged_at is None and not caught
    else:
        assert hist.diverged_at == diverged[0]
        assert [str(w.message) for w in caught] == [
            f"training diverged at step {diverged[0]}: {diverged[1]}"
        ]
    np.testing.assert_allclose(hist.loss, losses, **tol)
    for p, q in zip(net.get_params(), ref.get_params(), strict=True):  # last finite values
        np.testing.assert_allclose(p, q, **tol)
    stats = hist.layer_stats
    for key in STAT_KEYS:
        expected = np.array([r[key] for r in rows]).reshape(len(rows), net.n_layers)
        # Statistics are taken in float64 scaled by the largest entry (they never overflow):
        # a mean that cancels to rounding noise (e.g. a softmax layer's dz) may differ from the
        # reference's plain mean by rounding of the order of the spread, nothing more.
        atol = tol.get("atol", 0.0)
        if key.endswith("_mean"):
            spread = np.array([r[key[:-5] + "_std"] for r in rows])
            if np.isfinite(spread).all():
                atol = max(atol, 8 * np.finfo(net.dtype).eps * float(spread.max(initial=0.0)))
        np.testing.assert_allclose(stats[key], expected, **{**tol, "atol": atol}, err_msg=key)
    return hist, diverged


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_minibatch_training_matches_the_reference_loop(momentum):
    x, y = _blobs(90)
    net = MLP([2, 8, 6, 2], hidden=["tanh", "logistic"], rng=4)
    kwargs = {"lr": 0.3, "batch_size": 20, "momentum": momentum, "rng": 7, "record_every": 3}
    hist, diverged = _assert_same_as_reference(net, x, y, steps=14, **kwargs)
    assert diverged is None and len(hist.stat_steps) == 5


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_divergence_found_on_the_same_step_as_the_reference_loop(momentum):
    net, x, y = _diverging_setup()
    kwargs = {"lr": 10.0, "batch_size": 8, "momentum": momentum, "rng": 0}
    _, diverged = _assert_same_as_reference(net, x, y, steps=60, **kwargs)
    assert diverged is not None and diverged[0] > 0


def test_divergence_by_infinite_gradients_with_a_finite_loss():
    # float32: hidden activations of 3e38 times an output weight of 1e-38 give a finite
    # output, but dL/dW2 sums 20 products of about 0.2 * 3e38 and overflows.
    net = MLP.from_weights(
        [np.zeros((1, 1)), np.full((1, 1), 1e-38)],
        [np.full(1, 3e38), np.zeros(1)],
        hidden="relu",
        output="linear",
        dtype=np.float32,
    )
    x, y = np.ones((1, 20)), np.full((1, 20), -1.0)
    assert np.isfinite(net.loss(x, y))
    _, diverged = _assert_same_as_reference(net, x, y, steps=3, lr=0.1)
    assert diverged == (0, "gradients are not finite")


def test_divergence_by_an_update_that_overflows():
    # finite loss and gradients, but lr * gradient overflows float32
    net = MLP.from_weights([np.ones((1, 2))], hidden="identity", output="linear", dtype=np.float32)
    x, y = np.full((2, 4), 1e10), np.zeros((1, 4))
    _, diverged = _assert_same_as_reference(net, x, y, steps=3, lr=1e30)
    assert diverged == (0, "updated parameters are not finite")


@given(cfg=_configs())
@settings(max_examples=40, deadline=None)
def test_any_small_configuration_matches_the_reference_loop(cfg):
    _assert_same_as_reference(_net(cfg), cfg["x"], cfg["y"], steps=cfg["steps"], **cfg["kwargs"])


# squares overflow; sums with the largest floats overflow
_HUGE = {np.float32: [1e30, -1e25, 3.4e38, -3.4e38], np.float64: [1e200, -1e160, 1.7e308]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_fast_update_check_is_exact(dtype, data):
    # p finite (as the parameters always are), v anything: NaN, inf, huge, tiny
    width = 32 if dtype == np.float32 else 64
    huge = st.sampled_from(_HUGE[dtype])
    shape = data.draw(hnp.array_shapes(max_dims=2, max_side=5))
    finite = st.floats(width=width, allow_nan=False, allow_infinity=False)
    p = data.draw(hnp.arrays(dtype, shape, elements=finite | huge))
    v = data.draw(hnp.arrays(dtype, shape, elements=st.floats(width=width) | huge))
    with np.errstate(over="ignore", invalid="ignore"):
        assert _stays_finite(p, v) == bool(np.isfinite(p + v).all())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data(), lr=st.floats(1e-6, 1e30))
@settings(max_examples=150, deadline=None)
def test_small_update_rule_is_sound(dtype, data, lr):
    # The step skips the entry-by-entry check of an update -lr g when lr^2 sum(g^2) is at most
    # the largest float: then p - lr g is finite for every finite p, even the largest.
    width = 32 if dtype == np.float32 else 64
    huge = st.sampled_from(_HUGE[dtype])
    shape = data.draw(hnp.array_shapes(max_dims=2, max_side=5))
    finite = st.floats(width=width, allow_nan=False, allow_infinity=False)
    p = data.draw(hnp.arrays(dtype, shape, elements=finite | huge))
    g = data.draw(hnp.arrays(dtype, shape, elements=st.floats(width=width) | huge))
    with np.errstate(over="ignore", invalid="ignore"):
        s = _sum_of_squares(g)
        if not s < np.inf:  # then the step looks at the entries: it must have a reason to
            assert not np.isfinite(g).all() or np.max(np.abs(g)) ** 2 > np.finfo(dtype).max / g.size
        if lr * lr * s <= float(np.finfo(dtype).max):
            assert np.isfinite(g).all()
            assert np.isfinite(p + np.multiply(g, -lr)).all()


def test_gradients_are_turned_into_updates_in_place_and_recorded_stats_first():
    # The step overwrites the gradients with the updates: the recorded dW statistics must be
    # those of the gradient, the update ratio that of -lr g, as the reference loop has them.
    x, y = _blobs(60)
    net = MLP([2, 5, 2], rng=1, dtype=np.float32)
    ref = net.copy()
    hist = train(net, x, y, steps=3, lr=0.7)
    with np.errstate(all="ignore"):
        grads = ref.backward(ref.forward(x), y)
    dw = grads.dW[0].astype(np.float64)
    np.testing.assert_allclose(hist.layer_stats["dW_std"][0, 0], dw.std(), rtol=1e-6)
    ratio = np.multiply(grads.dW[0], -0.7).std() / ref.weights[0].std()
    np.testing.assert_allclose(hist.layer_stats["update_ratio"][0, 0], ratio, rtol=1e-5)
