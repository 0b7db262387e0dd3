"""Checks for the exercises of ``06_activation_adjustments.ipynb``.

Each check recognises the typical slips of its exercise (a variance given for a standard
deviation, the Xavier value instead of the He one, a slope that was not squared ...) and
says so; otherwise :func:`course_utils.checks.compare_scalar` explains the mismatch.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import initializers
from course_utils._validation import check_float, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    compare_choice,
    compare_with_slips,
    exercise,
    hint_function,
    run_experiment,
)

__all__ = [
    "SOFTSIGN_TARGET",
    "check_softsign_stack",
    "CHECK_WHY_GAIN_IS_FIXED_OPTIONS",
    "check_why_gain_is_fixed",
    "HINTS",
    "TAYLOR_LAYER",
    "check_he_normal_std",
    "check_leaky_relu_gain",
    "check_logistic_taylor_variance",
    "hint",
]

#: ``(n_in, n_out)`` of exercise 3: not square, so that fan-in and fan-average rules differ.
TAYLOR_LAYER = (200, 50)

HINTS = {
    "ex1": (
        "He's rule doubles LeCun's variance to make up for the half of the inputs that ReLU "
        "zeroes; the question asks for a standard deviation.",
        "Var(W) = 2/fan_in; std = sqrt(2/fan_in).",
    ),
    "ex2": (
        "A leaky ReLU keeps E[g(z)²] = (1 + slope²)/2 · Var(z) for a symmetric z; the gain "
        "makes up for that factor.",
        "gain² · (1 + slope²)/2 = 1, so gain = sqrt(2/(1 + slope²)).",
    ),
    "ex3": (
        "Near 0 the logistic function is 1/2 + z/4: a slope of 1/4 where tanh has 1. Start "
        "from Xavier's variance and compensate for the slope.",
        "The weights must be 4 times larger than Xavier's, so the variance is 16 times "
        "Xavier's 2/(n_in + n_out).",
    ),
    "ex4": (
        "Scale z by a factor c: what happens to relu(c z)? And to tanh(c z)?",
        "If g(c z) = c g(z), then E[g(z)²] / Var(z) does not depend on Var(z).",
    ),
    "ex5": (
        "Var(z) of the next layer is gain² · E[softsign(z)²] for Var(W) = gain²/n: what gain "
        "makes that equal to Var(z) = 1?",
        "summary.numerical_gain('softsign') computes it from E[g(z)²]; or try gains between 2 "
        "and 3 and watch the ratio.",
    ),
}
hint = hint_function(HINTS, "nb06")


@exercise("ex1")
def check_he_normal_std(answer: object, fan_in: int = 512) -> Feedback:
    """Exercise 1: the standard deviation of ``he_normal`` weights for ``fan_in`` inputs.

    The expected value is ``sqrt(2 / fan_in)``.
    """
    fan_in = check_int(fan_in, "fan_in", minimum=1, maximum=10**7)
    expected = math.sqrt(initializers.variance("he_normal", (1, fan_in)))
    slips = [
        (
            expected**2,
            lambda v: (
                f"{v:.6g} = 2/fan_in is the variance of the weights; the standard deviation "
                "is its square root."
            ),
        ),
        (
            math.sqrt(1.0 / fan_in),
            lambda v: (
                f"std = {v:.6g} is the LeCun/Xavier value sqrt(1/fan_in); ReLU zeroes half of "
                "its inputs, so He doubles the variance."
            ),
        ),
        (
            math.sqrt(6.0 / fan_in),
            lambda v: (
                f"{v:.6g} is the bound of he_uniform, sqrt(6/fan_in); the question asks for "
                "the standard deviation of he_normal."
            ),
        ),
    ]
    return compare_with_slips(answer, expected, "std", slips)


@exercise("ex2")
def check_leaky_relu_gain(answer: object, slope: float = 0.2) -> Feedback:
    """Exercise 2: the gain of a leaky ReLU with negative slope ``slope``.

    The expected value is ``sqrt(2 / (1 + slope**2))``.
    """
    slope = check_float(slope, "slope", minimum=0.0)
    expected = initializers.calculate_gain("leaky_relu", slope)
    slips = [
        (
            math.sqrt(2.0),
            lambda v: (
                f"gain = {v:.6g} is the ReLU gain sqrt(2); the negative slope lets part of "
                "the signal through, which lowers the gain."
            ),
        ),
        (
            math.sqrt(2.0 / (1.0 + slope)),
            lambda v: (
                f"gain = {v:.6g} = sqrt(2/(1 + slope)); the negative side contributes "
                "slope**2 (not slope) times the variance: square the slope."
            ),
        ),
        (
            2.0 / (1.0 + slope**2),
            lambda v: (
                f"{v:.6g} = 2/(1 + slope**2) is the factor on the weight variance, i.e. the "
                "square of the gain: take its square root."
            ),
        ),
    ]
    return compare_with_slips(answer, expected, "gain", slips)


@exercise("ex3")
def check_logistic_taylor_variance(
    answer: object, n_in: int = TAYLOR_LAYER[0], n_out: int = TAYLOR_LAYER[1]
) -> Feedback:
    """Exercise 3: Var(W) that the logistic Taylor argument prescribes for ``n_in``, ``n_out``.

    The argument gives ``16 * 2 / (n_in + n_out)``: the Xavier variance multiplied by
    ``(1 / sigma'(0))**2 = 16``.
    """
    n_in = check_int(n_in, "n_in", minimum=1, maximum=10**4)
    n_out = check_int(n_out, "n_out", minimum=1, maximum=10**4)
    expected = initializers.variance("xavier_normal", (n_out, n_in), gain=4.0)
    xavier = initializers.variance("xavier_normal", (n_out, n_in))
    slips = [
        (
            xavier,
            lambda v: (
                f"Var(W) = {v:.6g} is plain Xavier; the Taylor argument replaces the slope 1 "
                "of tanh at 0 by sigma'(0) = 1/4 and compensates for it."
            ),
        ),
        (
            4.0 * xavier,
            lambda v: (
                f"Var(W) = {v:.6g} multiplies the variance by 4; the weights (the standard "
                "deviation) are 4 times larger, so the variance is 16 times larger."
            ),
        ),
        (
            16.0 / n_in,
            "Var(W) = 16/n_in compensates for the slope with LeCun's fan-in rule; the Taylor "
            "argument starts from Xavier's compromise 2/(n_in + n_out).",
        ),
        (
            16.0 / n_out,
            "Var(W) = 16/n_out uses the fan-out alone; the Taylor argument starts from "
            "Xavier's compromise 2/(n_in + n_out).",
        ),
    ]
    return compare_with_slips(answer, expected, "Var(W)", slips)


CHECK_WHY_GAIN_IS_FIXED_OPTIONS = {
    "a": Choice(
        "Because the first three are linear functions.",
        False,
        "No: ReLU and leaky ReLU are not linear; what they share is weaker.",
    ),
    "b": Choice(
        "Because they are positively homogeneous, g(c z) = c g(z) for c > 0, so E[g(z)²] is a "
        "fixed multiple of Var(z) at every scale; tanh bends, so the ratio depends on the scale.",
        True,
        "Yes: for a homogeneous g the factor E[g(z)²]/Var(z) is one number, and so is the gain; "
        "for tanh it falls as Var(z) grows.",
    ),
    "c": Choice(
        "Because PyTorch chose them that way.",
        False,
        "No: for these three the gain follows from the derivation; it is for tanh, logistic and "
        "SELU that PyTorch's values are conventions.",
    ),
    "d": Choice(
        "Because tanh has a nonzero mean.",
        False,
        "No: tanh is odd, its output has mean 0 for symmetric z; the issue is its curvature.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_gain_is_fixed(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_GAIN_IS_FIXED_OPTIONS)


#: Exercise 5 (modify the experiment): Var(z) of the last layer over Var(z) of the first must
#: stay within this range through a 30-layer softsign stack.
SOFTSIGN_TARGET = (0.8, 1.25)


def _level_ratio(z: object) -> float:
    """Var(z) of the last layer over that of the first, for an array of shape (depth, n, m)
    or a list of per-layer arrays."""
    if isinstance(z, (str, bytes)) or z is None:
        raise TypeError("return the pre-activations of every layer (summary.propagate's result)")
    try:
        layers = [np.asarray(layer, dtype=float) for layer in z]  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise TypeError("return the pre-activations of every layer, one array each") from exc
    if len(layers) < 30:
        raise ValueError(f"the stack has {len(layers)} layers; keep the depth at 30")
    first, last = float(np.var(layers[0])), float(np.var(layers[-1]))
    if not first > 0:
        raise ValueError("the first layer has no spread")
    return last / first


@exercise("ex5")
def check_softsign_stack(experiment: object) -> Feedback:
    """Exercise 5 (modify the experiment): run the learner's 30-layer softsign stack and test
    that Var(z) stays level (last over first within :data:`SOFTSIGN_TARGET`)."""
    low, high = SOFTSIGN_TARGET
    return run_experiment(
        experiment,
        _level_ratio,
        "Var(z_30) / Var(z_1)",
        low=low,
        high=high,
        too_low="The signal shrinks layer after layer: the gain is too small. Softsign's slope "
        "falls off slowly, so it needs a gain well above tanh's.",
        too_high="The signal grows: the gain is too large.",
        on_pass="Softsign is bounded like tanh but approaches its bound slowly; its gain for "
        "Var(z) = 1 is larger than tanh's 5/3.",
    )
