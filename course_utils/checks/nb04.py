"""Checks for the exercises of ``04_forward_variance.ipynb``.

Four exercises of four kinds: compute ``Var(XY)`` for independent factors with nonzero
means (:func:`check_product_variance`), predict ``Var(z)`` of a layer fed with ReLU outputs
before measuring it (:func:`check_relu_input_prediction`), change an initializer until one
fixed layer gives every unit the same variance on correlated inputs
(:func:`check_correlated_init`, runs the learner's function), and explain why pixels need
their mean square (:func:`check_why_pixels_need_second_moment`). The checks recognise the
typical slips (the means left out of the variance of a product, a variance read as a
standard deviation, ``Var(a)`` where ``E[a²]`` belongs ...). No message of the compute check
contains the expected value; the predict check names only the measurement its cell has just
made.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import initializers
from course_utils._validation import MAX_SCALE, check_float, check_int, check_size
from course_utils.checks import (
    Choice,
    Feedback,
    as_float,
    call_learner,
    compare_choice,
    compare_prediction,
    compare_with_slips,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS",
    "CORRELATION",
    "HINTS",
    "check_correlated_init",
    "check_product_variance",
    "check_relu_input_prediction",
    "check_why_pixels_need_second_moment",
    "correlated_inputs",
    "hint",
    "product_variance",
    "relu_layer_variance",
    "unit_variances",
]

HINTS = {
    "ex1": (
        "Write Var(XY) = E[(XY)²] - E[XY]² and use independence: E[(XY)²] = E[X²]·E[Y²].",
        "E[X²] = Var(X) + E[X]²; expand to E[X]²Var(Y) + Var(X)E[Y]² + Var(X)Var(Y).",
    ),
    "ex2": (
        "The inputs do not have mean 0, so the formula of section 4a applies: which moment of "
        "the inputs enters Var(z)?",
        "Var(z) = n·Var(W)·E[a²] with n·Var(W) = 1; for a = max(x, 0) with x symmetric, "
        "a² equals x² on half of the draws and 0 on the other half.",
    ),
    "ex3": (
        "For one fixed matrix, Var(z_k) = (1-ρ)·Σ_j w_kj² + ρ·(Σ_j w_kj)²: the second term is "
        "what differs from unit to unit. Make it the same (zero) for every unit.",
        "Subtract from each row of W its mean (W - W.mean(axis=1, keepdims=True)): every row "
        "then sums to 0. What is left is (1-ρ)·Σ_j w_kj², so multiply W by 1/sqrt(1-ρ).",
    ),
    "ex4": (
        "Write the variance of one term w a with w and a independent and E[w] = 0.",
        "Var(XY) from section 1 with E[X] = 0: which terms survive?",
    ),
}
hint = hint_function(HINTS, "nb04")


def product_variance(mean_x: float, var_x: float, mean_y: float, var_y: float) -> float:
    """``Var(XY)`` for independent ``X`` and ``Y`` with the given means and variances."""
    mean_x = check_float(mean_x, "mean_x", minimum=-MAX_SCALE, maximum=MAX_SCALE)
    mean_y = check_float(mean_y, "mean_y", minimum=-MAX_SCALE, maximum=MAX_SCALE)
    var_x = check_float(var_x, "var_x", minimum=0.0, maximum=MAX_SCALE)
    var_y = check_float(var_y, "var_y", minimum=0.0, maximum=MAX_SCALE)
    return mean_x**2 * var_y + var_x * mean_y**2 + var_x * var_y


# ---------------------------------------------------------------------------
# Exercise 1: compute a value
# ---------------------------------------------------------------------------


@exercise("ex1")
def check_product_variance(
    answer: object,
    mean_x: float = 1.5,
    var_x: float = 2.5,
    mean_y: float = -1.0,
    var_y: float = 4.0,
) -> Feedback:
    """Exercise 1: ``Var(XY)`` for independent ``X ~ N(mean_x, var_x)``, ``Y ~ N(mean_y, var_y)``.

    The expected value is ``E[X]^2 Var(Y) + Var(X) E[Y]^2 + Var(X) Var(Y)``; right to 3
    significant figures passes, right to 2 is "close".
    """
    mean_x = check_float(mean_x, "mean_x")
    var_x = check_float(var_x, "var_x", minimum=0.0)
    mean_y = check_float(mean_y, "mean_y")
    var_y = check_float(var_y, "var_y", minimum=0.0)
    expected = product_variance(mean_x, var_x, mean_y, var_y)
    slips = [
        (
            var_x * var_y,
            "is Var(X)·Var(Y) alone, the zero-mean formula; here the means are not zero, "
            "so E[X]²Var(Y) and Var(X)E[Y]² add to it.",
        ),
        (
            mean_x**2 * var_y + var_x * mean_y**2,
            "has the two mean terms but leaves out Var(X)·Var(Y).",
        ),
        (
            mean_x**2 * var_y + var_x * var_y,
            "leaves out the term Var(X)·E[Y]².",
        ),
        (
            var_x * mean_y**2 + var_x * var_y,
            "leaves out the term E[X]²·Var(Y).",
        ),
        (
            expected + (mean_x * mean_y) ** 2,
            "is E[(XY)²], the second moment; subtract E[XY]² = (E[X]E[Y])² to get the variance.",
        ),
        (
            product_variance(mean_x, var_x**2, mean_y, var_y**2),
            "reads the second parameters as standard deviations; in N(μ, σ²) the second "
            "parameter is the variance.",
        ),
    ]
    return compare_with_slips(answer, expected, "Var(XY)", slips, label="Var(XY)")


# ---------------------------------------------------------------------------
# Exercise 2: predict, then run
# ---------------------------------------------------------------------------

RELU_WIDTH = 500
RELU_EXAMPLES = 2000


def relu_layer_variance() -> float:
    """``Var(z)`` of the exercise's layer: ``lecun_normal`` weights (500 x 500, seed 5) on
    ReLU outputs ``max(x, 0)`` of a standard normal ``x`` (500 x 2000, seed 4)."""
    rng = np.random.default_rng(4)
    a = np.maximum(rng.standard_normal((RELU_WIDTH, RELU_EXAMPLES)), 0.0)
    W = initializers.lecun_normal((RELU_WIDTH, RELU_WIDTH), rng=5)
    return float(np.var(W @ a))


@exercise("ex2")
def check_relu_input_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 2: the learner's prediction of ``Var(z)`` for ReLU outputs fed to a layer
    with ``n Var(W) = 1``.

    ``measured`` is what the exercise cell measured (recomputed with
    :func:`relu_layer_variance` when omitted). A prediction within 10 % of the measurement
    passes; otherwise the message says in which direction it is off and which reasoning
    produces such a value (the zero-mean formula with ``Var(a)``, ``E[a]²`` alone, a
    variance assumed to be preserved).
    """
    value = (
        relu_layer_variance()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    x = as_float(prediction)
    if x is not None and x <= 0:
        return Feedback(False, "A variance is positive, and these inputs are not all zero.")
    var_a = 0.5 - 1.0 / (2.0 * math.pi)  # Var(max(x, 0)) for x ~ N(0, 1)
    slips = [
        (
            var_a,
            "That is n·Var(W)·Var(a), the zero-mean formula. ReLU outputs are never negative, "
            "so their mean is not 0 and n·Var(W)·E[a]² adds to it: E[a²] enters, as for the "
            "pixels of section 4a.",
        ),
        (
            1.0 / (2.0 * math.pi),
            "That is n·Var(W)·E[a]² alone; the variance of the inputs adds to it.",
        ),
        (
            1.0,
            "That would hold if the layer kept the variance of x; but the layer sees "
            "a = max(x, 0), and ReLU sets half of the inputs to 0.",
        ),
        (
            2.0,
            "That is He's factor 2 the wrong way round: ReLU halves the mean square, it does "
            "not double it.",
        ),
    ]
    return compare_prediction(
        prediction,
        value,
        "Var(z)",
        rtol=0.1,
        slips=slips,
        explain="With zero-mean weights Var(z) = n·Var(W)·E[a²], and E[max(x, 0)²] is half of "
        "E[x²] = 1: the reason He's rule doubles Var(W) for ReLU.",
    )


# ---------------------------------------------------------------------------
# Exercise 3: modify the experiment
# ---------------------------------------------------------------------------

CORRELATION = 0.5
"""Correlation rho between any two inputs in exercise 3."""
CORRELATED_SHAPE = (500, 500)
CORRELATED_EXAMPLES = 1000


def correlated_inputs(
    n: int = CORRELATED_SHAPE[1], m: int = CORRELATED_EXAMPLES, rho: float = CORRELATION
) -> np.ndarray:
    """``a_j = sqrt(rho) s + sqrt(1 - rho) e_j`` (shape ``(n, m)``, seed 8), as in section 4b:
    every entry has mean 0 and variance 1, any two inputs correlation ``rho``."""
    rho = check_float(rho, "rho", minimum=0.0, maximum=1.0)
    n = check_int(n, "n", minimum=1)
    m = check_int(m, "m", minimum=1)
    check_size(n * m, "n x m (the inputs)")
    rng = np.random.default_rng(8)
    shared = rng.standard_normal((1, m))
    return np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((n, m))


def unit_variances(init: object) -> np.ndarray:
    """The variance over the data of each unit of ``init(shape) @ correlated_inputs()``.

    Raises
    ------
    TypeError, ValueError
        When ``init`` is not a function or does not return a finite array of shape
        ``CORRELATED_SHAPE``.
    """
    if not callable(init):
        raise TypeError(f"init must be a function of the shape, got {type(init).__name__}")
    return _unit_variances_of(init(CORRELATED_SHAPE))


def _unit_variances_of(W: object) -> np.ndarray:
    try:
        W = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"init should return a numeric array ({exc})") from None
    if W.shape != CORRELATED_SHAPE:
        raise ValueError(f"init should return an array of shape {CORRELATED_SHAPE}, got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError("init returned NaN or inf entries")
    return np.var(W @ correlated_inputs(), axis=1)


MAX_SPREAD = 0.15
"""Exercise 3 passes when the units' variances have a standard deviation below this
fraction of their mean ..."""
MEAN_RANGE = (0.85, 1.15)
"""... and their mean is in this range."""


@exercise("ex3")
def check_correlated_init(init: object) -> Feedback:
    """Exercise 3: ``init(shape)`` returns the weights of one 500 x 500 layer.

    The check feeds it inputs with correlation 0.5 between any two of them (section 4b) and
    passes when every unit gets about the same variance over the data: the units' variances
    have a standard deviation below 0.15 times their mean, and a mean between 0.85 and
    1.15.
    """
    W, failed = call_learner(init, "init", CORRELATED_SHAPE)
    if failed is not None:
        return failed
    try:
        with np.errstate(all="ignore"):
            v = _unit_variances_of(W)
    except (TypeError, ValueError) as exc:
        return Feedback(False, str(exc) + ".")
    mean, spread = float(v.mean()), float(v.std())
    if not (math.isfinite(mean) and math.isfinite(spread)):
        return Feedback(False, "The layer's output is not finite: the weights are far too large.")
    measured = f"the units' variances have mean {mean:.3g} and sd {spread:.3g}"
    if mean <= 0 or spread > MAX_SPREAD * mean:
        return Feedback(
            False,
            f"{measured}: they still spread from unit to unit (the target is an sd below "
            f"{MAX_SPREAD} times the mean). The term ρ·(Σ_j w_kj)² is a different number for "
            "every row of W: make it the same for every unit. Scaling W or changing its "
            "distribution does not remove it.",
        )
    if not MEAN_RANGE[0] <= mean <= MEAN_RANGE[1]:
        what = (
            "too low: once the shared component is cancelled only (1-ρ)·Σ_j w_kj² is left, "
            "so raise the gain of the weights."
            if mean < MEAN_RANGE[0]
            else "too high: lower the gain of the weights."
        )
        return Feedback(
            False,
            f"{measured}: the spread is under control, but the target mean is between "
            f"{MEAN_RANGE[0]} and {MEAN_RANGE[1]}, and the level is {what}",
        )
    return Feedback(
        True,
        f"{measured}: every unit now sees the same variance. With rows that sum to 0 the "
        "shared component of the inputs cancels in every unit, and the gain 1/sqrt(1-ρ) "
        "restores the level.",
    )


# ---------------------------------------------------------------------------
# Exercise 4: explain
# ---------------------------------------------------------------------------

CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS = {
    "a": Choice(
        "Because neighbouring pixels are correlated, and correlated terms add covariances, which "
        "E[a²] accounts for and Var(a) does not.",
        False,
        "No: correlation breaks a different assumption (A2), and E[a²] holds no covariance "
        "between pixels; the formula with E[a²] still assumes independent inputs.",
    ),
    "b": Choice(
        "Because Var(w a) = E[w²] E[a²] - (E[w] E[a])², and with zero-mean weights only E[w²] "
        "E[a²] is left: the mean of the inputs counts too.",
        True,
        "Yes: with E[w] = 0 the variance of each term is Var(w)·E[a²] = Var(w)·(Var(a) + E[a]²); "
        "pixels have a clearly nonzero mean.",
    ),
    "c": Choice(
        "Because the pixels are scaled to [0, 1], so Var(a) is at most 1/4, and E[a²] is the "
        "tighter bound on Var(w a) for such inputs.",
        False,
        "No: scaling changes the numbers, not which moment the formula needs, and E[a²] is not a "
        "bound here but the exact factor.",
    ),
    "d": Choice(
        "Because Var(a) estimated from a sample of pixels is biased, while the mean square E[a²] "
        "is an unbiased estimate of the same quantity.",
        False,
        "No: both are easy to estimate from many pixels; Var(a) is the wrong quantity when E[a] "
        "is not zero, whatever the sample size.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_pixels_need_second_moment(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_PIXELS_NEED_SECOND_MOMENT_OPTIONS)
