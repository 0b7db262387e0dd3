"""Checks for the exercises of ``06_activation_adjustments.ipynb``.

Five exercises of four kinds: predict how much He's ReLU weights let a leaky-ReLU stack grow
(:func:`check_leaky_he_prediction`, predict then run), explain where SELU's pull towards
``Var(z) = 1`` comes from (:func:`check_why_selu_attracts`), compute the weight variance of
the logistic Taylor argument for a non-square layer (:func:`check_logistic_taylor_variance`,
the one compute-a-value), explain why some gains do not depend on the target variance
(:func:`check_why_gain_is_fixed`) and find softsign's gain (:func:`check_softsign_stack`,
modify the experiment). No message contains an expected value: misses are described by their
direction and size, or by the slip they look like.
"""

from __future__ import annotations

import numpy as np

from course_utils import activations, initializers, summary
from course_utils._validation import check_float, check_int
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    compare_choice,
    compare_prediction,
    compare_with_slips,
    exercise,
    hint_function,
    run_experiment,
)

__all__ = [
    "CHECK_WHY_GAIN_IS_FIXED_OPTIONS",
    "CHECK_WHY_SELU_ATTRACTS_OPTIONS",
    "HINTS",
    "LEAKY_SLOPE",
    "SOFTSIGN_TARGET",
    "TAYLOR_LAYER",
    "check_leaky_he_prediction",
    "check_logistic_taylor_variance",
    "check_softsign_stack",
    "check_why_gain_is_fixed",
    "check_why_selu_attracts",
    "hint",
    "measured_leaky_growth",
]

#: ``(n_in, n_out)`` of exercise 3: not square, so that fan-in and fan-average rules differ.
TAYLOR_LAYER = (200, 50)

