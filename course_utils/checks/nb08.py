"""Checks for the exercises of ``08_deep_networks.ipynb``.

Four exercises of four kinds: predict the spread of a deep linear net's spectrum before
measuring it (:func:`check_spread_prediction`), set up a deep tanh net that is close to
isometric (:func:`check_isometric_setup`, runs the learner's function), explain why ReLU
nets cannot be isometric (:func:`check_relu_isometry`), and compute one critical weight
variance (:func:`check_critical_weight_variance`). No message contains the expected value:
misses are described by their direction and size, or by the slip they look like.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from course_utils import jacobians, theory
from course_utils._validation import check_float, check_int
from course_utils.checks import Feedback, as_float
from course_utils.experiments import deep_networks

__all__ = [
    "RELU_ISOMETRY_OPTIONS",
    "check_critical_weight_variance",
    "check_isometric_setup",
    "check_relu_isometry",
    "check_spread_prediction",
]


def _factor_words(ratio: float) -> str:
    """Coarse description of ``answer / target`` ('3 to 10 times too low'), never the value."""
    high = ratio > 1
    factor = ratio if high else 1 / ratio
    if factor < 1.5:
        size = "somewhat"
    elif factor < 3:
        size = "about 2 times"
    elif factor < 10:
        size = "3 to 10 times"
    else:
        size = "more than 10 times"
    return f"{size} too {'high' if high else 'low'}"


def _within_sig_figs(value: float, expected: float, figures: int) -> bool:
    if expected == 0:
        return value == 0
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - figures + 1)
    return abs(value - expected) <= 0.5 * unit * (1 + 1e-9)


# ---------------------------------------------------------------------------
# Exercise 1: predict, then run
# ---------------------------------------------------------------------------


def check_spread_prediction(prediction: object, measured: object, depth: int = 20) -> Feedback:
    """Exercise 1: the learner's prediction of Var(eigenvalues of J J^T) at ``depth``.

    ``measured`` is the variance the exercise cell measures on a sampled deep linear net
    (width 400, Gaussian ``N(0, 1/n)`` weights). A prediction within 30 % of the measurement
    passes; otherwise the message says in which direction and by what factor it is off,
    and which reasoning produces such a value.
    """
    depth = check_int(depth, "depth", minimum=1)
    measured = check_float(measured, "measured", minimum=0.0, strict_min=True)
    value = as_float(prediction)
    if value is None:
        return Feedback(False, "spread_prediction should be one number: fill it in first.")
    if value <= 0:
        return Feedback(
            False,
            "a variance is positive; with Gaussian weights the squared singular values are "
            "not all equal, so it is above 0.",
        )
    ratio = value / measured
    if 1 / 1.3 <= ratio <= 1.3:
        return Feedback(
            True,
            "your prediction is within 30 % of the measurement: the variance grows by about 1 "
            "per layer (the finite width adds a little on top).",
        )
    if math.isclose(value, 1.0, rel_tol=0.05):
        hint = " 1 is the spread of a single layer; each layer adds about as much again."
    elif math.isclose(value, 0.0, abs_tol=1e-6) or value < 0.2:
        hint = " Near 0 would be an orthogonal net; Gaussian matrices are not isometries."
    elif value > 3 * measured and math.isclose(value, depth**2, rel_tol=0.2):
        hint = " The spread grows linearly with depth, not quadratically."
    elif value > 3 * measured:
        hint = " Compare with the variance-against-depth figure above: it grows linearly."
    else:
        hint = " The figure above shows how the variance grows with depth."
    words = _factor_words(ratio)
    return Feedback(False, f"your prediction is {words} compared with the run.{hint}")


# ---------------------------------------------------------------------------
# Exercise 2: modify the experiment
# ---------------------------------------------------------------------------

ISOMETRY_DEPTH = 32
ISOMETRY_WIDTH = 200


def measure_setup(
    kind: str, weight_variance: float, bias_variance: float, *, rng: int = 0
) -> tuple[float, float]:
    """Mean and variance of the eigenvalues of ``J J^T`` of a 32-layer tanh net (width 200).

    The input is drawn so that the first layer's pre-activations have the mean square of the
    length map's fixed point (1 if there is none).
    """
    q = float(theory.length_fixed_point("tanh", weight_variance, bias_variance))
    q = q if np.isfinite(q) and q > 0 else 1.0
    gen = np.random.default_rng(rng)
    weights, biases = deep_networks.random_net(
        [ISOMETRY_WIDTH] * (ISOMETRY_DEPTH + 1), weight_variance, bias_variance, kind, rng=gen
    )
    x = np.tanh(gen.normal(0.0, math.sqrt(q), ISOMETRY_WIDTH))
    sv = jacobians.end_to_end_singular_values(weights, x, "tanh", biases=biases)[ISOMETRY_DEPTH]
    lam = sv**2
    return float(lam.mean()), float(lam.var())


def check_isometric_setup(setup: object) -> Feedback:
    """Exercise 2: ``setup()`` returns ``(kind, weight_variance, bias_variance)``.

    The check builds the 32-layer tanh net of :func:`measure_setup` and passes when the mean
    of the eigenvalues of ``J J^T`` is in ``[0.5, 2]`` and their variance below 1.
    """
    if not callable(setup):
        return Feedback(False, "setup should be a function with no arguments; define it first.")
    try:
        result = setup()
    except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
        return Feedback(False, f"setup() raised {type(exc).__name__}: {exc}")
    if not isinstance(result, tuple | list) or len(result) != 3:
        return Feedback(
            False, "setup() should return three values: (kind, weight_variance, bias_variance)."
        )
    kind, sw, sb = result
    if kind not in deep_networks.KINDS:
        return Feedback(False, f"kind should be one of {list(deep_networks.KINDS)}, got {kind!r}.")
    sw, sb = as_float(sw), as_float(sb)
    if sw is None or sw <= 0 or sb is None or sb < 0:
        return Feedback(False, "weight_variance must be a number > 0 and bias_variance >= 0.")
    mean, var = measure_setup(kind, sw, sb)
    chi = float(theory.chi_1("tanh", sw, sb))
    if not 0.5 <= mean <= 2.0:
        side = "ordered (chi_1 < 1)" if chi < 1 else "chaotic (chi_1 > 1)"
        move = "raise" if chi < 1 else "lower"
        return Feedback(
            False,
            f"the mean squared singular value is {'too small' if mean < 0.5 else 'too large'}: "
            f"the net is in the {side} phase, so gradients "
            f"{'vanish' if chi < 1 else 'explode'} over 32 layers. {move.capitalize()} "
            "weight_variance towards the critical line for your bias_variance.",
        )
    if var >= 1.0:
        if kind == "gaussian":
            return Feedback(
                False,
                "the mean is fine (you are near the critical line), but the spread is too "
                "large: Gaussian matrices spread the spectrum by about one unit of variance per "
                "layer whatever the activation. Change the kind of weights.",
            )
        return Feedback(
            False,
            "orthogonal weights near the critical line, good, but the spread is still too "
            "large: with this bias_variance q* is large enough for tanh' to vary between "
            "units. Make bias_variance smaller (and move weight_variance along the critical "
            "line with it).",
        )
    return Feedback(
        True,
        f"mean {mean:.2f} and variance {var:.2f} of the eigenvalues of JJ^T after 32 layers: "
        "close to dynamical isometry.",
    )


# ---------------------------------------------------------------------------
# Exercise 3: explain
# ---------------------------------------------------------------------------

#: Options of exercise 3 with the feedback for each (the letter is the answer).
RELU_ISOMETRY_OPTIONS: dict[str, tuple[bool, str]] = {
    "a": (
        False,
        "ReLU is unbounded, but the Jacobian only involves relu'(z), which is 0 or 1; "
        "boundedness of the activation does not enter the spectrum.",
    ),
    "b": (
        True,
        "every layer multiplies by D = diag(relu'(z)), a random half of the directions kept "
        "and the other half zeroed. Then mu_2 / mu_1^2 = E[relu'^4] / E[relu'^2]^2 = 2 whatever "
        "q*, so the spread grows like L even with orthogonal W.",
    ),
    "c": (
        False,
        "an orthogonal matrix can be scaled by any gain; gain sqrt(2) puts ReLU exactly on its "
        "critical point sigma_w^2 = 2, and the spread still grows with depth.",
    ),
    "d": (
        False,
        "ReLU does have a critical point: sigma_w^2 = 2 with sigma_b^2 = 0 (He initialization); "
        "the mean squared singular value stays 1 there, it is the spread that grows.",
    ),
}


def check_relu_isometry(answer: object) -> Feedback:
    """Exercise 3: why can't ReLU nets reach dynamical isometry? (one letter a-d)."""
    if not isinstance(answer, str) or answer.strip().lower() not in RELU_ISOMETRY_OPTIONS:
        return Feedback(False, "answer with one of the letters 'a', 'b', 'c' or 'd'.")
    passed, message = RELU_ISOMETRY_OPTIONS[answer.strip().lower()]
    return Feedback(passed, ("Right: " if passed else "Not this one: ") + message)


