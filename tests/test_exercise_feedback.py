"""Every exercise check of every notebook: solutions pass, wrong answers fail without ever
showing the expected value, 3 significant figures pass and 2 are "close", and the checks run
with numpy alone (ipywidgets and matplotlib blocked)."""

from __future__ import annotations

import ast
import inspect
import json
import math
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_utils.checks import (
    Feedback,
    Hint,
    hint,
    matches_to,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MODULES = [nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10]


def _critical_tanh_variance(bias_variance: float) -> float:
    """sigma_w^2 with chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2] = 1, by bisection on a grid
    quadrature, independently of course_utils.theory."""
    z, w = np.polynomial.hermite_e.hermegauss(101)
    w = w / w.sum()

    def chi(sw2: float) -> float:
        q = 1.0
        for _ in range(2000):
            q = sw2 * float(np.sum(w * np.tanh(np.sqrt(q) * z) ** 2)) + bias_variance
        return sw2 * float(np.sum(w / np.cosh(np.sqrt(q) * z) ** 4))

    lo, hi = 1.0, 4.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if chi(mid) < 1 else (lo, mid)
    return 0.5 * (lo + hi)


def _truncated_variance(c: float) -> float:
    """Variance of a standard normal cut at +-c: 1 - 2 c phi(c) / (2 Phi(c) - 1)."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(c / math.sqrt(2))
    return 1 - 2 * c * phi / mass


# Each scalar check: its expected value, computed here independently of the check, and the
# values of the slips the exercise is known for (each must fail with a message of its own).
SCALAR = {
    "nb00.ex2": (nb00.check_xavier_uniform_variance, lambda: 2 / 700, [math.sqrt(6 / 700)]),
    "nb01.ex1": (
        nb01.check_too_small_std,
        lambda: math.sqrt(0.01 / 50),
        [
            0.01,
            0.01 / math.sqrt(50),
            math.sqrt(1 / 50),
            0.01 / 50,
            math.sqrt(0.01 / 6),
            math.sqrt(1 / 6),
        ],
    ),
    "nb02.ex2": (nb02.check_depth_below, lambda: 21, [20, 22, 1]),
    "nb03.ex2": (
        nb03.check_saturation_threshold,
        lambda: 2 * math.acosh(math.sqrt(10)),
        [
            math.log(40),
            math.log(400),
            -2 * math.acosh(math.sqrt(10)),
            math.acosh(math.sqrt(10)),
        ],
    ),
    "nb04.ex1": (
        nb04.check_product_variance,
        lambda: 1.5**2 * 4 + 2.5 * 1 + 2.5 * 4,
        [10, 11.5, 19, 12.5, 23.75, 142.25],
    ),
    "nb05.ex1": (
        nb05.check_glorot_uniform_bound,
        lambda: math.sqrt(6 / 640),
        [2 / 640, math.sqrt(2 / 640), 6 / 640, math.sqrt(3 / 512), 1 / math.sqrt(512)],
    ),
    "nb06.ex3": (
        nb06.check_logistic_taylor_variance,
        lambda: 32 / 250,
        [2 / 250, 8 / 250, 16 / 200, 16 / 50],
    ),
    "nb08.ex4": (
        nb08.check_critical_weight_variance,
        lambda: _critical_tanh_variance(0.2),
        [math.sqrt(_critical_tanh_variance(0.2)), 1.0, 2.0],
    ),
    "nb09.ex4": (
        nb09.check_uncorrected_variance,
        lambda: _truncated_variance(2.0) / 512,
        [1 / 512, math.sqrt(_truncated_variance(2.0) / 512), 0.8796 / 512],
    ),
    "nb10.ex1": (
        nb10.check_gpt2_projection_std,
        lambda: 0.02 / math.sqrt(96),
        [0.02, 0.02 / math.sqrt(48), 0.02 / 96, 0.02**2 / 96, 0.02 * math.sqrt(96)],
    ),
}

HOSTILE = [
    None,
    ...,
    "0.5",
    b"1",
    True,
    [0.5, 0.5],
    np.ones((2, 2)),
    1 + 2j,
    math.inf,
    -math.inf,
    math.nan,
    1e308,
    1.5**1000,
    10**400,
    -(10**400),
    0,
    0.0,
    -0.0,
    5e-324,
    object(),
    {"a": 1},
]

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token.lstrip("+-"))[0].replace(".", "").lstrip("0")
    return len(mantissa)


def revealed(message: str, expected: float) -> list[str]:
    """The numbers in ``message`` that equal ``expected`` rounded to 2-6 significant figures."""
    hits = []
    for token in NUMBER.findall(message):
        if _significant_digits(token) < 2:
            continue
        value = abs(float(token))
        if any(value == abs(float(f"{expected:.{k}g}")) for k in range(2, 7)) or matches_to(
            value, abs(expected), 6
        ):
            hits.append(token)
    return hits


def without_echoes(message: str, guess: object, measured: float) -> str:
    """A prediction check's message without the two numbers it may show: the learner's own
    prediction and the measurement the cell has just revealed."""
    message = message.replace(f"({measured:.3g})", "")
    if isinstance(guess, float) and math.isfinite(guess):
        message = message.replace(f"({guess:.3g})", "")
    return message


def wrong_answers(expected: float, slips: list[float]) -> list[float]:
    rng = np.random.default_rng(12)
    random = [expected * math.exp(u) for u in rng.uniform(-6, 6, 12) if abs(u) > 0.05]
    random += list(rng.uniform(-100, 100, 4))
    return [*random, 10 * expected, expected / 10, -expected, *slips]


@pytest.mark.parametrize("key", sorted(SCALAR))
def test_wrong_answers_fail_without_revealing_the_answer(key):
    check, expected_fn, slips = SCALAR[key]
    expected = expected_fn()
    tried = 0
    for answer in wrong_answers(expected, slips) + HOSTILE:
        if isinstance(answer, float) and matches_to(answer, expected, 3):
            continue
        fb = check(answer)
        tried += 1
        assert isinstance(fb, Feedback)
        assert not fb, (key, answer, fb)
        assert revealed(fb.message, expected) == [], (key, answer, fb.message)
        assert "out of any sensible range" not in fb.message, (key, answer)
    assert tried >= 30


@pytest.mark.parametrize("key", sorted(SCALAR))
def test_slips_get_their_own_message(key):
    check, expected_fn, slips = SCALAR[key]
    generic = check(expected_fn() * 7.3).message
    for slip in slips:
        fb = check(slip)
        assert not fb and fb.message != generic, (key, slip, fb)


@pytest.mark.parametrize("key", sorted(k for k in SCALAR if k != "nb02.ex2"))
def test_three_significant_figures_pass_two_are_close(key):
    check, expected_fn, slips = SCALAR[key]
    expected = expected_fn()
    assert check(float(f"{expected:.3g}")), key
    assert check(expected)
    two = float(f"{expected:.2g}")
    if matches_to(two, expected, 3) or any(matches_to(two, s, 3) for s in slips):
        return  # the 2-figure value is exact, or is a slip with its own message
    fb = check(two)
    assert not fb and "close" in fb.message, (key, fb)


def test_issue_slips_are_diagnosed():
    from course_utils import initializers

    he_uniform = nb00.check_layer_weights(initializers.he_uniform((300, 784), rng=0))
    assert "uniform" in he_uniform.message and "rng" not in he_uniform.message
    xavier = nb00.check_layer_weights(initializers.xavier_normal((300, 784), rng=0))
    assert "Xavier" in xavier.message
    other_seed = nb00.check_layer_weights(initializers.he_normal((300, 784), rng=5))
    assert "rng=0" in other_seed.message
    assert "0.01" in nb01.check_too_small_std(math.sqrt(1 / 50)).message
    assert "sqrt(1/6)" in nb01.check_too_small_std(math.sqrt(1 / 6)).message
    assert "ln 40," in nb03.check_saturation_threshold(math.log(40)).message
    assert "ln 400" in nb03.check_saturation_threshold(math.log(400)).message
    assert "fan-in" in nb06.check_logistic_taylor_variance(16 / 200).message


def test_array_and_choice_checks_reveal_nothing_and_never_crash():
    for answer in HOSTILE + [np.full((6, 2), 1e300), np.full((6, 2), 10.0)]:
        assert not nb00.check_layer_weights(answer)
        assert not nb07.check_saturation(answer)
    predictions = nb07.zero_init_predictions()
    n = int(np.unique(predictions).size)
    for accuracy in HOSTILE + [1.0, 0.5, 0.01, 10.0]:
        fb = nb07.check_zero_init(accuracy, n)
        assert not fb and revealed(fb.message, 0.1) == [], (accuracy, fb)
    for classes in (0, 2, 10, 10**400, 1.0, "1"):
        fb = nb07.check_zero_init(0.1, classes)
        assert not fb and f"predicts {n}" not in fb.message


# ---------------------------------------------------------------------------------------------
# The solution cells of the notebooks


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _exercise_code(path: Path) -> tuple[str, list[str]]:
    """The notebook's import cell (the one importing its checks) and the code cells of its
    Exercises section, in order."""
    cells = _cells(path)
    setup = next(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and "from course_utils.checks import" in "".join(c["source"])
    )
    start = next(i for i, c in enumerate(cells) if "## Exercises" in "".join(c["source"]))
    code = ["".join(c["source"]) for c in cells[start:] if c["cell_type"] == "code"]
    return setup, code


def _run_cell(source: str, namespace: dict) -> object:
    """Execute a cell and return the value of its last expression (as Jupyter shows it)."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 - the notebook's own code
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_solution_cell_passes_its_check(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    setup, code = _exercise_code(path)
    namespace: dict = {}
    _run_cell(setup, namespace)
    solutions = 0
    for source in code:
        result = _run_cell(source, namespace)
        if source.startswith("# Solution"):
            solutions += 1
            assert isinstance(result, Feedback) and result.passed, (path.name, source, result)
        elif isinstance(result, Feedback) and "= None" in source:
            assert not result.passed
            assert "not filled in" in result.message or "Choose one of" in result.message
    assert solutions >= 2


# ---------------------------------------------------------------------------------------------
# Hints


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_exercise_has_two_hints_and_failures_point_at_them(module):
    name = module.__name__.rsplit(".", 1)[-1]
    checks = [f for _, f in inspect.getmembers(module, callable) if hasattr(f, "exercise")]
    assert sorted(f.exercise for f in checks) == sorted(module.HINTS)
    for key, texts in module.HINTS.items():
        assert len(texts) >= 2
        first, second = module.hint(key), hint(name, key, 2)
        assert isinstance(first, Hint) and str(first).startswith("HINT 1 of")
        assert second.text == texts[1]
        assert str(module.hint(key, len(texts) + 1)).startswith("NO MORE HINTS")
    for check in checks:
        nargs = sum(
            p.default is inspect.Parameter.empty
            for p in inspect.signature(check).parameters.values()
        )
        fb = check(*[None] * nargs)
        assert not fb and f"{name}.hint({check.exercise!r})" in fb.message
    with pytest.raises(ValueError, match="exercise"):
        module.hint("ex99")


def test_hint_validates_its_arguments():
    with pytest.raises(ValueError, match="notebook"):
        hint("03", "ex1")
    with pytest.raises(ValueError, match="no checks"):
        hint("nb99", "ex1")
    with pytest.raises(ValueError, match="level"):
        hint("nb03", "ex1", 0)
    with pytest.raises(TypeError, match="exercise"):
        hint("nb03", 1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# numpy only


BLOCKED_RUN = textwrap.dedent(
    """
    import importlib, importlib.abc, inspect, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("ipywidgets", "matplotlib"):
                raise ModuleNotFoundError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    module = importlib.import_module("course_utils.checks." + sys.argv[1])
    from course_utils.checks import Feedback
    checks = [f for _, f in inspect.getmembers(module, callable) if hasattr(f, "exercise")]
    assert checks, "no checks"
    for check in checks:
        nargs = sum(p.default is inspect.Parameter.empty
                    for p in inspect.signature(check).parameters.values())
        for answer in (0.5, [0.5, 0.5, 0.5, 0.5]):
            assert isinstance(check(*[answer] * nargs), Feedback)
    assert not [m for m in sys.modules if m.split(".")[0] in ("ipywidgets", "matplotlib")]
    print("ok", len(checks))
    """
)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_checks_import_and_run_without_ipywidgets_and_matplotlib(module):
    name = module.__name__.rsplit(".", 1)[-1]
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok")


# ---------------------------------------------------------------------------------------------
# Explain exercises (multiple choice)


def _choice_checks():
    for module in MODULES:
        for name, options in vars(module).items():
            if name.endswith("_OPTIONS") and isinstance(options, dict):
                yield module, getattr(module, name[: -len("_OPTIONS")].lower()), options


@pytest.mark.parametrize(
    ("module", "check", "options"), list(_choice_checks()), ids=lambda x: getattr(x, "__name__", "")
)
def test_explain_checks_give_feedback_per_option(module, check, options):
    correct = [k for k, c in options.items() if c.correct]
    assert len(correct) == 1 and len(options) >= 3
    assert check(correct[0]) and check(correct[0].upper())
    messages = set()
    for key, choice in options.items():
        if choice.correct:
            continue
        fb = check(key)
        assert not fb and choice.feedback in fb.message
        assert f"({correct[0]})" not in fb.message and f"'{correct[0]}'" not in fb.message
        messages.add(fb.message)
    assert len(messages) == len(options) - 1, "each wrong option has its own feedback"
    for answer in HOSTILE + ["z", "", 3]:
        assert not check(answer)


# ---------------------------------------------------------------------------------------------
# Predict, then run; modify the experiment


def test_prediction_check_explains_the_gap_of_each_misconception():
    measured = nb02.measured_growth()
    assert 0.9 < measured / 0.9**40 < 1.1, "the measurement follows the theory s^L"
    assert nb02.check_growth_prediction(0.9**40, measured)
    seen = set()
    for wrong in (0.9 * 40, 0.9**80, 1 - 0.1 * 40, 1.0):
        fb = nb02.check_growth_prediction(wrong, measured)
        assert not fb
        seen.add(fb.message)
    assert len(seen) == 4, "each misconception gets its own explanation"
    for wrong in (10 * measured, -measured, 5.0, *HOSTILE):
        assert not nb02.check_growth_prediction(wrong, measured)
    assert "too large" in nb02.check_growth_prediction(10 * measured, measured).message


def test_modify_check_runs_the_learners_function():
    from course_utils import summary

    def stack(gain):
        return lambda: summary.propagate(
            "softsign", "xavier_normal", depth=30, width=64, m=64, rng=0, gain=gain
        )

    assert nb06.check_softsign_stack(stack(summary.numerical_gain("softsign")))
    assert "too low" in nb06.check_softsign_stack(stack(1.0)).message
    assert "too high" in nb06.check_softsign_stack(stack(3.5)).message
    assert "keep the depth" in nb06.check_softsign_stack(lambda: np.ones((5, 3, 3))).message
    assert "raised" in nb06.check_softsign_stack(lambda: 1 / 0).message
    for answer in HOSTILE:
        fb = nb06.check_softsign_stack(answer)
        assert not fb and "Traceback" not in fb.message
