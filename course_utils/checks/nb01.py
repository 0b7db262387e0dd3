"""Checks for the exercises of ``01_why_initialization_matters.ipynb``."""

from __future__ import annotations

import math

import numpy as np

from course_utils import datasets
from course_utils.checks import (
    Choice,
    Feedback,
    compare_arrays,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
    read_array,
)
from course_utils.mlp import MLP

#: Setup of exercise 2: the playground network with every weight 0.5, on 400 circles.
SYMMETRY_SIZES = [2, 6, 3, 1]
SYMMETRY_VALUE = 0.5
SYMMETRY_SEED = 0

#: Parameter names of the [2, 6, 3, 1] network, in the order of ``MLP.param_names``.
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


#: Number of inputs of the layer of exercise 1 (not a layer of the playground, whose stds
#: the notebook prints).
TOO_SMALL_N_IN = 50

HINTS = {
    "ex1": (
        "'Too small' fixes the VARIANCE of a weight, as a multiple of 1/n_in; the question asks "
        "for the standard deviation.",
        "Var(W) = 0.01 / n_in with n_in the number of inputs of the layer; std = sqrt(Var(W)).",
    ),
    "ex2": (
        "net.forward(X) gives a cache, net.backward(cache, y) the gradients; their dW are "
        "ordered layer 1 first.",
        "grads = net.backward(net.forward(X), y); the answer is grads.dW[0], shape (6, 2). "
        "Compare its rows.",
    ),
    "ex3": (
        "With every weight 0, which activations are 0, and which gradients are a product with "
        "a zero weight or a zero activation?",
        "dW3 = dz3 @ a2.T with a2 = relu(0) = 0; everything before layer 3 is multiplied by "
        "W3 = 0. One bias is left.",
    ),
    "ex4": (
        "Write down what unit j of layer 1 computes, and what its gradient depends on.",
        "The gradient of row j is dz_j a^T; if all units have equal weights, is dz_j the same for "
        "every j?",
    ),
}
hint = hint_function(HINTS, "nb01")


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
    ]
    return compare_scalar(
        value,
        expected,
        "std",
        slips=slips,
        on_pass="Variance 0.01/n_in, so the std is 0.1/sqrt(n_in).",
    )


def symmetric_network() -> tuple[MLP, np.ndarray, np.ndarray]:
    """The network and data of exercise 2: every weight 0.5, biases 0, 400 circles."""
    net = MLP(
        SYMMETRY_SIZES,
        hidden="relu",
        output="sigmoid",
        init=[lambda shape, rng: np.full(shape, SYMMETRY_VALUE)] * (len(SYMMETRY_SIZES) - 1),
    )
    x, y = datasets.make_circles(400, rng=SYMMETRY_SEED)
    return net, x, y


@exercise("ex2")
def check_gradient_rows(dW1: object) -> Feedback:
    """Exercise 2: ``dL/dW1`` (shape (6, 2)) of the constant-0.5 network on the circles.

    Its six rows must be identical: every hidden unit gets the same update.
    """
    arr = read_array(dW1, "dW1")
    if isinstance(arr, Feedback):
        return arr
    net, x, y = symmetric_network()
    grads = net.backward(net.forward(x), y)
    expected = grads.dW[0]
    if arr.shape == expected.T.shape and arr.shape != expected.shape:
        return Feedback(
            False, f"dW1 has shape {arr.shape}: transposed; gradients have W's shape (6, 2)."
        )
    for name, g in zip(("dW2", "dW3"), grads.dW[1:], strict=True):
        if arr.shape == g.shape:
            return Feedback(False, f"That has the shape of {name} {g.shape}; take grads.dW[0].")
    if arr.shape == expected.shape and np.allclose(arr, SYMMETRY_VALUE):
        return Feedback(False, "Those are the weights W1 (all 0.5), not their gradient dW1.")
    if arr.shape == expected.shape and np.allclose(arr, -expected, rtol=1e-6, atol=1e-12):
        return Feedback(
            False, "Check the sign: dW1 is the gradient dL/dW1, not the step -lr * dL/dW1."
        )
    factors = {
        "400": (400.0, "summed over the 400 examples instead of averaged (the cost is a mean)."),
    }
    feedback = compare_arrays(arr, expected, "dW1", rtol=1e-6, atol=1e-12, factors=factors)
    if not feedback:
        return feedback
    return Feedback(
        True,
        "dW1 matches and its 6 rows are identical: every hidden unit of layer 1 receives the "
        "same gradient, so the units stay copies of each other.",
    )


