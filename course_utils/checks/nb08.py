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
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    call_learner,
    compare_choice,
    compare_prediction,
    compare_scalar,
    exercise,
    hint_function,
)
from course_utils.experiments import deep_networks

__all__ = [
    "CHECK_RELU_ISOMETRY_OPTIONS",
    "HINTS",
    "check_critical_weight_variance",
    "check_isometric_setup",
    "check_relu_isometry",
    "check_spread_prediction",
    "hint",
    "measured_spread",
]

HINTS = {
    "ex1": (
        "Look at the figure of section 1: how does the variance of the Gaussian product's "
        "eigenvalues grow with the number of layers?",
        "Each Gaussian layer adds about one unit of variance to the spectrum of JJ^T: "
        "after L layers it is about L.",
    ),
    "ex2": (
        "Two things must hold: the mean of the eigenvalues stays 1 (the critical line) and "
        "the D_l and W_l stretch all directions alike (which weights, which q*?).",
        "Take orthogonal weights, a small bias_variance such as 1e-4, and "
        "weight_variance = theory.critical_weight_variance('tanh', bias_variance).",
    ),
    "ex3": (
        "Write relu'(z) for a ReLU unit: which values can it take, and how often each?",
        "mu_2 / mu_1^2 = E[relu'^4] / E[relu'^2]^2 in the spectrum's variance formula: "
        "compute it and see whether q* enters.",
    ),
    "ex4": (
        "The critical line is where chi_1 = sigma_w^2 E[tanh'(sqrt(q*) z)^2] equals 1, with "
        "q* the fixed point of the length map at that sigma_w^2.",
        "Search sigma_w^2 (bisection on theory.chi_1('tanh', sw2, 0.2) - 1), or call "
        "theory.critical_weight_variance('tanh', 0.2).",
    ),
}
hint = hint_function(HINTS, "nb08")

SPREAD_WIDTH = 400
SPREAD_DEPTH = 20


def measured_spread(rng: int = 7) -> float:
    """Var of the eigenvalues of ``J J^T`` of the exercise's deep linear Gaussian net."""
    spectrum = deep_networks.chain_spectrum(
        SPREAD_WIDTH, SPREAD_DEPTH, "gaussian", record=[SPREAD_DEPTH], rng=rng
    )
    return float(spectrum.variance[0, -1])


# ---------------------------------------------------------------------------
# Exercise 1: predict, then run
# ---------------------------------------------------------------------------


