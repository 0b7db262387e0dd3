"""Checks of notebook 08's exercises: right answers pass, wrong ones fail without revealing the
expected value, and the checks need numpy only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import theory
from course_utils.checks import nb08

ROOT = Path(__file__).resolve().parents[1]


def _mentions(message: str, value: float) -> bool:
    """True if ``value`` appears in ``message`` at 2 to 6 significant figures."""
    # numbers standing alone (not the 2 of sigma_w^2 or the 1 of chi_1)
    pattern = r"(?<![\w^.])[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?"
    numbers = [float(m) for m in re.findall(pattern, message)]
    for figures in range(2, 7):
        target = float(f"{value:.{figures}g}")
        if any(np.isclose(n, target, rtol=1e-12, atol=0) for n in numbers):
            return True
    return False


# ----------------------------------------------------------------- exercise 1


def test_spread_prediction_passes_near_the_measurement():
    assert nb08.check_spread_prediction(20.0, 21.3)
    assert nb08.check_spread_prediction(18.0, 21.3)


@pytest.mark.parametrize("guess", [None, "20", -1.0, 0.0, 1.0, 2.0, 400.0, 90.0, 5.0, 1e6])
def test_spread_prediction_misses_say_direction_or_slip(guess):
    # The measurement has been printed by the exercise cell, so the feedback may name it;
    # what it adds is the direction of the gap or the slip the prediction looks like.
    measured = 21.37
    fb = nb08.check_spread_prediction(guess, measured)
    assert not fb
    assert "nb08.hint('ex1')" in fb.message
    if guess == 1.0:
        assert "single layer" in fb.message
    elif guess == 400.0:
        assert "quadratically" in fb.message
    elif isinstance(guess, float) and guess > 0:
        assert ("too large" in fb.message) == (guess > measured), fb.message
        assert ("too small" in fb.message) == (guess < measured), fb.message


def test_spread_prediction_recomputes_the_measurement():
    assert abs(nb08.measured_spread() - 21.4) < 0.1
    assert nb08.check_spread_prediction(20.0)


# ----------------------------------------------------------------- exercise 2


def test_isometric_setup_solution_passes():
    sb = 1e-4
    fb = nb08.check_isometric_setup(
        lambda: ("orthogonal", theory.critical_weight_variance("tanh", sb), sb)
    )
    assert fb, fb.message


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda: ("gaussian", 1.0, 0.1), "ordered"),
        (lambda: ("orthogonal", 6.0, 0.05), "chaotic"),
        (lambda: ("gaussian", theory.critical_weight_variance("tanh", 1e-3), 1e-3), "kind"),
        (lambda: ("orthogonal", theory.critical_weight_variance("tanh", 0.5), 0.5), "smaller"),
        (lambda: ("orthogonal", theory.critical_weight_variance("tanh", 1e-3), 1e-3), "smaller"),
        (lambda: ("xavier", 1.0, 0.0), "kind should be"),
        (lambda: (1.0, 0.0), "three values"),
        (lambda: ("gaussian", -1.0, 0.0), "weight_variance"),
        (lambda: 1 / 0, "ZeroDivisionError"),
        ("not a function", "function"),
    ],
)
def test_isometric_setup_misses_are_explained(setup, words):
    fb = nb08.check_isometric_setup(setup)
    assert not fb
    assert words in fb.message


# ----------------------------------------------------------------- exercise 3


def test_relu_explain_has_feedback_for_every_option():
    assert nb08.check_relu_isometry("b")
    assert nb08.check_relu_isometry(" B ")
    for letter in "acd":
        fb = nb08.check_relu_isometry(letter)
        assert not fb and nb08.CHECK_RELU_ISOMETRY_OPTIONS[letter].feedback in fb.message
        assert fb.message.startswith("Not this one")
    assert "Choose one of" in nb08.check_relu_isometry(None).message
    for bad in ("e", "ab"):
        assert "is not an option" in nb08.check_relu_isometry(bad).message
    assert "letter" in nb08.check_relu_isometry(2).message


# ----------------------------------------------------------------- exercise 4


def test_critical_weight_variance_sig_figs():
    expected = theory.critical_weight_variance("tanh", 0.2)
    assert nb08.check_critical_weight_variance(expected)
    assert nb08.check_critical_weight_variance(float(f"{expected:.3g}"))
    close = nb08.check_critical_weight_variance(float(f"{expected:.2g}"))
    assert not close and "give 3" in close.message


@pytest.mark.parametrize("factor", [10.0, 0.1, -1.0, 1.5, 0.7, 3.0])
def test_critical_weight_variance_misses_never_reveal(factor):
    expected = theory.critical_weight_variance("tanh", 0.2)
    fb = nb08.check_critical_weight_variance(expected * factor)
    assert not fb
    assert not _mentions(fb.message, expected)


def test_critical_weight_variance_slips():
    expected = theory.critical_weight_variance("tanh", 0.2)
    assert "standard deviation" in nb08.check_critical_weight_variance(expected**0.5).message
    assert "without biases" in nb08.check_critical_weight_variance(1.0).message
    assert "ReLU" in nb08.check_critical_weight_variance(2.0).message
    assert "ordered" in nb08.check_critical_weight_variance(expected * 0.8).message
    assert "chaotic" in nb08.check_critical_weight_variance(expected * 1.3).message
    assert "not filled in" in nb08.check_critical_weight_variance(None).message
    rng = np.random.default_rng(0)
    for guess in rng.uniform(0.05, 20, 30):
        fb = nb08.check_critical_weight_variance(float(guess))
        if not fb:
            assert not _mentions(fb.message, expected)


def test_bad_check_arguments_raise():
    with pytest.raises(ValueError, match="measured"):
        nb08.check_spread_prediction(1.0, -2.0)
    with pytest.raises(ValueError, match="bias_variance"):
        nb08.check_critical_weight_variance(1.0, bias_variance=-1.0)


# ----------------------------------------------------------------- the notebook


def _solution_cells():
    nb = json.loads((ROOT / "notebooks" / "08_deep_networks.ipynb").read_text(encoding="utf-8"))
    return [
        "".join(c["source"]) for c in nb["cells"] if "".join(c["source"]).startswith("# Solution")
    ]


def test_every_solution_cell_passes_its_check():
    import math

    from course_utils import jacobians
    from course_utils.experiments import deep_networks as dn

    namespace = {
        "np": np,
        "math": math,
        "theory": theory,
        "jacobians": jacobians,
        "dn": dn,
        "nb08": nb08,
    }
    namespace["measured_spread"] = dn.chain_spectrum(
        400, 20, "gaussian", record=[20], rng=7
    ).variance[0, -1]
    solutions = _solution_cells()
    assert len(solutions) == 4
    for src in solutions:
        body, last = src.rstrip().rsplit("\n", 1)
        exec(body, namespace)  # noqa: S102 - the notebook's own solution code
        fb = eval(last, namespace)  # noqa: S307
        assert fb, (src, fb.message)


def test_checks_import_without_ipywidgets_and_matplotlib():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('ipywidgets', 'matplotlib', 'IPython'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from course_utils.checks import nb08\n"
        "ok = nb08.check_relu_isometry('b'), nb08.check_critical_weight_variance(1.0)\n"
        "print(*(bool(f) for f in ok))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