def unbalanced_circles() -> tuple[np.ndarray, np.ndarray]:
    """The data of exercise 3: all 200 inner points of the circles, only 100 ring points."""
    x, y = datasets.make_circles(400, rng=SYMMETRY_SEED)
    idx = np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:100]])
    return x[:, idx], y[idx]


@exercise("ex3")
def check_zero_init_gradient(name: object) -> Feedback:
    """Exercise 3: the only parameter with a nonzero gradient when every weight is 0.

    With all weights zero, every hidden activation is ``relu(0) = 0``; the output is
    ``sigmoid(b3) = 1/2`` and ``dL/dz3 = p - y`` is not zero, but ``dW3 = dz3 a2^T = 0``
    (``a2 = 0``) and everything further back is multiplied by ``W3 = 0`` (and by
    ``relu'(0) = 0``). Only ``db3 = mean(p - y)`` survives; it is nonzero when the classes
    are unbalanced (:func:`unbalanced_circles`), and exactly 0 on balanced data.
    """
    if name is None or name is Ellipsis:
        return Feedback(False, "The name is not filled in yet (e.g. 'W2' or 'b1').")
    if isinstance(name, list | tuple | set):
        names = sorted(str(n).strip().upper().replace("B", "b") for n in name)
        if names == ["b3"]:
            name = "b3"
        else:
            return Feedback(
                False, f"Exactly one parameter has a nonzero gradient; you listed {names}."
            )
    if not isinstance(name, str):
        return Feedback(False, f"Answer with a name such as 'W2', got {type(name).__name__}.")
    key = name.strip()
    key = key[0].upper() + key[1:] if key[:1] in ("w", "W") else key.lower()
    if key not in PARAM_NAMES:
        return Feedback(
            False, f"{name!r} is not a parameter of the network; use one of {list(PARAM_NAMES)}."
        )
    if key == "b3":
        return Feedback(
            True,
            "b3: the output is sigmoid(b3) for every input, and db3 = mean(p - y) is the only "
            "gradient that does not pass through a zero weight or a zero activation.",
        )
    if key == "W3":
        return Feedback(
            False,
            "dW3 = dz3 @ a2.T, and a2 = relu(0) = 0 for every example: dW3 is exactly 0.",
        )
    return Feedback(
        False,
        f"d{key} is exactly 0: the error signal reaches layer {key[1]} only through W3 "
        "(dz2 = relu'(z2) * (W3.T @ dz3)), and W3 = 0.",
    )


CHECK_WHY_ROWS_STAY_EQUAL_OPTIONS = {
    "a": Choice(
        "The gradient is zero, so the weights never move.",
        False,
        "No: Exercise 2 measured a gradient that is not zero; the weights do move, only all rows "
        "by the same amount.",
    ),
    "b": Choice(
        "Every hidden unit computes the same function of the input and receives the same error "
        "signal, so each gets the same update.",
        True,
        "Yes: identical units get identical gradients, so gradient descent keeps them copies of "
        "each other; only a random start breaks the symmetry.",
    ),
    "c": Choice(
        "ReLU sets half of the units to zero.",
        False,
        "No: with all weights 0.5 and these inputs the units are identical, not dead; a ReLU unit "
        "that is active passes its gradient.",
    ),
    "d": Choice(
        "The learning rate is too small to separate them.",
        False,
        "No: a larger learning rate moves all rows further, but by the same amount; nothing in the"
        " update can tell the units apart.",
    ),
}
"""Options of exercise 4 (explain), with the feedback for each."""


@exercise("ex4")
def check_why_rows_stay_equal(choice: object) -> Feedback:
    """Exercise 4 (explain): the reason, as an option's letter; feedback per option."""
    return compare_choice(choice, CHECK_WHY_ROWS_STAY_EQUAL_OPTIONS)