@exercise("ex1")
def check_spread_prediction(
    prediction: object, measured: object = None, depth: int = SPREAD_DEPTH
) -> Feedback:
    """Exercise 1: the learner's prediction of Var(eigenvalues of J J^T) at ``depth``.

    ``measured`` is the variance the exercise cell measured on a sampled deep linear net
    (width 400, Gaussian ``N(0, 1/n)`` weights); it is recomputed when omitted. A prediction
    within 30 % of the measurement passes; otherwise the message says in which direction and
    by what factor it is off, and which reasoning produces such a value.
    """
    depth = check_int(depth, "depth", minimum=1)
    value = (
        measured_spread()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    x = as_float(prediction)
    if x is not None and x <= 0:
        return Feedback(
            False,
            "A variance is positive; with Gaussian weights the squared singular values are "
            "not all equal, so it is above 0.",
        )
    slips = [
        (1.0, "1 is the spread of a single layer; each layer adds about as much again."),
        (
            float(depth**2),
            "That is L squared: the spread grows linearly with depth, not quadratically.",
        ),
        (
            2.0 * depth,
            "2L is the spread of a ReLU net (mu_2/mu_1^2 = 2); a linear net adds 1 per layer.",
        ),
    ]
    near_zero = [
        (1e-3, "Near 0 would be an orthogonal net; Gaussian matrices are not isometries.", 1.0)
    ]
    return compare_prediction(
        prediction,
        value,
        f"Var(eigenvalues of JJ^T) at depth {depth}",
        rtol=0.3,
        slips=slips + near_zero,
        explain="The variance grows by about 1 per layer (the finite width adds a little on "
        "top), as in the figure of section 1.",
    )


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


@exercise("ex2")
def check_isometric_setup(setup: object) -> Feedback:
    """Exercise 2: ``setup()`` returns ``(kind, weight_variance, bias_variance)``.

    The check builds the 32-layer tanh net of :func:`measure_setup` and passes when the mean
    of the eigenvalues of ``J J^T`` is in ``[0.5, 2]`` and their variance below 1.
    """
    result, failed = call_learner(setup, "setup")
    if failed is not None:
        return failed
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
CHECK_RELU_ISOMETRY_OPTIONS: dict[str, Choice] = {
    "a": Choice(
        "ReLU is unbounded, so large pre-activations stretch the spectrum.",
        False,
        "Not this one: ReLU is unbounded, but the Jacobian only involves relu'(z), which is 0 "
        "or 1; boundedness of the activation does not enter the spectrum.",
    ),
    "b": Choice(
        "Each layer's D keeps a random half of the directions and zeroes the other half.",
        True,
        "Right: every layer multiplies by D = diag(relu'(z)), a random half of the directions "
        "kept and the other half zeroed. Then mu_2 / mu_1^2 = E[relu'^4] / E[relu'^2]^2 = 2 "
        "whatever q*, so the spread grows like L even with orthogonal W.",
    ),
    "c": Choice(
        "Orthogonal matrices cannot be scaled by the gain sqrt(2) that ReLU needs.",
        False,
        "Not this one: an orthogonal matrix can be scaled by any gain; gain sqrt(2) puts ReLU "
        "exactly on its critical point sigma_w^2 = 2, and the spread still grows with depth.",
    ),
    "d": Choice(
        "ReLU has no critical point, so the mean squared singular value drifts with depth.",
        False,
        "Not this one: ReLU does have a critical point, sigma_w^2 = 2 with sigma_b^2 = 0 (He "
        "initialization); the mean squared singular value stays 1 there, it is the spread "
        "that grows.",
    ),
}


@exercise("ex3")
def check_relu_isometry(answer: object) -> Feedback:
    """Exercise 3: why can't ReLU nets reach dynamical isometry? (one letter a-d)."""
    return compare_choice(answer, CHECK_RELU_ISOMETRY_OPTIONS)


# ---------------------------------------------------------------------------
# Exercise 4: compute a value
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _critical_tanh(bias_variance: float) -> float:
    return theory.critical_weight_variance("tanh", bias_variance)


@exercise("ex4")
def check_critical_weight_variance(answer: object, bias_variance: float = 0.2) -> Feedback:
    """Exercise 4: the critical ``sigma_w^2`` of tanh at ``bias_variance``, 3 significant figures.

    Right to 3 significant figures passes, right to 2 gets "close". Recognised slips: the
    bias-free value 1, the standard deviation ``sigma_w`` instead of the variance, the ReLU
    value 2; any other miss is said as ordered or chaotic (which side of the line it is on).
    """
    sb = check_float(bias_variance, "bias_variance", minimum=0.0, maximum=10.0)
    expected = _critical_tanh(sb)
    name = "sigma_w^2"
    slips = [
        (
            math.sqrt(expected),
            "That looks like sigma_w, the standard deviation; the question asks for the "
            "variance sigma_w^2.",
        ),
        (
            1.0,
            "1 is the critical point without biases (Xavier for tanh). With sigma_b^2 > 0 the "
            "fixed point q* is above 0, tanh' < 1 there, and the weights must be larger.",
        ),
        (2.0, "2 is ReLU's critical point (He); the question is about tanh."),
    ]
    fb = compare_scalar(
        answer,
        expected,
        name,
        slips=slips,
        on_pass="It puts tanh on the critical line chi_1 = 1.",
    )
    value = as_float(answer)
    if fb or value is None or not fb.message.startswith(f"{name}: "):
        return fb
    if value <= 0:
        return Feedback(False, "sigma_w^2 is a variance: it is positive.")
    if value > 1e6 * expected:  # the orders of magnitude say it all (chi_1 would overflow)
        return fb
    chi = float(theory.chi_1("tanh", value, sb))
    phase = "ordered (chi_1 < 1): too small" if chi < 1 else "chaotic (chi_1 > 1): too large"
    return Feedback(False, f"At your sigma_w^2 the net is {phase}. Solve chi_1 = 1 for sigma_w^2.")
