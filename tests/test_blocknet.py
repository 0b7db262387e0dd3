"""Tests of course_utils.blocknet: gradient checks, modes, Trainer integration, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import blocknet, training
from course_utils.blocknet import BlockNet, Dense, Residual, gradient_check, plain_net, residual_net
from course_utils.experiments import modern


def _data(n_in: int = 4, m: int = 9, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_in, m)), rng.integers(0, k, m)


def _mixed_net(seed: int = 0) -> BlockNet:
    """Every kind of block and norm in one float64 network (smooth activations)."""
    rng = np.random.default_rng(seed)

    def w(n_out, n_in):
        return rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_out, n_in))

    blocks = [
        Dense(w(6, 4), "tanh", norm="batch"),
        Residual(w(5, 6), w(6, 5), "tanh", norm="layer", alpha=0.7, train_alpha=True),
        Residual(w(5, 6), w(6, 5), "softsign", norm="batch"),
        Residual(w(5, 6), w(6, 5), "tanh", alpha=0.5),
        Dense(w(6, 6), "logistic", norm="layer"),
        Dense(w(3, 6), None),
    ]
    net = BlockNet(blocks, "softmax")
    # move every vector parameter off its initial value, so each gradient is generic
    for v in net.biases:
        v += rng.normal(0.0, 0.2, v.shape)
    return net


@pytest.mark.parametrize("norm", blocknet.NORMS)
def test_gradient_check_dense_blocks(norm):
    x, y = _data()
    net = plain_net([4, 5, 5, 3], "tanh", norm=norm, init="xavier_normal", rng=1)
    for v in net.biases:
        v += 0.1
    errors = gradient_check(net, x, y)
    assert set(errors) == set(net.param_names)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("norm", blocknet.NORMS)
@pytest.mark.parametrize("train_alpha", [False, True])
def test_gradient_check_residual_blocks(norm, train_alpha):
    x, y = _data()
    net = residual_net(
        4, 6, 2, 3, hidden="tanh", norm=norm, alpha=0.6, train_alpha=train_alpha, rng=2
    )
    for v in net.biases:
        v += 0.1
    errors = gradient_check(net, x, y)
    assert ("block2.alpha" in errors) == train_alpha
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("output", ["softmax", "linear"])
def test_gradient_check_mixed_network_train_and_eval(output):
    net = _mixed_net()
    if output == "linear":
        net = BlockNet(net.blocks, "linear")
    x, labels = _data(m=11)
    y = labels if output == "softmax" else np.random.default_rng(3).standard_normal((3, 11))
    net._forward(x)  # one training pass, so the running averages are not the defaults
    for train in (True, False):
        errors = gradient_check(net, x, y, train=train)
        assert max(errors.values()) < 1e-6, (train, errors)


def test_gradient_check_leaves_running_statistics_unchanged_and_detects_errors():
    net = _mixed_net()
    x, y = _data()
    bn = net.blocks[0].norm
    before = bn.running_mean.copy(), bn.running_var.copy()
    params = net.get_params()
    gradient_check(net, x, y, max_entries=3)
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])
    for p, q in zip(params, net.get_params(), strict=True):
        np.testing.assert_array_equal(p, q)
    # a wrong backward pass is caught
    original = Residual._backward

    def wrong(self, dout, cache, input_grad=True):
        dx, dz, da, dw, dvec = original(self, dout, cache, input_grad)
        return dx, dz, da, [1.01 * dw[0], dw[1]], dvec

    Residual._backward = wrong
    try:
        errors = gradient_check(net, x, y)
    finally:
        Residual._backward = original
    assert errors["W2"] > 1e-3 and errors["W1"] < 1e-6


def test_input_gradient_matches_finite_differences():
    net = _mixed_net()
    x, labels = _data()
    y = net._prepare_y(labels, x.shape[1])
    da0 = net._backward(net._forward(x), y).da[0]
    num = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + 1e-6
        plus = net._fused.loss_and_grad(net._forward(x).z[-1], y)[0]
        x[idx] = orig - 1e-6
        minus = net._fused.loss_and_grad(net._forward(x).z[-1], y)[0]
        x[idx] = orig
        num[idx] = (plus - minus) / 2e-6
    assert np.max(np.abs(da0 - num)) / np.max(np.abs(num)) < 1e-6


def test_cache_layout_per_weight_layer():
    net = residual_net(4, 6, 2, 3, hidden="relu", norm="batch", rng=0)
    x, _ = _data(m=16)
    cache = net._forward(x)
    assert net.n_layers == 6 and len(cache.z) == 6 and len(cache.a) == 7
    assert net.sizes == [4, 6, 6, 6, 6, 6, 3]
    # second layer of block 2: z is the branch output, a the stream x + alpha F(x)
    np.testing.assert_allclose(cache.a[3], cache.a[1] + cache.z[2])
    np.testing.assert_allclose(cache.a[2], np.maximum(cache.z[1], 0.0))
    np.testing.assert_allclose(cache.output.sum(axis=0), 1.0)
    assert [g.name for g in net.activations] == ["relu", "relu", "identity", "relu", "identity"]


def test_batchnorm_net_is_scale_invariant_in_hidden_layers():
    x, y = _data(n_in=4, m=32)
    net = plain_net([4, 8, 8, 3], "relu", norm="batch", rng=4)
    yy = net._prepare_y(y, 32)
    g1 = net._backward(net._forward(x), yy)
    net.weights[1][...] *= 8.0
    g8 = net._backward(net._forward(x), yy)
    # equal up to the eps = 1e-5 added to the batch variance
    assert g8.loss == pytest.approx(g1.loss, rel=1e-4)
    np.testing.assert_allclose(g8.dW[1], g1.dW[1] / 8.0, rtol=1e-3, atol=1e-8)


def test_eval_mode_and_predictions():
    x, y = _data(m=20)
    net = plain_net([4, 8, 3], "tanh", norm="batch", rng=0)
    before = net.blocks[0].norm.running_mean.copy()
    out = net.forward(x).output  # eval mode by default: running averages untouched
    np.testing.assert_array_equal(net.blocks[0].norm.running_mean, before)
    np.testing.assert_allclose(out[:, :1], net.forward(x[:, :1]).output)
    net.forward(x, train=True)
    assert not np.array_equal(net.blocks[0].norm.running_mean, before)
    assert net.predict(x).shape == (20,)
    assert 0.0 <= net.accuracy(x, y) <= 1.0
    copy = net.copy()
    copy.weights[0][...] = 0.0
    assert not np.all(net.weights[0] == 0.0)


def test_trainer_trains_a_blocknet_and_records_its_layers():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)
    x = rng.standard_normal((2, 200)) + np.where(y == 1, 1.5, -1.5)
    net = residual_net(2, 8, 2, 2, hidden="relu", norm="batch", train_alpha=True, alpha=0.5, rng=1)
    initial = net.loss(x, y, train=True)
    hist = training.train(net, x, y, steps=60, lr=0.1, batch_size=50, momentum=0.9, rng=0)
    assert hist.diverged_at is None and len(hist) == 60
    assert net.loss(x, y) < 0.5 * initial
    assert net.accuracy(x, y) > 0.9
    stats = hist.layer_stats
    assert stats["z_std"].shape == (60, net.n_layers)
    # moved by training: BatchNorm's running averages, the trainable alphas
    assert not np.allclose(net.blocks[1].norm.running_var, 1.0)
    assert net.blocks[1].alpha[0, 0] != 0.5
    assert np.isfinite(stats["update_ratio"]).all()
    assert np.all(stats["saturated"][:, [2, 4]] == 0.0)  # identity layers never saturate


def test_trainer_step0_stats_of_a_batchnorm_net_are_standardized():
    x, y = _data(n_in=5, m=64)
    net = plain_net([5, 16, 16, 3], "tanh", norm="batch", weight_scale=8.0, rng=0)
    hist = training.train(net, x, y, steps=1, lr=0.01)
    np.testing.assert_allclose(hist.layer_stats["z_std"][0, :2], 1.0, atol=1e-3)


def test_batchnorm_with_minibatch_of_one_fails_clearly():
    x, y = _data(m=5)
    net = plain_net([4, 6, 3], "relu", norm="batch", rng=0)
    trainer = training.Trainer(net, x, y, batch_size=1, rng=0)
    with pytest.raises(ValueError, match="at least 2 examples"):
        trainer.step()


def test_fixup_and_rezero_start_as_identity_blocks():
    x = np.random.default_rng(0).standard_normal((6, 10))
    for rule in ("Fixup", "ReZero (α = 0)"):
        net = modern.residual_model(rule, 3, n_in=6, width=6, dtype=np.float64)
        cache = net._forward(x)
        for l in (3, 5, 7):  # noqa: E741 - the stream after each block equals the stem output
            np.testing.assert_array_equal(cache.a[l], cache.a[1])
    fixup = modern.residual_model("Fixup", 4, dtype=np.float64)
    assert np.all(fixup.weights[-1] == 0.0) and np.all(fixup.weights[2] == 0.0)
    he_std = math.sqrt(2 / 32)
    assert fixup.weights[1].std() == pytest.approx(he_std / 2, rel=0.05)  # 4 ** (-1/2)


@pytest.mark.parametrize("rule", list(modern.RULES))
def test_stream_second_moment_matches_theory(rule):
    q = modern.stream_second_moments(rule, 6, width=256, m=256, seed=3)
    theory = modern.stream_theory(rule, 6, q0=q[0])
    # a sampled wide network: a few per cent per block
    np.testing.assert_allclose(q, theory, rtol=0.25)
    if rule == "unscaled":
        assert q[6] / q[0] > 30  # about 2**6


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"blocks": "abc"}, TypeError, "blocks must be a list"),
        ({"blocks": []}, ValueError, "at least the output"),
        ({"blocks": [np.eye(3)]}, TypeError, r"blocks\[0\] must be a Dense"),
        ({"blocks": [Dense(np.eye(3), "tanh")]}, ValueError, "last block must be a Dense"),
        (
            {"blocks": [Dense(np.ones((3, 2)), "tanh"), Dense(np.ones((2, 4)))]},
            ValueError,
            "takes 4 inputs",
        ),
        (
            {"blocks": [Dense(np.ones((3, 2)), "tanh", dtype=np.float32), Dense(np.ones((2, 3)))]},
            ValueError,
            "same dtype",
        ),
        ({"blocks": [Dense(np.ones((3, 2)))], "output": "sigmoid"}, ValueError, "single output"),
    ],
)
def test_blocknet_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        BlockNet(**kwargs)


def test_block_and_builder_validation():
    with pytest.raises(ValueError, match="norm must be one of"):
        Dense(np.eye(2), "tanh", norm="group")
    with pytest.raises(TypeError, match="act must be"):
        Dense(np.eye(2), 3)
    with pytest.raises(ValueError, match="w2 must have shape"):
        Residual(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(TypeError, match="train_alpha must be a bool"):
        Residual(np.ones((3, 4)), np.ones((4, 3)), train_alpha=1)
    with pytest.raises(ValueError, match="weight_scale"):
        plain_net([2, 3, 2], weight_scale=0.0)
    with pytest.raises(ValueError, match="init: unknown initializer name"):
        plain_net([2, 3, 2], init="nope")
    with pytest.raises(ValueError, match="n_blocks"):
        residual_net(2, 4, -1, 2)
    with pytest.raises(TypeError, match="zero_last must be a bool"):
        residual_net(2, 4, 1, 2, zero_last="yes")
    net = plain_net([2, 3, 2], rng=0)
    with pytest.raises(ValueError, match=r"x must have shape \(2, m\)"):
        net.forward(np.ones((3, 4)))
    with pytest.raises(TypeError, match="train must be a bool"):
        net.forward(np.ones((2, 4)), train="yes")
    with pytest.raises(TypeError, match="cache must be a BlockCache"):
        net.backward(object(), [0])
    with pytest.raises(TypeError, match="model must be a BlockNet"):
        gradient_check(object(), np.ones((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="eps"):
        gradient_check(net, np.ones((2, 2)), [0, 1], eps=0.0)
    with pytest.raises(TypeError, match="model must be an MLP or a BlockNet"):
        training.Trainer(object(), np.ones((2, 2)), [0, 1])
