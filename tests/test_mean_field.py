"""Mean-field signal propagation (course_utils.theory, notebook 08): fixed points, chi_1, the
correlation map and the critical line, against closed forms, direct roots and wide nets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from course_utils import activations, theory
from course_utils.experiments import deep_networks

SMOOTH = ["tanh", "logistic", "softsign", "selu"]


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("q", [1e-8, 1e-3, 0.3, 1.0, 4.0, 30.0, 1e3, 1e4])
def test_one_dimensional_rule_matches_gaussian_moments(name, q):
    act = activations.get(name)
    ref = theory.gaussian_moments(act, q)
    second = theory._expect_1d(act, np.array(q), "second")
    deriv = theory._expect_1d(act, np.array(q), "deriv")
    assert second == pytest.approx(ref["second"], rel=1e-10, abs=1e-300)
    assert deriv == pytest.approx(ref["deriv_sq"], rel=1e-10)


def _corr_reference(act, q, c, which):
    """E[f(u1) f(u2)] by adaptive scipy quadrature (slow, independent of our rules)."""
    f = act if which == "phi" else act.derivative
    s = np.sqrt(1 - c * c)

    def inner(z1):
        def g(t):
            return float(f(np.sqrt(q) * (c * z1 + s * t))) * np.exp(-t * t / 2)

        return integrate.quad(g, -9, 9, limit=200, epsabs=1e-13)[0] / np.sqrt(2 * np.pi)

    def outer(z1):
        return float(f(np.sqrt(q) * z1)) * inner(z1) * np.exp(-z1 * z1 / 2) / np.sqrt(2 * np.pi)

    return integrate.quad(outer, -9, 9, limit=200, epsabs=1e-12)[0]


@pytest.mark.parametrize(
    ("q", "c", "tol"), [(2.0, -0.8, 1e-9), (2.0, 0.5, 1e-9), (4.0, 0.95, 1e-7), (10.0, 0.0, 5e-6)]
)
def test_correlation_integral_accuracy_as_stated(q, c, tol):
    act = activations.get("tanh")
    for which in ("phi", "deriv"):
        got = theory._corr_expect(act, np.array(q), np.array(c), which)
        assert got == pytest.approx(_corr_reference(act, q, c, which), abs=tol)


def test_correlation_integral_at_c_one_is_the_one_dimensional_moment():
    act = activations.get("tanh")
    q = np.array([0.1, 1.0, 3.0])
    assert np.allclose(theory._corr_expect(act, q, 1.0, "phi"), theory._expect_1d(act, q, "second"))
    assert np.allclose(
        theory._corr_expect(act, q, 1.0, "deriv"), theory._expect_1d(act, q, "deriv")
    )


@pytest.mark.parametrize("name", ["relu", "identity", "leaky_relu"])
def test_piecewise_linear_closed_forms_match_sampling(name):
    act = activations.get(name)
    rng = np.random.default_rng(0)
    q, c = 2.0, 0.3
    z = rng.standard_normal((2, 400_000))
    u1 = np.sqrt(q) * z[0]
    u2 = np.sqrt(q) * (c * z[0] + np.sqrt(1 - c * c) * z[1])
    for which, f in (("phi", act), ("deriv", act.derivative)):
        sampled = np.mean(f(u1) * f(u2))
        assert theory._corr_expect(act, np.array(q), np.array(c), which) == pytest.approx(
            sampled, abs=0.01
        )


def test_relu_exact_values():
    assert theory.chi_1("relu", 2.0) == 1.0
    assert theory.chi_1("relu", 1.3, 0.2) == pytest.approx(0.65)
    assert theory.critical_weight_variance("relu") == 2.0
    assert theory.critical_weight_variance("identity") == 1.0
    assert theory.critical_weight_variance(activations.get("leaky_relu", slope=0.5)) == 1.6
    assert theory.length_fixed_point("relu", 1.0, 0.5) == pytest.approx(1.0)
    assert theory.length_fixed_point("relu", 3.0, 0.1) == np.inf
    assert np.isnan(theory.length_fixed_point("relu", 2.0))
    # the correlation map of ReLU: the arc-cosine kernel, c = 0 -> 1/pi at sigma_w^2 = 2
    assert theory.correlation_map("relu", 0.0, 1.0, 0.5) == pytest.approx(
        (1.0 / (2 * np.pi) + 0.5) / 1.0
    )


def test_no_critical_point_errors_say_so():
    with pytest.raises(ValueError, match="no critical point"):
        theory.critical_weight_variance("relu", 0.1)
    with pytest.raises(ValueError, match="no critical point"):
        theory.critical_weight_variance("identity", 0.01)


@pytest.mark.parametrize("sb", [0.0, 0.01, 0.05, 0.3, 1.0])
def test_critical_line_against_a_direct_root(sb):
    sw = theory.critical_weight_variance("tanh", sb)
    if sb == 0:
        assert sw == 1.0
        return

    def chi_minus_one(w):
        q = optimize.brentq(
            lambda q: (
                w
                * integrate.quad(
                    lambda z: np.tanh(np.sqrt(q) * z) ** 2 * np.exp(-z * z / 2), -12, 12
                )[0]
                / np.sqrt(2 * np.pi)
                + sb
                - q
            ),
            1e-12,
            w + sb + 1,
            xtol=1e-14,
        )
        d = integrate.quad(
            lambda z: (1 - np.tanh(np.sqrt(q) * z) ** 2) ** 2 * np.exp(-z * z / 2), -12, 12
        )[0] / np.sqrt(2 * np.pi)
        return w * d - 1

    root = optimize.brentq(chi_minus_one, 1.0 + 1e-9, 10.0, xtol=1e-12)
    assert sw == pytest.approx(root, rel=1e-8)
    assert theory.chi_1("tanh", sw, sb) == pytest.approx(1.0, abs=1e-9)


def test_critical_line_rises_with_bias_variance():
    values = [theory.critical_weight_variance("tanh", sb) for sb in (0.0, 0.05, 0.1, 0.3)]
    assert np.all(np.diff(values) > 0)


def test_tanh_without_bias_is_ordered_below_one_and_q_star_fades():
    mf = theory.mean_field("tanh", np.array([0.5, 0.9, 1.0]))
    assert np.array_equal(mf.q_star, [0.0, 0.0, 0.0])
    assert np.allclose(mf.chi_1, [0.5, 0.9, 1.0])
    assert np.allclose(mf.xi_c[:2], -1 / np.log([0.5, 0.9]))
    assert mf.xi_c[2] == np.inf
    # just above 1: q* ~ (sigma_w^2 - 1) / (2 sigma_w^2) from tanh(x)^2 = x^2 - 2x^4/3 + ...
    eps = 1e-4
    assert theory.length_fixed_point("tanh", 1 + eps) == pytest.approx(eps / 2, rel=2e-3)


def test_fixed_point_solves_the_length_map():
    for name, sw, sb in [("tanh", 2.5, 0.1), ("logistic", 4.0, 0.0), ("selu", 1.0, 0.0)]:
        q = theory.length_fixed_point(name, sw, sb)
        assert theory.length_map(name, q, sw, sb) == pytest.approx(q, rel=1e-10)


def test_chaotic_fixed_point_of_the_correlation_map():
    mf = theory.mean_field("tanh", 3.0, 0.05)
    assert 0 < mf.c_star < 1
    assert theory.correlation_map("tanh", mf.c_star, 3.0, 0.05) == pytest.approx(
        mf.c_star, abs=1e-9
    )
    assert mf.chi_c < 1 < mf.chi_1  # c* is stable, c = 1 is not
    assert mf.xi_c == pytest.approx(-1 / np.log(mf.chi_c))
    # odd activation without bias: c* = 0
    assert theory.mean_field("tanh", 3.0, 0.0).c_star == 0.0


def test_slope_of_the_correlation_map_is_chi_c():
    sw, sb, c, h = 2.5, 0.1, 0.4, 1e-5
    q = theory.length_fixed_point("tanh", sw, sb)
    slope = (
        theory.correlation_map("tanh", c + h, sw, sb)
        - theory.correlation_map("tanh", c - h, sw, sb)
    ) / (2 * h)
    act = activations.get("tanh")
    chi_c = sw * theory._corr_expect(act, np.array(q), np.array(c), "deriv")
    assert slope == pytest.approx(chi_c, rel=1e-6)


@pytest.mark.parametrize(("sw", "sb"), [(0.8, 0.05), (1.76, 0.05), (3.0, 0.05)])
def test_fixed_points_and_chi_1_against_wide_nets(sw, sb):
    mf = theory.mean_field("tanh", sw, sb)
    runs = [
        deep_networks.signal_propagation(
            "tanh", sw, sb, width=1000, depth=25, q0=1.0, c0=0.6, rng=seed
        )
        for seed in range(3)
    ]
    q = np.mean([r.q[-10:].mean() for r in runs])
    chi = np.mean([r.chi[-20:].mean() for r in runs])
    assert q == pytest.approx(mf.q_star, rel=0.05)
    assert chi == pytest.approx(mf.chi_1, rel=0.05)
    if mf.c_star < 1:
        c = np.mean([r.c[-10:].mean() for r in runs])
        # one net of width n estimates c with a spread of about 1 / sqrt(n) = 0.03
        assert c == pytest.approx(mf.c_star, abs=0.05)


def test_correlation_map_against_one_wide_layer():
    sw, sb = 2.5, 0.05
    q = theory.length_fixed_point("tanh", sw, sb)
    for c0 in (0.2, 0.8):
        gaps = []
        for seed in range(4):
            # layer 1 is linear in a_0 = x (chosen so that z_1 has mean square q*);
            # layer 2 applies the correlation map to layer 1's correlation
            run = deep_networks.signal_propagation(
                "tanh", sw, sb, width=3000, depth=2, q0=(q - sb) / sw, c0=c0, rng=seed
            )
            gaps.append(run.c[1] - theory.correlation_map("tanh", run.c[0], sw, sb))
        # each gap has a spread of about 1 / sqrt(width) ~ 0.02; the mean of 4 about 0.01
        assert abs(np.mean(gaps)) < 0.025


@pytest.mark.parametrize(("sw", "sb"), [(0.7, 0.15), (2.6, 0.15), (4.5, 0.28)])
def test_correlation_after_depth_follows_the_iterated_map(sw, sb):
    point = deep_networks.correlation_after_depth(
        "tanh", sw, sb, depth=12, width=1500, seeds=(0, 1, 2)
    )
    mf = theory.mean_field("tanh", sw, sb)
    assert (point.c_star, point.xi_c) == (mf.c_star, mf.xi_c)
    # layer 1 alone: the exact expectation of the correlation of two linear projections
    one = deep_networks.correlation_after_depth("tanh", sw, sb, depth=1, c0=0.3)
    assert one.theory == pytest.approx((sw * 0.3 * (mf.q_star - sb) / sw + sb) / mf.q_star)
    # three nets of width n: each correlation scatters by about 1 / sqrt(n) = 0.026
    assert point.measured == pytest.approx(point.theory, abs=0.06)
    assert 0.0 <= point.spread < 0.1


def test_correlation_after_depth_rejects_bad_input():
    with pytest.raises(ValueError, match="q\\* = 0"):
        deep_networks.correlation_after_depth("tanh", 0.5, 0.0, width=20)
    with pytest.raises(TypeError, match="seeds"):
        deep_networks.correlation_after_depth("tanh", 2.0, seeds=())
    with pytest.raises(TypeError, match="seeds\\[0\\]"):
        deep_networks.correlation_after_depth("tanh", 2.0, seeds=(1.5,))
    with pytest.raises(ValueError, match="depth"):
        deep_networks.correlation_after_depth("tanh", 2.0, depth=0)
    with pytest.raises(ValueError, match="c0"):
        deep_networks.correlation_after_depth("tanh", 2.0, c0=1.5)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="weight_variance"):
        theory.chi_1("tanh", 0.0)
    with pytest.raises(ValueError, match="bias_variance"):
        theory.mean_field("tanh", 1.0, -0.1)
    with pytest.raises(ValueError, match="broadcast"):
        theory.mean_field("tanh", np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="activation"):
        theory.chi_1(3, 1.0)
    with pytest.raises(ValueError, match="correlation"):
        theory.correlation_map("tanh", 1.5, 2.0, 0.1)
    with pytest.raises(ValueError, match="q\\*"):
        theory.correlation_map("tanh", 0.5, 0.5, 0.0)  # q* = 0
    with pytest.raises(ValueError, match="q must be"):
        theory.length_map("tanh", -1.0, 1.0)
    with pytest.raises(TypeError, match="bias_variance"):
        theory.critical_weight_variance("tanh", "0.1")
