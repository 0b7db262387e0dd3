"""Checks for the exercises of ``10_normalization_and_residuals.ipynb``.

1. :func:`check_gpt2_projection_std` (compute a value): the initial std of GPT-2's residual
   projections for a given number of layers. Accepted within 3 significant figures; the
   typical slips are recognised and the feedback says which way to look, never the value.
2. :func:`check_unscale_output` (modify the experiment): the learner's function undoes the
   weight scale on the output layer only; the check runs it on fresh networks.
3. :func:`check_rezero_prediction` (predict, then run): which parameters of a ReZero net get
   a gradient at step 0.
4. :func:`check_two_branches` (explain): why GPT-2 divides by ``sqrt(2 * n_layer)``.
"""

from __future__ import annotations

import math

import numpy as np

from course_utils._validation import check_int
from course_utils.checks import (
    Choice,
    Feedback,
    call_learner,
    compare_choice,
    compare_scalar,
    exercise,
    hint_function,
)

__all__ = [
    "CHECK_REZERO_PREDICTION_OPTIONS",
    "CHECK_TWO_BRANCHES_OPTIONS",
    "HINTS",
    "check_gpt2_projection_std",
    "check_rezero_prediction",
    "check_two_branches",
    "check_unscale_output",
    "hint",
]

HINTS = {
    "ex1": (
        "nanoGPT starts from the base std 0.02 and divides the residual projections by the "
        "square root of the number of residual branches.",
        "Each block has two branches (attention and MLP): std = 0.02 / sqrt(2 * n_layer).",
    ),
    "ex2": (
        "The function must change net.weights[-1] itself, not bind a new array to a name.",
        "Divide in place: net.weights[-1][...] /= scale (or net.weights[-1] /= scale).",
    ),
    "ex3": (
        "With alpha = 0 the branch's output is multiplied by 0: what flows back into it?",
        "The skip connections carry the gradient to the stem and the output layer; alpha's "
        "own gradient is sum(dL/dx_out * F(x)).",
    ),
    "ex4": (
        "Count what adds to the residual stream in one transformer block.",
        "N terms of equal variance add up to N times one; scaling each by 1/sqrt(N) keeps the "
        "sum at the size of one.",
    ),
}
hint = hint_function(HINTS, "nb10")


@exercise("ex1")
def check_gpt2_projection_std(answer: object, n_layer: int = 48) -> Feedback:
    """Exercise 1: the std of a residual projection (``c_proj``) of a GPT-2 with ``n_layer``
    transformer blocks, base std 0.02, to 3 significant figures."""
    n_layer = check_int(n_layer, "n_layer", minimum=1)
    expected = 0.02 / math.sqrt(2 * n_layer)
    slips = [
        (
            0.02,
            "That is the base std 0.02 of every other weight; the residual projections are "
            "scaled down further.",
        ),
        (
            0.02 / math.sqrt(n_layer),
            "You divided by sqrt(n_layer); count the residual branches: each block adds to "
            "the stream twice.",
        ),
        (
            0.02 / (2 * n_layer),
            "You divided the std by the number of branches; the rule divides the variance by "
            "it, i.e. the std by its square root.",
        ),
        (0.02**2 / (2 * n_layer), "That is a variance; the question asks for the std."),
        (0.02 * math.sqrt(2 * n_layer), "You multiplied; the projections start smaller than 0.02."),
    ]
    return compare_scalar(
        answer,
        expected,
        "std",
        slips=slips,
        on_pass="0.02 shrunk by the square root of the number of branches.",
    )


