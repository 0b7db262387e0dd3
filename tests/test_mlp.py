"""Tests of course_utils.mlp: shapes, gradient checks, dtypes, construction and validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import activations
from course_utils.mlp import MLP, ForwardCache, Gradients, gradient_check

HIDDEN = ["identity", "tanh", "logistic", "relu", "leaky_relu", "softsign", "selu"]
OUTPUTS = ["softmax", "sigmoid", "linear"]


def _targets(output: str, k: int, m: int, rng: np.random.Generator) -> np.ndarray:
    if output == "softmax":
        return rng.integers(0, k, m)
    if output == "sigmoid":
        return rng.integers(0, 2, m)
    return rng.standard_normal((k, m))


def _random_biases(net: MLP, rng: np.random.Generator, scale: float = 0.5) -> None:
    """Non-zero biases: exercises db and keeps relu pre-activations away from exactly 0."""
    net.biases = [scale * rng.standard_normal(b.shape) for b in net.biases]


# --------------------------------------------------------------------------- structure


def test_shapes_and_attributes():
    net = MLP([4, 7, 5, 3], hidden=["relu", "tanh"], output="softmax", rng=0)
    assert net.sizes == [4, 7, 5, 3]
    assert net.n_layers == 3
    assert [w.shape for w in net.weights] == [(7, 4), (5, 7), (3, 5)]
    assert [b.shape for b in net.biases] == [(7, 1), (5, 1), (3, 1)]
    assert all(np.all(b == 0) for b in net.biases)
    assert [a.name for a in net.activations] == ["relu", "tanh"]
    assert net.output == "softmax"
    assert net.param_names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert net.n_params == 7 * 4 + 7 + 5 * 7 + 5 + 3 * 5 + 3

    x = np.random.default_rng(1).standard_normal((4, 6))
    cache = net.forward(x)
    assert isinstance(cache, ForwardCache)
    assert [z.shape for z in cache.z] == [(7, 6), (5, 6), (3, 6)]
    assert [a.shape for a in cache.a] == [(4, 6), (7, 6), (5, 6), (3, 6)]
    np.testing.assert_array_equal(cache.a[0], x)
    assert cache.output is cache.a[-1]
    np.testing.assert_allclose(cache.output.sum(axis=0), 1.0)
    np.testing.assert_allclose(cache.a[1], np.maximum(cache.z[0], 0))
    np.testing.assert_allclose(cache.z[1], net.weights[1] @ cache.a[1] + net.biases[1])

    grads = net.backward(cache, [0, 1, 2, 0, 1, 2])
    assert isinstance(grads, Gradients)
    assert [d.shape for d in grads.dz] == [(7, 6), (5, 6), (3, 6)]
    assert [d.shape for d in grads.da] == [(4, 6), (7, 6), (5, 6)]
    assert [d.shape for d in grads.dW] == [w.shape for w in net.weights]
    assert [d.shape for d in grads.db] == [b.shape for b in net.biases]
    assert grads.loss == pytest.approx(net.loss(x, [0, 1, 2, 0, 1, 2]))


def test_seeded_initialization_is_reproducible():
    a = MLP([3, 5, 2], rng=7)
    b = MLP([3, 5, 2], rng=np.random.default_rng(7))
    c = MLP([3, 5, 2], rng=8)
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.weights[0], c.weights[0])


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_check_all_activations_and_losses(hidden, output):
    rng = np.random.default_rng(10 * HIDDEN.index(hidden) + OUTPUTS.index(output))
    k = 1 if output == "sigmoid" else 3
    net = MLP([3, 5, 4, k], hidden=hidden, output=output, rng=rng)
    _random_biases(net, rng)
    x = rng.standard_normal((3, 6))
    y = _targets(output, k, 6, rng)
    errors = gradient_check(net, x, y)
    assert set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_four_layer_mixed_net():
    rng = np.random.default_rng(11)
    net = MLP(
        [5, 8, 7, 6, 4],
        hidden=["tanh", "selu", activations.get("leaky_relu", slope=0.2)],
        output="softmax",
        init="he_normal",
        rng=rng,
    )
    _random_biases(net, rng)
    assert net.n_layers == 4
    x = rng.standard_normal((5, 10))
    errors = gradient_check(net, x, rng.integers(0, 4, 10))
    assert len(errors) == 8
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_sampling_and_model_unchanged():
    rng = np.random.default_rng(12)
    net = MLP([20, 30, 3], hidden="tanh", rng=rng)
    _random_biases(net, rng)
    before = net.get_params()
    x = rng.standard_normal((20, 8))
    y = rng.integers(0, 3, 8)
    e1 = gradient_check(net, x, y, max_entries=25, rng=3)
    e2 = gradient_check(net, x, y, max_entries=25, rng=3)
    assert e1 == e2
    assert max(e1.values()) < 1e-6
    for p, q in zip(before, net.get_params(), strict=True):
        np.testing.assert_array_equal(p, q)


def test_gradient_check_detects_a_wrong_gradient():
    rng = np.random.default_rng(13)
    net = MLP([3, 4, 2], hidden="tanh", rng=rng)
    x = rng.standard_normal((3, 5))
    y = rng.integers(0, 2, 5)
    good = gradient_check(net, x, y)
    # Break the derivative of the hidden activation: backprop is now wrong.
    wrong = activations.Activation(
        "tanh", net.activations[0]._forward, lambda z: 0.5 * (1 - np.tanh(z) ** 2)
    )
    net.activations = [wrong]
    bad = gradient_check(net, x, y)
    assert max(good.values()) < 1e-6
    assert bad["W1"] > 1e-2 and bad["b1"] > 1e-2
    assert bad["W2"] < 1e-6  # the last layer does not depend on g'


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(14)
    net = MLP([3, 6, 2], hidden="softsign", output="softmax", rng=rng)
    x = rng.standard_normal((3, 4))
    y = rng.integers(0, 2, 4)
    da0 = net.backward(net.forward(x), y).da[0]
    eps = 1e-6
    num = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num[idx] = (net.loss(xp, y) - net.loss(xm, y)) / (2 * eps)
    np.testing.assert_allclose(da0, num, rtol=1e-6, atol=1e-10)


# --------------------------------------------------------------------------- dtype


def test_float32_is_kept_throughout():
    rng = np.random.default_rng(15)
    net = MLP([4, 6, 5, 3], hidden=["tanh", "relu"], dtype=np.float32, rng=rng)
    assert net.dtype == np.float32
    assert all(w.dtype == np.float32 for w in net.weights + net.biases)
    x = rng.standard_normal((4, 7))  # float64 input is cast to the model dtype
    cache = net.forward(x)
    assert all(a.dtype == np.float32 for a in cache.a + cache.z)
    grads = net.backward(cache, rng.integers(0, 3, 7))
    assert all(g.dtype == np.float32 for g in grads.dz + grads.da + grads.dW + grads.db)
    assert isinstance(grads.loss, float)
    # float32 and float64 networks with the same weights agree to float32 precision
    net64 = MLP.from_weights(net.weights, net.biases, hidden=["tanh", "relu"], dtype=np.float64)
    np.testing.assert_allclose(net64.forward(x).output, cache.output, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- construction


def test_from_weights_deep_linear_network():
    n_layers = 10
    net = MLP.from_weights([1.5 * np.eye(4)] * n_layers, hidden="identity", output="linear")
    assert net.sizes == [4] * (n_layers + 1)
    x = np.arange(8.0).reshape(4, 2)
    np.testing.assert_allclose(net.forward(x).output, 1.5**n_layers * x)
    # weights are copied
    w = np.eye(2)
    net2 = MLP.from_weights([w], [np.ones(2)], hidden=[], output="linear")
    w[0, 0] = 5.0
    assert net2.weights[0][0, 0] == 1.0
    np.testing.assert_array_equal(net2.biases[0], np.ones((2, 1)))


def test_from_weights_validation():
    with pytest.raises(ValueError, match="weights\\[1\\]"):
        MLP.from_weights([np.ones((3, 2)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="biases"):
        MLP.from_weights([np.ones((3, 2))], [np.ones((3, 1))] * 2)
    with pytest.raises(ValueError, match="biases\\[0\\]"):
        MLP.from_weights([np.ones((3, 2))], [np.ones((2, 1))])
    with pytest.raises(TypeError, match="weights"):
        MLP.from_weights(np.ones((3, 2)))


def test_named_init_with_kwargs_and_callables():
    net = MLP([3, 4, 2], init="constant", init_kwargs={"value": 0.25})
    assert all(np.all(w == 0.25) for w in net.weights)
    rng = np.random.default_rng(0)
    big = MLP([400, 400, 2], init="xavier_normal", init_kwargs={"gain": 3.0}, rng=rng)
    std = big.weights[0].std()
    assert std == pytest.approx(3.0 * np.sqrt(2.0 / 800), rel=0.02)

    calls = []

    def ones(shape, rng):
        calls.append(shape)
        return np.ones(shape)

    net = MLP([3, 4, 2], init=[ones, lambda s, r: 2 * np.ones(s)])
    assert calls == [(4, 3)]
    assert np.all(net.weights[0] == 1) and np.all(net.weights[1] == 2)
    net = MLP([3, 4, 2], init=ones, dtype="float32")
    assert net.weights[1].dtype == np.float32


def test_predict_accuracy_copy_and_params():
    net = MLP.from_weights([np.array([[1.0, 0.0], [0.0, 1.0]])], hidden=[], output="softmax")
    x = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 5.0]])
    np.testing.assert_array_equal(net.predict(x), [0, 1, 1])
    assert net.accuracy(x, [0, 1, 0]) == pytest.approx(2 / 3)
    assert net.accuracy(x, np.eye(2)[:, [0, 1, 1]]) == 1.0
    sig = MLP.from_weights([np.array([[1.0, -1.0]])], hidden=[], output="sigmoid")
    np.testing.assert_array_equal(sig.predict(x), [1, 0, 0])
    assert sig.accuracy(x, [1, 0, 1]) == pytest.approx(2 / 3)
    lin = MLP.from_weights([np.eye(2)], hidden=[], output="linear")
    np.testing.assert_array_equal(lin.predict(x), x)

    clone = net.copy()
    clone.weights[0][0, 0] = 42.0
    assert net.weights[0][0, 0] == 1.0
    params = net.get_params()
    params[0][0, 0] = -1.0
    assert net.weights[0][0, 0] == 1.0
    net.set_params(params)
    assert net.weights[0][0, 0] == -1.0
    with pytest.raises(ValueError, match="params"):
        net.set_params(params[:1])
    with pytest.raises(ValueError, match="W1"):
        net.set_params([np.ones((3, 3)), params[1]])
    with pytest.raises(ValueError, match="output"):
        lin.accuracy(x, x)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"sizes": [3]}, ValueError, "sizes"),
        ({"sizes": [3, 0, 2]}, ValueError, "sizes\\[1\\]"),
        ({"sizes": [3, 2.5]}, TypeError, "sizes\\[1\\]"),
        ({"sizes": "32"}, TypeError, "sizes"),
        ({"sizes": [3, 4, 2], "hidden": ["tanh", "relu"]}, ValueError, "hidden"),
        ({"sizes": [3, 4, 2], "hidden": "bogus"}, ValueError, "hidden"),
        ({"sizes": [3, 4, 2], "hidden": 3}, TypeError, "hidden"),
        ({"sizes": [3, 4, 2], "output": "tanh"}, ValueError, "output"),
        ({"sizes": [3, 4, 2], "output": "sigmoid"}, ValueError, "sizes\\[-1\\]"),
        ({"sizes": [3, 4, 2], "init": "bogus"}, ValueError, "init"),
        ({"sizes": [3, 4, 2], "init": [lambda s, r: np.ones(s)]}, ValueError, "init"),
        ({"sizes": [3, 4, 2], "init": 3}, TypeError, "init"),
        ({"sizes": [3, 4, 2], "init": lambda s, r: np.ones((2, 2))}, ValueError, "init"),
        ({"sizes": [3, 4, 2], "init_kwargs": {"nope": 1}}, TypeError, "init_kwargs"),
        ({"sizes": [3, 4, 2], "init_kwargs": [1]}, TypeError, "init_kwargs"),
        ({"sizes": [3, 4, 2], "dtype": np.int32}, ValueError, "dtype"),
        ({"sizes": [3, 4, 2], "rng": -1}, ValueError, "rng"),
    ],
)
def test_constructor_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(**kwargs)


def test_forward_backward_validation():
    net = MLP([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match="x"):
        net.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="x"):
        net.forward(np.ones(3))
    with pytest.raises(ValueError, match="x"):
        net.forward(np.array([[np.nan], [0.0], [0.0]]))
    with pytest.raises(TypeError, match="x"):
        net.forward("abc")
    cache = net.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="y"):
        net.backward(cache, [0, 2])
    with pytest.raises(ValueError, match="y"):
        net.backward(cache, [0, 1, 1])
    with pytest.raises(TypeError, match="cache"):
        net.backward((1, 2), [0, 1])
    with pytest.raises(ValueError, match="eps"):
        gradient_check(net, np.ones((3, 2)), [0, 1], eps=0.0)
    with pytest.raises(ValueError, match="max_entries"):
        gradient_check(net, np.ones((3, 2)), [0, 1], max_entries=0)
    with pytest.raises(TypeError, match="model"):
        gradient_check("net", np.ones((3, 2)), [0, 1])


# --------------------------------------------------------------------------- property


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    hidden=st.sampled_from(HIDDEN),
    output=st.sampled_from(OUTPUTS),
    m=st.integers(1, 5),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_architectures_forward_backward(widths, hidden, output, m, dtype, seed):
    if output == "sigmoid":
        widths = [*widths[:-1], 1]
    rng = np.random.default_rng(seed)
    net = MLP(widths, hidden=hidden, output=output, rng=rng, dtype=dtype)
    x = rng.standard_normal((widths[0], m))
    cache = net.forward(x)
    grads = net.backward(cache, _targets(output, widths[-1], m, rng))
    n = len(widths) - 1
    assert len(cache.z) == n and len(cache.a) == n + 1
    assert len(grads.dW) == len(grads.db) == len(grads.dz) == len(grads.da) == n
    for layer in range(n):
        assert cache.z[layer].shape == (widths[layer + 1], m)
        assert grads.da[layer].shape == (widths[layer], m)
        assert grads.dW[layer].shape == (widths[layer + 1], widths[layer])
        assert grads.db[layer].shape == (widths[layer + 1], 1)
    arrays = cache.z + cache.a + grads.dz + grads.da + grads.dW + grads.db
    assert all(a.dtype == dtype and np.all(np.isfinite(a)) for a in arrays)
    assert np.isfinite(grads.loss)
