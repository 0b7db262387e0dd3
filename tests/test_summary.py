"""Numerical gains, fixed points, deep propagation and the summary table (notebook 06)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import activations, initializers, summary, theory

# --------------------------------------------------------------------------------------
# variance_map, numerical_gain, fixed_point
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("identity", 1.0), ("relu", math.sqrt(2.0)), ("selu", 1.0)],
)
def test_numerical_gain_matches_known_values(name, expected):
    # SELU's constants are chosen so that E[selu(z)^2] = 1 for z ~ N(0, 1)
    assert summary.numerical_gain(name) == pytest.approx(expected, rel=1e-4)


@given(slope=st.floats(0.0, 1.0), q=st.floats(0.01, 100.0))
@settings(max_examples=30, deadline=None)
def test_numerical_gain_of_leaky_relu_is_pytorch_gain_for_any_q(slope, q):
    act = activations.get("leaky_relu", slope=slope)
    expected = initializers.calculate_gain("leaky_relu", slope)
    assert summary.numerical_gain(act, q) == pytest.approx(expected, rel=1e-10)


def test_numerical_gain_matches_monte_carlo_second_moment():
    z = np.random.default_rng(0).standard_normal(400_000)
    for name in ("tanh", "logistic", "softsign"):
        g = activations.get(name)
        mc = 1.0 / math.sqrt(np.mean(g(z) ** 2))
        assert summary.numerical_gain(name) == pytest.approx(mc, rel=3e-3)


def test_numerical_gain_makes_q_a_fixed_point():
    for name in ("tanh", "logistic", "selu", "softsign"):
        for q in (0.1, 1.0, 5.0):
            gain = summary.numerical_gain(name, q)
            assert summary.variance_map(name, gain, q) == pytest.approx(q, rel=1e-12)


def test_tanh_and_logistic_gains_are_known_numbers():
    # 1 / sqrt(E[tanh(z)^2]) and 1 / sqrt(E[sigmoid(z)^2]) for z ~ N(0, 1)
    assert summary.numerical_gain("tanh") == pytest.approx(1.592537, abs=1e-6)
    assert summary.numerical_gain("logistic") == pytest.approx(1.846229, abs=1e-6)


def test_variance_map_is_gain_squared_times_second_moment():
    q = np.array([0.5, 1.0, 2.0])
    out = summary.variance_map("relu", 2.0, q)
    np.testing.assert_allclose(out, 4.0 * q / 2.0)
    assert summary.variance_map("identity", 3.0, 1.0) == pytest.approx(9.0)
    # the logistic mean alone contributes gain^2 / 4
    assert summary.variance_map("logistic", 4.0, 1e-12) == pytest.approx(4.0, rel=1e-9)


def test_fixed_points():
    assert summary.fixed_point("tanh", 5 / 3) == pytest.approx(1.178480, abs=1e-5)
    q = summary.fixed_point("logistic", 4.0)
    assert q == pytest.approx(5.855404, abs=1e-5)
    assert q == pytest.approx(summary.variance_map("logistic", 4.0, q), rel=1e-9)
    assert summary.fixed_point("logistic", 1.0) == pytest.approx(0.264687, abs=1e-5)
    # linear maps: He keeps any q; a gain above sqrt(2) explodes, below collapses
    assert summary.fixed_point("relu", math.sqrt(2.0), q0=3.0) == pytest.approx(3.0)
    assert summary.fixed_point("relu", 2.0) == math.inf
    assert summary.fixed_point("relu", 1.0) == 0.0


def test_fixed_point_reports_slow_drift():
    with pytest.raises(ValueError, match="max_iter"):
        summary.fixed_point("tanh", 1.0, max_iter=50)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"gain": 0.0}, ValueError, "gain"),
        ({"gain": "2"}, TypeError, "gain"),
        ({"q0": -1.0}, ValueError, "q0"),
        ({"rtol": 0.0}, ValueError, "rtol"),
        ({"max_iter": 0}, ValueError, "max_iter"),
    ],
)
def test_fixed_point_validates(kwargs, exc, match):
    args = {"gain": 1.5, **kwargs}
    with pytest.raises(exc, match=match):
        summary.fixed_point("tanh", **args)


def test_gain_functions_validate():
    with pytest.raises(ValueError, match="q"):
        summary.numerical_gain("tanh", 0.0)
    with pytest.raises(TypeError, match="activation"):
        summary.numerical_gain(3)
    with pytest.raises(ValueError, match="unknown activation"):
        summary.numerical_gain("mish")
    with pytest.raises(ValueError, match="gain"):
        summary.variance_map("tanh", -1.0, 1.0)
    with pytest.raises(ValueError, match="q"):
        summary.variance_map("tanh", 1.0, -1.0)


# --------------------------------------------------------------------------------------
# propagate
# --------------------------------------------------------------------------------------


def test_propagate_shapes_determinism_and_first_layer():
    z = summary.propagate("tanh", "xavier_normal", depth=4, width=16, m=8, rng=1, gain=5 / 3)
    assert z.shape == (4, 16, 8)
    assert z.dtype == np.float64
    again = summary.propagate("tanh", "xavier_normal", depth=4, width=16, m=8, rng=1, gain=5 / 3)
    np.testing.assert_array_equal(z, again)
    gen = np.random.default_rng(1)
    np.testing.assert_array_equal(z[0], gen.normal(0.0, 1.0, (16, 8)))
    w = initializers.xavier_normal((16, 16), gain=5 / 3, rng=gen)
    np.testing.assert_allclose(z[1], w @ np.tanh(z[0]))
    z32 = summary.propagate("relu", "he_normal", depth=3, width=8, m=4, rng=0, dtype=np.float32)
    assert z32.dtype == np.float32


def test_propagate_input_distribution():
    z = summary.propagate(
        "identity", "lecun_normal", depth=1, width=200, m=500, input_var=4.0, input_mean=1.0, rng=0
    )
    assert z.shape == (1, 200, 500)
    assert abs(z.mean() - 1.0) < 0.02
    assert abs(z.var() - 4.0) < 0.08


def test_propagate_matches_mean_field_prediction():
    # average over a few stacks: Var(z_l) follows the recurrence q <- gain^2 E[g(z)^2]
    depth, width = 8, 256
    runs = [
        summary.propagate("tanh", "xavier_normal", depth=depth, width=width, m=64, rng=s, gain=1.0)
        for s in range(4)
    ]
    measured = np.mean([np.mean(z**2, axis=(1, 2)) for z in runs], axis=0)
    q = [1.0]
    for _ in range(depth - 1):
        q.append(float(summary.variance_map("tanh", 1.0, q[-1])))
    np.testing.assert_allclose(measured, q, rtol=0.06)


def test_propagate_exploding_stack_gives_no_warning():
    z = summary.propagate("identity", "normal", depth=200, width=8, m=2, rng=0, std=30.0)
    assert not np.all(np.isfinite(z[-1]))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"depth": 0}, ValueError, "depth"),
        ({"width": 2.5}, TypeError, "width"),
        ({"m": 0}, ValueError, "m"),
        ({"input_var": -1.0}, ValueError, "input_var"),
        ({"input_mean": float("nan")}, ValueError, "input_mean"),
        ({"dtype": np.int32}, ValueError, "dtype"),
        ({"rng": -1}, ValueError, "rng"),
    ],
)
def test_propagate_validates(kwargs, exc, match):
    args = {"depth": 3, "width": 4, "m": 2, "rng": 0, **kwargs}
    with pytest.raises(exc, match=match):
        summary.propagate("tanh", "lecun_normal", **args)


def test_propagate_validates_init():
    with pytest.raises(ValueError, match="init: unknown initializer name"):
        summary.propagate("tanh", "glorot", depth=2, width=4, m=2)
    with pytest.raises(TypeError, match="init"):
        summary.propagate("tanh", None, depth=2, width=4, m=2)


# --------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------


def test_standard_rules_cover_the_activations():
    rules = summary.standard_rules()
    labels = {r.label for r in rules}
    assert {"tanh", "logistic", "relu", "leaky_relu(0.01)", "selu", "identity"} <= labels


def _rule(rules, activation, source_fragment):
    (rule,) = [r for r in rules if r.activation == activation and source_fragment in r.source]
    return rule


def test_rule_gains_match_pytorch_and_theory():
    rules = summary.standard_rules()
    gain = initializers.calculate_gain
    assert _rule(rules, "tanh", "calculate_gain").gain() == pytest.approx(gain("tanh"))
    assert _rule(rules, "logistic", "sigmoid").gain() == pytest.approx(gain("sigmoid"))
    assert _rule(rules, "logistic", "Taylor").gain() == pytest.approx(4.0)
    assert _rule(rules, "logistic", "fixed point").gain() == pytest.approx(
        summary.numerical_gain("logistic")
    )
    assert _rule(rules, "relu", "He").gain() == pytest.approx(gain("relu"))
    assert _rule(rules, "leaky_relu", "He").gain() == pytest.approx(gain("leaky_relu", 0.01))
    assert _rule(rules, "selu", "Klambauer").gain() == pytest.approx(1.0)
    assert _rule(rules, "selu", "calculate_gain").gain() == pytest.approx(gain("selu"))


@pytest.mark.parametrize("n", [1, 64, 256, 1000])
def test_bounds_and_stds_follow_gain_over_sqrt_n(n):
    for rule in summary.standard_rules():
        g = rule.gain()
        assert rule.uniform_bound(n) == pytest.approx(g * math.sqrt(3.0 / n))
        assert rule.normal_std(n) == pytest.approx(g / math.sqrt(n))
        assert rule.weight_variance(n) == pytest.approx(g**2 / n)


def test_bounds_and_stds_match_sampled_weights():
    n = 256
    for i, rule in enumerate(summary.standard_rules()):
        u = initializers.get(rule.initializer_name("uniform"))((n, n), **rule.init_kw, rng=i)
        w = initializers.get(rule.initializer_name("normal"))((n, n), **rule.init_kw, rng=i)
        bound = rule.uniform_bound(n)
        assert np.max(np.abs(u)) <= bound
        assert np.max(np.abs(u)) > 0.999 * bound
        assert np.std(w) == pytest.approx(rule.normal_std(n), rel=0.01)


def _evaluate(expr: str, n: int) -> float:
    """Evaluate a symbolic table entry such as ``(5/3)·√(3/n)`` for a given ``n``."""
    py = expr.replace("√(", "math.sqrt(")
    py = re.sub(r"√(\w+)", r"math.sqrt(\1)", py)
    py = re.sub(r"\bn\b", str(n), py)
    py = py.replace("·", "*").replace("²", "**2")
    return eval(py, {"math": math})


def test_symbolic_formulas_evaluate_to_the_numbers():
    n = 7
    for rule in summary.standard_rules():
        if rule.source.startswith("fixed point"):
            continue  # its gain symbol is a rounded number
        assert _evaluate(rule.symbolic_bound(), n) == pytest.approx(rule.uniform_bound(n))
        assert _evaluate(rule.symbolic_std(), n) == pytest.approx(rule.normal_std(n))


def test_rule_text_and_validation():
    rule = summary.Rule("leaky_relu", "he", "test", "g", {"negative_slope": 0.2}, {"slope": 0.2})
    assert rule.label == "leaky_relu(0.2)"
    assert rule.call == "he_*(negative_slope=0.2)"
    assert rule.initializer_name("uniform") == "he_uniform"
    assert rule.symbolic_bound() == "g·√(3/n)"
    assert summary.Rule("tanh", "xavier", "s", "5/3").symbolic_std() == "(5/3)/√n"
    with pytest.raises(ValueError, match="family"):
        summary.Rule("tanh", "glorot", "s", "1")
    with pytest.raises(ValueError, match="unknown activation"):
        summary.Rule("mish", "xavier", "s", "1")
    with pytest.raises(ValueError, match="distribution"):
        rule.initializer_name("gaussian")
    with pytest.raises(ValueError, match="n"):
        rule.uniform_bound(0)


# --------------------------------------------------------------------------------------
# The summary table
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table():
    return summary.summary_table(n=128, depth=12, m=16, trials=4, rng=0)


def test_table_verdicts(table):
    verdict = {(r.rule.label, r.rule.source): r.preserved for r in table.rows}
    assert verdict[("identity", "calculate_gain('linear')")]
    assert not verdict[("tanh", "Glorot & Bengio (2010)")]
    assert not verdict[("logistic", "Taylor: 1/σ'(0) = 4")]
    assert not verdict[("relu", "Xavier, gain 1")]
    assert verdict[("relu", "He et al. (2015)")]
    failing = {(r.rule.label, r.rule.source): r.failing for r in table.rows}
    # forward kept, backward not: gradients grow (tanh 5/3) or collapse (logistic 1.846)
    assert failing[("tanh", "calculate_gain('tanh')")] == ("backward",)
    assert failing[("logistic", "fixed point 1/√E[σ(z)²]")] == ("backward",)


def test_table_backward_factor_matches_theory(table):
    rows = {(r.rule.label, r.rule.source): r for r in table.rows}
    # n Var(W) E[g'(z)^2] on the propagated signals: exactly 1 for He/ReLU in expectation,
    # 1.07 for SELU with LeCun weights (E[selu'(z)^2] at the fixed point), >1 for tanh 5/3
    assert rows[("relu", "He et al. (2015)")].backward_factor == pytest.approx(1.0, abs=0.05)
    selu = rows[("selu", "Klambauer et al. (2017)")]
    assert selu.backward_factor == pytest.approx(1.07, abs=0.02)
    tanh = rows[("tanh", "calculate_gain('tanh')")]
    assert 1.15 < tanh.backward_factor < 1.3
    # the measured backward ratio is about the factor to the power depth - 1
    for row in (selu, tanh):
        expected = math.log(row.backward_factor) * (table.depth - 1)
        assert math.log(row.backward_normal) == pytest.approx(expected, abs=0.4)


def test_table_spread_separates_mean_from_input_dependence(table):
    rows = {(r.rule.label, r.rule.source): r for r in table.rows}
    identity = rows[("identity", "calculate_gain('linear')")]
    assert identity.spread_normal == pytest.approx(identity.ratio_normal, rel=0.05)
    logistic = rows[("logistic", "fixed point 1/√E[σ(z)²]")]
    assert 0.5 < logistic.ratio_normal < 2.0  # E[z^2] kept ...
    assert logistic.spread_normal < 1e-6  # ... by a mean shared by all inputs


def test_backpropagate_matches_finite_differences():
    rng = np.random.default_rng(3)
    act = "tanh"
    z1 = rng.normal(size=(4, 2))
    ws = [rng.normal(size=(4, 4)) / 2 for _ in range(2)]

    def forward(z0):
        z = [z0]
        for w in ws:
            z.append(w @ np.tanh(z[-1]))
        return np.stack(z)

    z = forward(z1)
    delta = rng.normal(size=(4, 2))
    grads = summary.backpropagate(act, z, ws, delta)
    eps = 1e-6
    numeric = np.zeros_like(z1)
    for idx in np.ndindex(z1.shape):
        dz = np.zeros_like(z1)
        dz[idx] = eps
        numeric[idx] = np.sum(delta * (forward(z1 + dz)[-1] - forward(z1 - dz)[-1])) / (2 * eps)
    np.testing.assert_allclose(grads[0], numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(grads[-1], delta)


def test_backpropagate_validates():
    z = np.zeros((3, 2, 1))
    ws = [np.eye(2)] * 2
    with pytest.raises(ValueError, match="z must"):
        summary.backpropagate("relu", z[0], ws, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="weights"):
        summary.backpropagate("relu", z, ws[:1], np.zeros((2, 1)))
    with pytest.raises(ValueError, match="delta"):
        summary.backpropagate("relu", z, ws, np.zeros((2, 2)))


def test_table_measurements_follow_theory(table):
    for row in table.rows:
        for measured in (row.ratio_uniform, row.ratio_normal):
            # finite-width ReLU stacks fluctuate more than saturating ones
            assert math.log(measured / row.ratio_theory) == pytest.approx(0.0, abs=0.5)


def test_table_theory_column_uses_predict_variances(table):
    row = table.rows[2]  # tanh, gain 5/3
    q = [1.0]
    for _ in range(table.depth - 1):
        q.append(float(summary.variance_map("tanh", 5 / 3, q[-1])))
    assert row.ratio_theory == pytest.approx(q[-1], rel=1e-8)


def test_table_renders_text_and_html(table):
    text = str(table)
    html = table._repr_html_()
    assert repr(table) == text
    assert html.startswith("<table") and html.endswith("</table>")
    assert html.count("<tr>") == len(table.rows) + 1
    assert "r at n=128" in text and "Var(z12)/Var(z1)" in text
    assert "(5/3)·√(3/n)" in text and "(5/3)·√(3/n)" in html
    assert "σ&#x27;(0)" in html  # escaped
    assert len(text.splitlines()) == len(table.rows) + 2
    for row, cells in zip(table.rows, table.cells(), strict=True):
        assert cells[-1] == ("yes" if row.preserved else "no: " + ", ".join(row.failing))
        assert cells[5] == f"{row.bound:#.4g}"


def test_table_is_reproducible(table):
    again = summary.summary_table(n=128, depth=12, m=16, trials=4, rng=0)
    assert again.to_html() == table.to_html()


def test_table_with_custom_rules_and_float64():
    rules = [summary.Rule("relu", "he", "He", "√2")]
    t = summary.summary_table(rules, n=32, depth=3, m=8, trials=2, rng=1, dtype=np.float64)
    assert len(t.rows) == 1
    assert t.rows[0].ratio_theory == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"rules": []}, TypeError, "rules"),
        ({"rules": ["tanh"]}, TypeError, "rules"),
        ({"n": 0}, ValueError, "n"),
        ({"depth": 1}, ValueError, "depth"),
        ({"m": 0}, ValueError, "m"),
        ({"trials": 0}, ValueError, "trials"),
        ({"tol": 1.0}, ValueError, "tol"),
        ({"dtype": "int64"}, ValueError, "dtype"),
    ],
)
def test_summary_table_validates(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        summary.summary_table(**kwargs)


def test_theory_moments_are_what_summary_uses():
    # the module relies on gaussian_moments' "second" moment
    assert theory.gaussian_moments("relu", 2.0)["second"] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------
# Non-square layers: fan-in, fan-out and fan-average rules differ
# --------------------------------------------------------------------------------------

ZIGZAG = [200, 50] * 5 + [200]


@pytest.fixture(scope="module")
def zigzag():
    return summary.summary_table(summary.zigzag_rules(), widths=ZIGZAG, m=16, trials=3, rng=0)


def test_zigzag_fan_average_loses_both_directions(zigzag):
    rows = {(r.rule.label, r.rule.source): r for r in zigzag.rows}
    # n_in Var(W) = 2 n_in / (n_in + n_out): 1.6 and 0.4 for 200 -> 50 -> 200, 0.64 per pair
    xavier = rows[("identity", "Glorot & Bengio (fan average)")]
    assert xavier.ratio_theory == pytest.approx(0.64**5, rel=1e-9)
    assert xavier.failing == ("forward", "backward")
    assert math.log(xavier.ratio_normal / 0.64**5) == pytest.approx(0.0, abs=0.3)
    assert xavier.backward_factor == pytest.approx(0.8, rel=0.02)  # sqrt(0.64), exact for identity


def test_zigzag_fan_in_keeps_forward_fan_out_keeps_backward(zigzag):
    rows = {(r.rule.label, r.rule.source): r for r in zigzag.rows}
    fan_in, fan_out = rows[("identity", "LeCun (fan_in)")], rows[("identity", "fan_out")]
    assert fan_in.ratio_theory == pytest.approx(1.0) and fan_in.failing == ("backward",)
    assert fan_out.failing == ("forward",)
    # the per-unit variance of the narrow layers is 4x off in the direction that is not kept
    assert fan_in.worst_backward == pytest.approx(4.0, rel=0.3)
    assert fan_out.worst_forward == pytest.approx(4.0, rel=0.3)
    assert not any(r.preserved for r in zigzag.rows)


def test_zigzag_renders_shapes_and_fan_symbols(zigzag):
    text = str(zigzag)
    assert not zigzag.square and zigzag.shapes == [(200, 50), (50, 200)]
    assert "r at 200→50 / 50→200" in text and "Var(z11)/Var(z1)" in text
    assert "√(6/(n_in+n_out))" in text and "√(3/n_out)" in text and "1/√n_in" in text
    assert "mode='fan_out'" in text
    row = zigzag.rows[0]  # LeCun fan_in: r = sqrt(3 / n_in) per shape
    assert row.bounds == pytest.approx((math.sqrt(3 / 200), math.sqrt(3 / 50)))
    assert row.stds == pytest.approx((math.sqrt(1 / 200), math.sqrt(1 / 50)))
    assert "widths 200, 50, 200, 50, ..." in zigzag.to_html()


def test_summary_table_widths_validation():
    with pytest.raises(ValueError, match="either widths"):
        summary.summary_table(widths=[8, 4, 8], n=8)
    with pytest.raises(ValueError, match="widths"):
        summary.summary_table(widths=[8])
    with pytest.raises(TypeError, match="widths"):
        summary.summary_table(widths="8,4")
    with pytest.raises(ValueError, match="n_in"):
        summary.standard_rules()[0].uniform_bound((4, 0))