# ---------------------------------------------------------------------------
# Exercise 4: compute a value
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _critical_tanh(bias_variance: float) -> float:
    return theory.critical_weight_variance("tanh", bias_variance)


def check_critical_weight_variance(answer: object, bias_variance: float = 0.2) -> Feedback:
    """Exercise 4: the critical ``sigma_w^2`` of tanh at ``bias_variance``, 3 significant figures.

    Right to 3 significant figures passes, right to 2 gets "close". Recognised slips: the
    bias-free value 1, the standard deviation ``sigma_w`` instead of the variance, the ReLU
    value 2, and a value on the wrong side of the line (said as ordered or chaotic).
    """
    sb = check_float(bias_variance, "bias_variance", minimum=0.0)
    expected = _critical_tanh(sb)
    value = as_float(answer)
    if value is None:
        return Feedback(False, "critical_sw2 should be one number: fill it in first.")
    if _within_sig_figs(value, expected, 3):
        return Feedback(True, f"sigma_w^2 = {value:.4g} puts tanh on the critical line.")
    if _within_sig_figs(value, expected, 2):
        return Feedback(False, "close: give 3 significant figures.")
    if value > 0 and _within_sig_figs(value**2, expected, 2):
        return Feedback(
            False,
            "that looks like sigma_w, the standard deviation; the question asks for "
            "the variance sigma_w^2.",
        )
    if math.isclose(value, 1.0, rel_tol=1e-3):
        return Feedback(
            False,
            "1 is the critical point without biases (Xavier for tanh). With sigma_b^2 > 0 the "
            "fixed point q* is above 0, tanh' < 1 there, and the weights must be larger.",
        )
    if math.isclose(value, 2.0, rel_tol=1e-3):
        return Feedback(False, "2 is ReLU's critical point (He); the question is about tanh.")
    if value <= 0:
        return Feedback(False, "sigma_w^2 is a variance: it is positive.")
    chi = float(theory.chi_1("tanh", value, sb))
    phase = "ordered (chi_1 < 1): too small" if chi < 1 else "chaotic (chi_1 > 1): too large"
    return Feedback(False, f"at your sigma_w^2 the net is {phase}. Solve chi_1 = 1 for sigma_w^2.")
