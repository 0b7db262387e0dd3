"""Checks for the exercises of ``01_why_initialization_matters.ipynb``.

Four exercises of four kinds: compute the standard deviation of a "Too small" weight
(:func:`check_too_small_std`), predict how much a ReLU network with ``Var(W) = 4/n_in``
amplifies the signal's second moment before measuring it
(:func:`check_signal_growth_prediction`), change the weight scale of a "Too large" playground
run until no ReLU unit dies (:func:`check_no_dead_units`, runs the learner's function), and
explain why the units of a constant initialization stay copies of each other
(:func:`check_why_rows_stay_equal`). No failing message contains the expected value.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils import datasets
from course_utils._validation import check_float, check_rng
from course_utils.checks import (
    Choice,
    Feedback,
    Slip,
    call_learner,
    compare_choice,
    compare_prediction,
    compare_scalar,
    exercise,
    hint_function,
)
from course_utils.experiments.playground import SIZES, PlaygroundModel
from course_utils.mlp import MLP

__all__ = [
    "CHECK_WHY_ROWS_STAY_EQUAL_OPTIONS",
    "HINTS",
    "check_no_dead_units",
    "check_signal_growth_prediction",
    "check_too_small_std",
    "check_why_rows_stay_equal",
    "hint",
    "measured_signal_growth",
]

#: Number of inputs of the layer of exercise 1 (not a layer of the playground, whose stds
#: the notebook prints).
TOO_SMALL_N_IN = 50
#: Exercise 2: the variance factor k of ``Var(W) = k / n_in`` and the number of networks.
GROWTH_K = 4.0
GROWTH_NETWORKS = 2000
#: Exercise 3: the run the learner changes, and the property it must reach.
DEAD_UNITS_STEPS = 300
DEAD_UNITS_COST = 0.05

HINTS = {
    "ex1": (
        "'Too small' fixes the VARIANCE of a weight, as a multiple of 1/n_in; the question asks "
        "for the standard deviation.",
        "Var(W) = 0.01 / n_in with n_in the number of inputs of the layer; std = sqrt(Var(W)).",
    ),
    "ex2": (
        "Follow the recurrence of the section 'How big is the signal at step 0?': what does "
        "the first layer do to q_0, and what does each later layer do?",
        "q_1 = k q_0 (the input is not passed through a ReLU), then q_l = (k/2) q_(l-1): "
        "q_3 / q_0 = k (k/2)^2.",
    ),
    "ex3": (
        "Too large weights make the first steps huge, and a large step can push a ReLU unit "
        "below zero for every point. Which setting makes the initial weights smaller?",
        "The weights' std is scale times Too large's 10/sqrt(n_in), so the variance factor is "
        "k = 100 scale²: try scales that bring k near 1 or 2 (Appropriate or He).",
    ),
    "ex4": (
        "Write down what unit j of layer 1 computes, and what its gradient depends on.",
        "The gradient of row j is dz_j a^T; if all units have equal weights, is dz_j the same for "
        "every j?",
    ),
}
hint = hint_function(HINTS, "nb01")


# ---------------------------------------------------------------------------------------------
# Exercise 1: compute a value


@exercise("ex1")
def check_too_small_std(value: object) -> Feedback:
    """Exercise 1: standard deviation of a "Too small" weight in a layer with
    ``TOO_SMALL_N_IN`` inputs: ``sqrt(0.01 / n_in)``."""
    n = TOO_SMALL_N_IN
    expected = math.sqrt(0.01 / n)
    slips = [
        (
            0.01,
            "is the factor itself: 0.01 scales the VARIANCE 1/n_in; divide by n_in and "
            "take the square root.",
        ),
        (
            0.01 / math.sqrt(n),
            "uses 0.01 as a factor of the std; it multiplies the variance, "
            "so the std gets sqrt(0.01) = 0.1.",
        ),
        (
            math.sqrt(1.0 / n),
            "is sqrt(1/n_in), the 'Appropriate' std: the factor 0.01 of "
            "'Too small' is missing (under the square root).",
        ),
        (0.01 / n, "is the variance 0.01/n_in; the question asks for the standard deviation."),
        (
            math.sqrt(0.01 / 6),
            f"is the std for the playground's layer with 6 inputs; this layer has {n}.",
        ),
        (
            math.sqrt(1.0 / 6),
            "is sqrt(1/6), the 'Appropriate' std of the playground's layer with 6 inputs: "
            f"this is 'Too small' (factor 0.01) in a layer with {n} inputs.",
        ),
    ]
    return compare_scalar(
        value,
        expected,
        "std",
        slips=slips,
        on_pass="Variance 0.01/n_in, so the std is 0.1/sqrt(n_in).",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2: predict, then run


def _scaled_normal(k: float):
    def sample(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        return rng.normal(0.0, math.sqrt(k / shape[1]), shape)

    return sample


def measured_signal_growth(rng: int = 5) -> float:
    """Exercise 2's measurement: ``E[(z^[3])^2] / q_0`` at step 0 on the 400 circles, averaged
    over ``GROWTH_NETWORKS`` playground networks with ``Var(W) = GROWTH_K / n_in``."""
    gen = check_rng(rng)
    x, _ = datasets.make_circles(400, rng=0)
    init = [_scaled_normal(GROWTH_K)] * (len(SIZES) - 1)
    second = [
        np.mean(MLP(SIZES, "relu", "sigmoid", init=init, rng=gen).forward(x).z[-1] ** 2)
        for _ in range(GROWTH_NETWORKS)
    ]
    return float(np.mean(second) / np.mean(x**2))


@exercise("ex2")
def check_signal_growth_prediction(prediction: object, measured: object = None) -> Feedback:
    """Exercise 2 (predict, then run): the learner's prediction of
    :func:`measured_signal_growth`, ``k (k/2)^2 = k^3/4`` with ``k = 4``.

    ``measured`` is the value the notebook's cell measured; it is recomputed when omitted.
    A prediction within 20 % of the measurement passes.
    """
    value = (
        measured_signal_growth()
        if measured is None
        else check_float(measured, "measured", minimum=0.0, strict_min=True)
    )
    k = GROWTH_K
    slips = [
        Slip(k**3, "is k³: each ReLU halves the second moment; two ReLUs sit between x and z3."),
        Slip(
            (k / 2) ** 3,
            "is (k/2)³: the first layer acts on the raw input, with no ReLU before it; only "
            "layers 2 and 3 see a ReLU's output.",
        ),
        Slip(
            k**1.5 / 2,
            "is 4: that is the growth of the RMS, sqrt(k³/4), or the factor k of one layer "
            "alone; the question asks for the second moment after all three weight matrices.",
        ),
        Slip(3 * k, "adds a factor k per layer; the layers multiply their factors."),
        Slip(1.0, "is 1, the level signal of He (k = 2); here k is twice He's."),
    ]
    return compare_prediction(
        prediction,
        value,
        "E[(z3)²] / q0",
        rtol=0.2,
        slips=slips,
        explain="The first layer multiplies the second moment by k, each later layer by k/2 "
        "(its ReLU input keeps half of it): twice He's variance doubles the signal at every "
        "ReLU layer.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3: modify the experiment


@exercise("ex3")
def check_no_dead_units(experiment: object) -> Feedback:
    """Exercise 3 (modify the experiment): ``experiment()`` returns a "Too large"
    :class:`PlaygroundModel` on the circles (seed 0, lr 0.5) trained for ``DEAD_UNITS_STEPS``
    steps. It passes when no hidden ReLU unit is dead and the cost is below
    ``DEAD_UNITS_COST``; the learner changes the weight scale.
    """
    model, failed = call_learner(experiment, "experiment")
    if failed is not None:
        return failed
    if not isinstance(model, PlaygroundModel):
        return Feedback(
            False,
            f"experiment() should return the PlaygroundModel, got {type(model).__name__}.",
        )
    settings = (model.init, model.dataset, model.seed, model.lr)
    if settings != ("Too large", "circles", 0, 0.5):
        return Feedback(
            False,
            "Keep 'Too large' on the circles with seed 0 and lr 0.5; change only the scale.",
        )
    if model.step_count != DEAD_UNITS_STEPS:
        return Feedback(
            False, f"Train for exactly {DEAD_UNITS_STEPS} steps (it ran {model.step_count})."
        )
    dead = model.dead_units()
    cost = float(model.losses[-1])
    k = 100.0 * model.scale**2
    where = f"At scale {model.scale:.3g} (variance factor k = {k:.3g}): dead units {dead}"
    if not math.isfinite(cost):
        return Feedback(False, f"{where}, and the cost is not finite: make the weights smaller.")
    where += f", cost {cost:.3g} after {DEAD_UNITS_STEPS} steps"
    if sum(dead) > 0:
        if k > 2:
            return Feedback(
                False,
                f"{where}. The first large steps pushed units below zero for every point: "
                "make the initial weights smaller.",
            )
        return Feedback(
            False,
            f"{where}. With weights this small the network learns too slowly and loses units "
            "on the way: you went too far, make the initial weights larger again.",
        )
    if cost >= DEAD_UNITS_COST:
        direction = "smaller" if k > 2 else "larger"
        return Feedback(
            False,
            f"{where}: no dead unit, but the cost is not below {DEAD_UNITS_COST} yet; "
            f"try {direction} initial weights (k near 1 or 2 learns fastest).",
        )
    return Feedback(
        True,
        f"{where}: every unit is alive and the circles are learnt. Too large weights kill "
        "units through the huge first steps; at a sensible scale the same network trains.",
    )


# ---------------------------------------------------------------------------------------------
# Exercise 4: explain


CHECK_WHY_ROWS_STAY_EQUAL_OPTIONS = {
    "a": Choice(
        "All the gradients ∂L/∂W of the first layer are zero at this initialization, so "
        "gradient descent leaves every row where it started.",
        False,
        "No: the symmetry table shows a max |dW1| that is not zero for 'all 0.5'; the weights "
        "do move, only every row by the same amount.",
    ),
    "b": Choice(
        "Every hidden unit computes the same function of the input and receives the same error "
        "signal, so each gets the same update.",
        True,
        "Yes: identical units get identical gradients, so gradient descent keeps them copies "
        "of each other; only a random start breaks the symmetry.",
    ),
    "c": Choice(
        "ReLU switches off half of the hidden units at every step, and a unit that is switched "
        "off keeps its row, so the rows cannot drift apart.",
        False,
        "No: with all weights 0.5 and these inputs the units are identical, not dead; an "
        "active ReLU unit passes its gradient, and the rows still stay equal.",
    ),
    "d": Choice(
        "The learning rate is too small for the tiny differences between the rows to grow "
        "within the number of steps that the run lasts.",
        False,
        "No: there are no differences to grow; a larger learning rate moves all rows further, "
        "but by the same amount, so nothing in the update can tell the units apart.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_rows_stay_equal(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_ROWS_STAY_EQUAL_OPTIONS)