@exercise("ex2")
def check_unscale_output(fn: object, scale: float = 16.0) -> Feedback:
    """Exercise 2: ``fn(net, scale)`` must divide the output layer's weights by ``scale`` in
    place and leave every other parameter alone. Run on two fresh sweep networks."""
    from course_utils.experiments import modern

    for hidden, s in (("relu", scale), ("tanh", 0.25)):
        net = modern.sweep_model(hidden, "batch", s, depth=2, width=16)
        before = net.get_params()
        # what counts is the change in place; a return value is ignored
        _, failed = call_learner(fn, "Your function", net, s)
        if failed is not None:
            return failed
        after = net.get_params()
        n_w = net.n_layers
        out_before, out_after = before[n_w - 1], after[n_w - 1]
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            if i != n_w - 1 and not np.array_equal(a, b):
                return Feedback(
                    False, f"{net.param_names[i]} changed; only the output layer's W should."
                )
        if out_after.shape != out_before.shape:
            return Feedback(False, "the output layer's W changed shape.")
        ratio = float(np.linalg.norm(out_after) / np.linalg.norm(out_before))
        if math.isclose(ratio, 1.0, rel_tol=1e-4):
            return Feedback(
                False,
                "the output layer's weights are unchanged: still scaled (a new array bound to a "
                "name does not change net; modify net.weights[-1] in place).",
            )
        if not math.isclose(ratio, 1.0 / s, rel_tol=1e-4):
            direction = "more" if ratio < 1.0 / s else "less"
            return Feedback(
                False,
                f"at scale {s:g} your function shrinks the output layer {direction} than "
                "needed to undo the scale.",
            )
    return Feedback(True, "only the output layer is back at its usual scale; now run the sweep.")


_REZERO_TEXT = {
    "a": "every parameter, since the skip connections carry the gradient to every layer",
    "b": "every parameter except those inside the residual branches (their weights and biases)",
    "c": "only the output layer, since alpha = 0 cuts every path from the loss to the stem",
    "d": "only the alphas, since every other parameter sits behind a branch scaled by 0",
}
"""Exercise 3's options: which parameters of a ReZero net have a non-zero gradient at step 0."""

_REZERO_FEEDBACK = {
    "a": "With alpha = 0 the branch output is multiplied by 0, so nothing flows back into the "
    "branches: their weights get exactly zero gradient.",
    "b": "The skip connections carry the gradient to the stem and the output layer, alpha gets "
    "dL/dalpha = sum(dL/dx_out * F(x)) != 0, and the branches wait one step for alpha "
    "to move.",
    "c": "The skip connections pass the gradient back unchanged, so the stem learns too, and "
    "each alpha has its own gradient.",
    "d": "The output layer and the stem get gradients as well: the stream is the stem's "
    "output, and the skip connections carry the gradient to it.",
}

CHECK_REZERO_PREDICTION_OPTIONS = {
    k: Choice(text, k == "b", _REZERO_FEEDBACK[k]) for k, text in _REZERO_TEXT.items()
}


@exercise("ex3")
def check_rezero_prediction(prediction: object) -> Feedback:
    """Exercise 3: ``prediction`` is a key of :data:`CHECK_REZERO_PREDICTION_OPTIONS`."""
    return compare_choice(prediction, CHECK_REZERO_PREDICTION_OPTIONS)


_TWO_BRANCH_TEXT = {
    "a": "each transformer block has two residual branches (attention and MLP), each ending in "
    "a projection that adds to the stream",
    "b": "GELU passes on about half of its input's variance, as ReLU does, and the 2 in the "
    "square root makes up for that loss in every block",
    "c": "the variance of an unscaled residual stream doubles with every block, and the 2 "
    "cancels that doubling over the depth of the network",
    "d": "LayerNorm doubles the variance of the input it normalizes, so each block's "
    "projection has to be shrunk by a factor that includes the 2",
}
"""Exercise 4's options: why GPT-2-style code divides by ``sqrt(2 * n_layer)``."""

_TWO_BRANCH_FEEDBACK = {
    "a": "N counts the residual branches: 2 per block, so 2 * n_layer terms add to the stream, "
    "and scaling each by 1/sqrt(N) keeps their summed variance at the size of one.",
    "b": "A gain for the activation would multiply the weights of the layer after it, not "
    "divide the projections by the depth; the factor grows with n_layer.",
    "c": "Doubling per block would need a factor 2^(-n_layer/2); the rule divides by a square "
    "root of the depth, which undoes a growth linear in the number of branches.",
    "d": "LayerNorm outputs unit variance per example whatever its input; it is the branches "
    "added to the stream that make it grow.",
}

CHECK_TWO_BRANCHES_OPTIONS = {
    k: Choice(text, k == "a", _TWO_BRANCH_FEEDBACK[k]) for k, text in _TWO_BRANCH_TEXT.items()
}


@exercise("ex4")
def check_two_branches(answer: object) -> Feedback:
    """Exercise 4: ``answer`` is a key of :data:`CHECK_TWO_BRANCHES_OPTIONS`."""
    return compare_choice(answer, CHECK_TWO_BRANCHES_OPTIONS)
