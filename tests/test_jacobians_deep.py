"""End-to-end Jacobians of deep nets and their spectra (course_utils.jacobians, notebook 08)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import initializers, jacobians, theory
from course_utils.experiments import deep_networks


def test_orthogonal_products_are_exact_isometries():
    weights, _ = deep_networks.random_net([64] * 101, 1.0, kind="orthogonal", rng=0)
    sv = jacobians.end_to_end_singular_values(weights, depths=[1, 10, 50, 100])
    for values in sv.values():
        assert np.max(np.abs(values - 1.0)) < 1e-10


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    weights, biases = deep_networks.random_net([6, 5, 7, 4], 1.7, 0.1, rng=rng)
    x = rng.standard_normal(6)
    jac = jacobians.end_to_end_jacobian(weights, x, "tanh", biases=biases)

    def f(v):
        a = v
        for w, b in zip(weights, biases, strict=True):
            a = np.tanh(w @ a + b)
        return a

    h = 1e-6
    fd = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(6)], axis=1)
    assert jac.shape == (4, 6)
    assert np.allclose(jac, fd, atol=1e-8)


def test_linear_jacobian_is_the_product():
    rng = np.random.default_rng(2)
    ws = [rng.standard_normal((3, 3)) for _ in range(4)]
    assert np.allclose(jacobians.end_to_end_jacobian(ws), ws[3] @ ws[2] @ ws[1] @ ws[0])


@pytest.mark.parametrize("depth", [1, 3])
def test_gaussian_product_moments_against_sampling(depth):
    n, trials = 20, 4000
    exact = jacobians.gaussian_product_spectrum_moments(n, depth)
    rng = np.random.default_rng(depth)
    means, variances = [], []
    for _ in range(trials):
        j = np.eye(n)
        for _ in range(depth):
            j = rng.normal(0, n**-0.5, (n, n)) @ j
        lam = np.linalg.eigvalsh(j @ j.T)
        means.append(lam.mean())
        variances.append(lam.var())
    se_mean = np.std(means) / np.sqrt(trials)
    se_var = np.std(variances) / np.sqrt(trials)
    assert abs(np.mean(means) - exact["mean"]) < 4 * se_mean
    assert abs(np.mean(variances) - exact["variance"]) < 4 * se_var


def test_gaussian_product_variance_grows_like_depth_for_large_width():
    for depth in (1, 10, 50):
        exact = jacobians.gaussian_product_spectrum_moments(10**7, depth)
        assert exact["variance"] == pytest.approx(depth, rel=1e-4)
        assert exact["mean_square"] == pytest.approx(depth + 1, rel=1e-4)
    # One N(0, 1/n) matrix: E[mean lambda^2] = 2 + 1/n, E[(mean lambda)^2] = 1 + 2/n^2.
    n = 100
    expected = 1 + 1 / n - 2 / n**2
    assert jacobians.gaussian_product_spectrum_moments(n, 1)["variance"] == pytest.approx(expected)


def test_chain_spectrum_mean_one_and_variance_about_depth():
    run = deep_networks.chain_spectrum(300, 10, "gaussian", n_chains=4, rng=0)
    assert np.mean(run.mean[:, -1]) == pytest.approx(1.0, abs=0.15)
    exact = jacobians.gaussian_product_spectrum_moments(300, 10)["variance"]
    assert np.mean(run.variance[:, -1]) == pytest.approx(exact, rel=0.25)
    ortho = deep_networks.chain_spectrum(50, 20, "orthogonal", keep=(20,), rng=0)
    assert np.allclose(ortho.variance, 0.0, atol=1e-12)
    assert np.allclose(ortho.singular_values[20], 1.0, atol=1e-10)


def test_critical_spectrum_variance_special_cases():
    assert jacobians.critical_spectrum_variance("relu", 0.0, 10, "gaussian") == pytest.approx(20)
    assert jacobians.critical_spectrum_variance("relu", 0.0, 10, "orthogonal") == pytest.approx(10)
    assert jacobians.critical_spectrum_variance("tanh", 0.0, 10, "orthogonal") == pytest.approx(0)
    assert jacobians.critical_spectrum_variance("tanh", 0.0, 10, "gaussian") == pytest.approx(10)
    small = jacobians.critical_spectrum_variance("tanh", 1e-4, 10, "orthogonal")
    large = jacobians.critical_spectrum_variance("tanh", 0.3, 10, "orthogonal")
    assert 0 < small < large


@pytest.mark.parametrize("kind", ["gaussian", "orthogonal"])
def test_critical_spectrum_variance_against_wide_tanh_nets(kind):
    sb, depth, n = 0.05, 8, 400
    sw = theory.critical_weight_variance("tanh", sb)
    q = theory.length_fixed_point("tanh", sw, sb)
    variances = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        weights, biases = deep_networks.random_net([n] * (depth + 1), sw, sb, kind, rng=rng)
        x = np.tanh(rng.normal(0, np.sqrt(q), n))
        sv = jacobians.end_to_end_singular_values(weights, x, "tanh", biases=biases)[depth]
        variances.append(np.var(sv**2))
    predicted = jacobians.critical_spectrum_variance("tanh", sb, depth, kind)
    # finite width adds O(depth^2 / n) for Gaussian weights; 4 nets average the noise
    assert np.mean(variances) == pytest.approx(predicted, rel=0.3)


def test_bad_input_gets_clear_errors():
    with pytest.raises(TypeError, match="weights"):
        jacobians.end_to_end_jacobian(np.eye(3))
    with pytest.raises(ValueError, match="chain"):
        jacobians.end_to_end_jacobian([np.eye(3), np.eye(4)])
    with pytest.raises(ValueError, match="x"):
        jacobians.end_to_end_jacobian([np.eye(3)], None, "tanh")
    with pytest.raises(ValueError, match="x must have 3"):
        jacobians.end_to_end_jacobian([np.eye(3)], np.ones(4), "tanh")
    with pytest.raises(ValueError, match="biases"):
        jacobians.end_to_end_jacobian([np.eye(3)], np.ones(3), "tanh", biases=[np.ones(2)])
    with pytest.raises(ValueError, match="depths"):
        jacobians.end_to_end_singular_values([np.eye(3)], depths=[2])
    with pytest.raises(ValueError, match="weights must be"):
        jacobians.critical_spectrum_variance("tanh", 0.0, 3, "uniform")
    with pytest.raises(ValueError, match="n must be"):
        jacobians.gaussian_product_spectrum_moments(0, 3)
    with pytest.raises(ValueError, match="kind"):
        deep_networks.random_net([3, 3], 1.0, kind="xavier")
    with pytest.raises(ValueError, match="weight_variance"):
        deep_networks.random_net([3, 3], -1.0)


def test_random_net_variances():
    weights, biases = deep_networks.random_net([300, 200, 400], 2.0, 0.3, "orthogonal", rng=0)
    for w in weights:
        assert w.shape[1] * np.mean(w**2) == pytest.approx(2.0, rel=1e-10)
    gauss, _ = deep_networks.random_net([300, 200], 2.0, rng=0)
    assert 300 * np.mean(gauss[0] ** 2) == pytest.approx(2.0, rel=0.02)
    assert np.var(np.concatenate(biases)) == pytest.approx(0.3, rel=0.2)
    w = initializers.orthogonal((5, 5), rng=0)
    assert np.allclose(w @ w.T, np.eye(5))