HINTS = {
    "ex1": (
        "He's gain sqrt(2) undoes ReLU's factor 1/2 exactly. What does one leaky-ReLU layer do "
        "to Var(z) when its negative side keeps slope times the signal?",
        "For symmetric z, E[g(z)^2] = (1 + slope^2)/2 · Var(z), so each He layer multiplies "
        "Var(z) by 1 + slope^2; z_1 and z_20 are 19 weight layers apart.",
    ),
    "ex2": (
        "Draw the map q -> E[g(z)^2], z ~ N(0, q), for the identity and for SELU: where does "
        "each cross the diagonal, and how steeply?",
        "For a homogeneous g the map is a straight line through 0; SELU's negative branch "
        "is bounded by -lambda*alpha, so its map bends and crosses the diagonal at 1 with a "
        "slope below 1.",
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


#: Negative slope of exercise 1's leaky ReLU, and the stack the exercise cell measures.
LEAKY_SLOPE = 0.5
LEAKY_STACK = {"depth": 20, "width": 256, "m": 32}
LEAKY_NETWORKS = 4


def measured_leaky_growth(networks: int = LEAKY_NETWORKS) -> float:
    """``E[z_20^2] / E[z_1^2]`` of exercise 1's leaky-ReLU stack with ``he_normal`` weights
    (default ``negative_slope=0``), averaged over ``networks`` sampled stacks (seeds 0, 1, ...).
    """
    networks = check_int(networks, "networks", minimum=1, maximum=100)
    leaky = activations.get("leaky_relu", slope=LEAKY_SLOPE)
    ratios = []
    for seed in range(networks):
        z = summary.propagate(leaky, "he_normal", **LEAKY_STACK, rng=seed)
        ratios.append(float(np.mean(z[-1] ** 2) / np.mean(z[0] ** 2)))
    return float(np.mean(ratios))


@exercise("ex1")
def check_leaky_he_prediction(
    prediction: object, measured: object = None, slope: float = LEAKY_SLOPE, depth: int = 20
) -> Feedback:
    """Exercise 1 (predict, then run): ``E[z_depth^2] / E[z_1^2]`` of a leaky-ReLU stack with
    He's ReLU weights (gain sqrt(2), ``negative_slope`` left at 0).

    ``measured`` is what the exercise cell measured (recomputed when omitted). Each layer
    multiplies the variance by ``1 + slope**2``, so the theory is ``(1 + slope**2)**(depth -
    1)``; a prediction within 35 % of the measurement passes (sampled ReLU-like stacks scatter
    by some 20 % around the theory). Misses name the reasoning that produces them.
    """
    slope = check_float(slope, "slope", minimum=0.0, maximum=1.0)
    depth = check_int(depth, "depth", minimum=2, maximum=1000)
    value = (
        measured_leaky_growth()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    layers = depth - 1
    factor = 1.0 + slope**2
    x = as_float(prediction)
    if x is not None and x <= 0:
        return Feedback(False, "A ratio of two mean squares is positive.")
    slips = [
        (
            1.0,
            "A ratio of 1 would hold for ReLU, whose negative side passes nothing; the leaky side "
            "passes slope² of its half of the variance, which He's ReLU gain does not take out.",
        ),
        (
            factor,
            f"That is the factor of one layer; z_1 and z_{depth} are {layers} weight layers "
            "apart, and the factors multiply.",
        ),
        (
            factor ** (layers / 2),
            "That is the growth of the standard deviation; E[z²] is a variance, the square of it.",
        ),
        (
            (1.0 + slope) ** layers,
            "That uses 1 + slope per layer; the negative side scales z by the slope, so its "
            "variance by slope².",
        ),
        (
            1.0 + layers * slope**2,
            "That adds slope² once per layer; each layer multiplies the variance, so the "
            "factors compound.",
        ),
    ]
    return compare_prediction(
        prediction,
        value,
        f"E[z_{depth}²]/E[z_1²]",
        rtol=0.35,
        slips=slips,
        explain="he_normal with negative_slope=0 keeps Var(z) for ReLU only; a leaky ReLU "
        "needs he_normal(..., negative_slope=slope), the gain sqrt(2/(1 + slope²)).",
    )


CHECK_WHY_SELU_ATTRACTS_OPTIONS = {
    "a": Choice(
        "Because LeCun weights have mean zero, so every layer removes the common offset of z and "
        "brings E[z²] back towards the input's variance 1.",
        False,
        "No: the identity stack has the very same zero-mean weights and keeps Var(z) = 0.1 and "
        "10. Zero-mean weights remove a common offset of z in one layer; they do not fix a wrong "
        "scale.",
    ),
    "b": Choice(
        "Because λ > 1 amplifies every layer and LeCun's 1/n_in shrinks it back by the same "
        "amount, so the product of the two factors is 1 at every scale.",
        False,
        "No: a constant factor, or a product of constant factors, treats every scale alike: it "
        "keeps 0.1 and 10 where they start, as the identity does, or moves both the same way. It "
        "cannot pull a large variance down and a small one up.",
    ),
    "c": Choice(
        "Because SELU is not homogeneous: its negative branch levels off at -λα, so "
        "E[selu(z)²]/Var(z) is above 1 for small Var(z) and below 1 for large Var(z), and the map "
        "q -> E[selu(z)²] crosses the diagonal at q = 1 with a slope below 1.",
        True,
        "Yes: a map that crosses the diagonal with slope below 1 pulls q towards the crossing "
        "from both sides. The identity's map is the diagonal itself, so every q stays put.",
    ),
    "d": Choice(
        "Because a width of 500 averages out the fluctuations of each layer, and with them the "
        "deviation of Var(z) from the value 1 that LeCun weights are designed for.",
        False,
        "No: the width makes one network follow the mean-field map; the identity stack has the "
        "same width and keeps its start. The pull is in the map itself.",
    ),
}
"""Options of exercise 2 (explain), with the feedback for each."""


@exercise("ex2")
def check_why_selu_attracts(choice: object) -> Feedback:
    """Exercise 2 (explain): why SELU with LeCun weights returns to ``Var(z) = 1``; feedback
    per option."""
    return compare_choice(choice, CHECK_WHY_SELU_ATTRACTS_OPTIONS)


@exercise("ex3")
def check_logistic_taylor_variance(
    answer: object, n_in: int = TAYLOR_LAYER[0], n_out: int = TAYLOR_LAYER[1]
) -> Feedback:
    """Exercise 3 (compute): Var(W) of the logistic Taylor argument for ``n_in``, ``n_out``.

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
        "Because the first three are linear functions, so E[g(z)²] is a fixed multiple of Var(z); "
        "tanh is not linear, so its ratio changes.",
        False,
        "No: ReLU and leaky ReLU are not linear (they have a kink at 0); what they share with the "
        "identity is weaker.",
    ),
    "b": Choice(
        "Because they are positively homogeneous, g(c z) = c g(z) for c > 0, so E[g(z)²] is a "
        "fixed multiple of Var(z) at every scale; tanh bends, so the ratio depends on the scale.",
        True,
        "Yes: for a homogeneous g the factor E[g(z)²]/Var(z) is one number, and so is the gain; "
        "for tanh it falls as Var(z) grows.",
    ),
    "c": Choice(
        "Because PyTorch's calculate_gain returns constants for them derived from their slope at "
        "0, while its tanh value 5/3 was tuned by experiment.",
        False,
        "No: what PyTorch returns does not decide what keeps a variance, and a slope at 0 would "
        "not give ReLU's √2; for these three the gain follows from the derivation at every scale.",
    ),
    "d": Choice(
        "Because tanh's output has a nonzero mean, and the mean's share of E[tanh(z)²] grows with "
        "Var(z), so the gain has to shrink as Var(z) grows.",
        False,
        "No: tanh is odd, so for symmetric z its output has mean 0 at every scale; the issue is "
        "its curvature.",
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
