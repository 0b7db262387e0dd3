"""Hostile-input audit of the public API of ``course_utils`` (widgets have their own tests).

Usage: python scripts/audit_hostile.py [--verbose] [--only SUBSTRING]

Every public callable (functions, classes, public methods) is first called with valid
arguments (its *baseline*); then each parameter in turn gets each hostile value (huge, tiny,
inf, NaN, huge ints, wrong types, huge shapes and counts, hostile arrays) while the others keep
their baseline values. Each call runs with warnings turned into errors, under a time bound
(SIGALRM) and an address-space limit (so that an unchecked huge allocation fails fast instead
of swapping). Outcomes:

ok         ValueError/TypeError whose message names the parameter (or, for a learner's
           answer to an exercise check, a Feedback returned)
accepted   the call returned finite values, or reported with a DivergenceWarning that the
           training it ran diverged: the hostile value was a legitimate input
bad_msg    ValueError/TypeError that does not name the parameter
other_exc  any other exception (OverflowError, MemoryError, IndexError ...)
warning    a warning was emitted (raised as an error here)
timeout    the call ran past the time bound
nonfinite  the call returned inf or NaN without a word

The exit status is 1 if any call falls in a failure column, so CI can run it.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import math
import os
import re
import resource
import signal
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_utils.training import DivergenceWarning  # noqa: E402

TIME_LIMIT_S = 10.0
MEMORY_LIMIT_BYTES = 4 * 1024**3
FAILURES = ("bad_msg", "other_exc", "warning", "timeout", "nonfinite")
COLUMNS = ("ok", "accepted", *FAILURES)


def _modules() -> tuple[str, ...]:
    """Every submodule of ``course_utils`` except the widgets (tested by their own suite)."""
    import pkgutil

    import course_utils

    names = []
    for name in course_utils._SUBMODULES:
        if name == "widgets":
            continue
        names.append(name)
        module = importlib.import_module(f"course_utils.{name}")
        if hasattr(module, "__path__"):
            names += [f"{name}.{info.name}" for info in pkgutil.iter_modules(module.__path__)]
    return tuple(sorted(names))


MODULES = _modules()

# Functions whose documented result may hold inf: a product of matrices overflowing float32
# is what notebook 02 shows (the overflow layer is reported in the result).
ALLOW_NONFINITE = {"signals.matrix_product_growth", "signals.linear_layer_stds"}
# Mean-field quantities whose documented value is inf or NaN: q* = inf where the signal grows
# without bound, xi_c = inf at the edge of chaos, NaN where every length is a fixed point.
ALLOW_NONFINITE |= {
    "theory.length_fixed_point",
    "theory.mean_field",
    "theory.correlation_depth_scale",
    "theory.chi_1",
}
# Sweeps that report a diverged run as a NaN accuracy (documented).
ALLOW_NONFINITE |= {"experiments.modern.scale_sweep"}

# Not audited: no arguments to attack, or a result type rather than an API.
SKIP = {"training.DivergenceWarning"}
# Argument checkers of the lesson models: their message names the caller's parameter, which
# they are given as ``name``.
SKIP |= {"experiments.base.check_positive", "experiments.base.check_scale"}
# Result records that only the course's own functions build (nobody passes them arguments),
# a decorator factory and a Protocol.
SKIP |= {
    "checks.Choice",
    "checks.Hint",
    "checks.exercise",
    "experiments.deep_networks.ChainSpectrum",
    "experiments.deep_networks.CorrelationPoint",
    "experiments.deep_networks.SignalRun",
    "experiments.deep_networks.TrainingRun",
    "experiments.mnist.BatchView",
    "experiments.mnist.ComparisonResult",
    "experiments.mnist.MnistData",
    "experiments.practice.DecisionRow",
    "experiments.practice.DecisionTable",
    "experiments.saturation.SaturationRun",
    "layers.NormCache",
    "losses.FusedLoss",
    "lsuv.LSUVReport",
    "mlp.TrainableModel",
    "summary.SummaryRow",
    "theory.MeanField",
}

# Plain records (results of other functions): they store what they are given, so a NaN put
# in comes back out; only their type checks are audited, not the "nonfinite" column.
RECORDS = {
    "activations.Activation",
    "checks.Slip",
    "mlp.ForwardCache",
    "mlp.Gradients",
    "signals.ProductGrowth",
    "summary.Rule",
    "summary.SummaryRow",
    "summary.SummaryTable",
    "training.History",
}


class _Timeout(BaseException):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def _ax() -> Any:
    fig, ax = plt.subplots()
    return ax


def _net() -> Any:
    from course_utils.mlp import MLP

    return MLP([2, 3, 2], rng=0)


def _table() -> Any:
    from course_utils import summary

    return summary.summary_table(n=16, depth=2, m=4, trials=1)


def _blocknet() -> Any:
    from course_utils.blocknet import plain_net

    return plain_net([2, 3, 2], "relu", norm="batch", rng=0)


def _hints(module: str) -> dict:
    return importlib.import_module(f"course_utils.checks.{module}").HINTS


def _xy() -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(-1.0, 1.0, 8).reshape(2, 4), np.array([0, 1, 0, 1])


# Baseline values by parameter name (used when a parameter has no default) ...
BY_NAME: dict[str, Callable[[], object]] = {
    "shape": lambda: (3, 4),
    "n": lambda: 8,
    "depth": lambda: 3,
    "width": lambda: 8,
    "m": lambda: 4,
    "steps": lambda: 2,
    "scale": lambda: 1.0,
    "value": lambda: 0.5,
    "answer": lambda: 1.0,
    "ratio": lambda: 1.0,
    "accuracy": lambda: 0.5,
    "n_classes": lambda: 2,
    "fractions": lambda: np.array([0.1, 0.2]),
    "dW1": lambda: np.zeros((3, 2)),
    "W": lambda: np.eye(3),
    "z": lambda: np.array([[0.5, -1.0], [2.0, 0.1], [0.0, 0.3]]),
    "y": lambda: np.array([0, 1]),
    "x": lambda: np.array([0.5, -0.5]),
    "X": lambda: np.linspace(0.0, 1.0, 12).reshape(3, 4),
    "q": lambda: 1.0,
    "gain": lambda: 1.0,
    "factor": lambda: 0.5,
    "threshold": lambda: 0.01,
    "fraction": lambda: 0.5,
    "activation": lambda: "tanh",
    "init": lambda: "xavier_normal",
    "name": lambda: "tanh",
    "nonlinearity": lambda: "tanh",
    "output": lambda: "softmax",
    "widths": lambda: [4, 4, 4],
    "sizes": lambda: [2, 3, 2],
    "weights": lambda: np.array([1.0, 2.0]),
    "biases": lambda: np.array([0.0, 0.1]),
    "values": lambda: np.array([1.0, 2.0]),
    "ax": _ax,
    "model": _net,
    "n_layers": lambda: 3,
    "images": lambda: np.zeros((2, 28, 28), np.uint8),
    "labels": lambda: np.zeros(2, np.uint8),
    "expected": lambda: 2.0,
    "params": lambda: _net().get_params(),
    # answers of exercise checks: a choice, a prediction, a learner's function
    "choice": lambda: "a",
    "prediction": lambda: 1.0,
    "setup": lambda: None,
    "fn": lambda: None,
    "experiment": lambda: None,
    "run": lambda: None,
    "make_model": lambda: None,
    "weight_variance": lambda: 1.0,
    "c": lambda: 0.5,
    "rule": lambda: "unscaled",
    "n_blocks": lambda: 2,
    "hidden": lambda: "relu",
    "norm": lambda: None,
}

# ... and per callable where the name alone is not enough.
OVERRIDES: dict[str, dict[str, Callable[[], object]]] = {
    "checks.compare_arrays": {"answer": lambda: np.ones(2), "expected": lambda: np.ones(2)},
    "checks.compare_with_slips": {"slips": lambda: [(2.0, "twice")], "name": lambda: "v"},
    "checks.compare_scalar": {"name": lambda: "v"},
    "checks.Slip": {"value": lambda: 1.0, "message": lambda: "slip"},
    "checks.Feedback": {"passed": lambda: True, "message": lambda: "fine"},
    "datasets.make_toy": {"name": lambda: "moons"},
    "initializers.constant": {"value": lambda: 0.5},
    "initializers.get": {"name": lambda: "xavier_normal"},
    "initializers.variance": {"name": lambda: "xavier_normal"},
    "losses.get": {"output": lambda: "softmax"},
    "losses.binary_cross_entropy": {"z": lambda: np.array([[0.3, -2.0]]), "y": lambda: [1, 0]},
    "losses.mean_squared_error": {"z": lambda: np.array([[0.3, -2.0]]), "y": lambda: [1.0, 0]},
    "losses.softmax_cross_entropy": {"z": lambda: np.array([[0.3], [-2.0]]), "y": lambda: [1]},
    "losses.output_activation": {"z": lambda: np.array([[0.3], [-2.0]])},
    "activations.get": {"name": lambda: "tanh"},
    "activations.Activation": {
        "name": lambda: "id",
        "_forward": lambda: lambda z: z,
        "_derivative": lambda: np.ones_like,
    },
    "jacobians.layer_jacobian": {"z": lambda: np.array([0.5, -1.0, 2.0])},
    "jacobians.jacobian_singular_values": {"z": lambda: np.array([0.5, -1.0, 2.0])},
    "jacobians.quarter_circle_pdf": {"x": lambda: np.array([0.5, 1.0])},
    "jacobians.quarter_circle_cdf": {"x": lambda: np.array([0.5, 1.0])},
    "mlp.MLP.forward": {"x": lambda: _xy()[0]},
    "mlp.MLP.predict": {"x": lambda: _xy()[0]},
    "mlp.MLP.loss": {"x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "mlp.MLP.accuracy": {"x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "mlp.MLP.backward": {"cache": lambda: _net().forward(_xy()[0]), "y": lambda: _xy()[1]},
    "mlp.gradient_check": {"x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "mlp.ForwardCache": {
        "z": lambda: [np.zeros((2, 1))],
        "a": lambda: [np.zeros((2, 1))],
        "output": lambda: np.zeros((2, 1)),
    },
    "mlp.Gradients": {
        "dz": lambda: [],
        "da": lambda: [],
        "dW": lambda: [],
        "db": lambda: [],
        "loss": lambda: 0.0,
    },
    "signals.ProductGrowth": {
        "layers": lambda: np.arange(2),
        "rms": lambda: np.ones(2),
        "max_abs": lambda: np.ones(2),
        "overflow_layer": lambda: None,
        "dtype": lambda: np.dtype(np.float64),
    },
    "signals.chain_derivatives": {"activation": lambda: "logistic", "x": lambda: [0.5, 1.0]},
    "signals.derivative_threshold": {"activation": lambda: "logistic"},
    "signals.saturation_gap": {"activation": lambda: "logistic", "z": lambda: [0.5, 3.0]},
    "signals.deep_linear_output": {"x": lambda: [1.0, 1.0]},
    "signals.linear_layer_stds": {"init": lambda: "lecun_normal"},
    "signals.digamma": {"x": lambda: 2.0},
    "summary.Rule": {
        "activation": lambda: "tanh",
        "family": lambda: "xavier",
        "source": lambda: "src",
        "gain_symbol": lambda: "1",
    },
    "summary.propagate": {"init": lambda: "xavier_normal", "m": lambda: 4},
    "summary.summary_table": {
        "n": lambda: 16,
        "depth": lambda: 2,
        "m": lambda: 4,
        "trials": lambda: 1,
    },
    "summary.variance_map": {"gain": lambda: 1.0},
    "summary.fixed_point": {"gain": lambda: 5 / 3},
    "summary.Rule.initializer": {"distribution": lambda: "uniform"},
    "summary.SummaryRow": {
        "rule": lambda: _table().rows[0].rule,
        "n": lambda: 16,
        "gain": lambda: 1.0,
        "bound": lambda: 0.4,
        "std": lambda: 0.2,
        "ratio_theory": lambda: 1.0,
        "ratio_uniform": lambda: 1.0,
        "ratio_normal": lambda: 1.0,
        "preserved": lambda: True,
    },
    "summary.SummaryTable": {
        "rows": lambda: _table().rows,
        "n": lambda: 16,
        "depth": lambda: 2,
        "tol": lambda: 2.0,
    },
    "theory.simulate_variances": {"m": lambda: 50},
    "training.History": {"n_layers": lambda: 2},
    "training.Trainer": {"x": lambda: _xy()[0], "y": lambda: _xy()[1], "rng": lambda: 0},
    "training.train": {
        "x": lambda: _xy()[0],
        "y": lambda: _xy()[1],
        "rng": lambda: 0,
        "steps": lambda: 2,
    },
    "plotting.theory_vs_measured": {
        "x": lambda: np.arange(3.0),
        "theory": lambda: np.ones(3),
        "measured": lambda: np.ones(3),
        "label": lambda: "l",
    },
    "plotting.layer_histograms": {"values": lambda: [np.ones(5), np.zeros(5)]},
    "blocknet.BlockNet": {"blocks": lambda: _blocknet().blocks, "output": lambda: "softmax"},
    "blocknet.BlockNet.forward": {"x": lambda: _xy()[0]},
    "blocknet.BlockNet.predict": {"x": lambda: _xy()[0]},
    "blocknet.BlockNet.loss": {"x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "blocknet.BlockNet.accuracy": {"x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "blocknet.BlockNet.backward": {
        "cache": lambda: _blocknet().forward(_xy()[0], train=True),
        "y": lambda: _xy()[1],
    },
    "blocknet.Dense": {"w": lambda: np.ones((3, 2))},
    "blocknet.Residual": {"w1": lambda: np.eye(2), "w2": lambda: np.eye(2)},
    "blocknet.gradient_check": {"model": _blocknet, "x": lambda: _xy()[0], "y": lambda: _xy()[1]},
    "blocknet.residual_net": {"n_in": lambda: 2, "width": lambda: 3, "n_out": lambda: 2},
    "checks.call_learner": {"func": lambda: lambda: 1.0, "name": lambda: "f"},
    "checks.compare_choice": {
        "answer": lambda: "a",
        "options": lambda: {
            "a": __import__("course_utils.checks", fromlist=["Choice"]).Choice("x", True, "y")
        },
    },
    "checks.compare_prediction": {"measured": lambda: 2.0, "name": lambda: "v"},
    "checks.describe_gap": {"value": lambda: 1.0, "reference": lambda: 2.0},
    "checks.hint_function": {"hints": lambda: {"1": ["idea"]}, "notebook": lambda: "00"},
    "checks.run_experiment": {
        "func": lambda: lambda: 1.0,
        "measure": lambda: lambda f: float(f()),
        "name": lambda: "v",
        "low": lambda: 0.5,
        "high": lambda: 2.0,
    },
    "conv.col2im": {
        "cols": lambda: np.ones((4, 8)),
        "x_shape": lambda: (2, 1, 3, 3),
        "kh": lambda: 2,
        "kw": lambda: 2,
    },
    "conv.conv2d": {"x": lambda: np.ones((2, 1, 4, 4)), "w": lambda: np.ones((3, 1, 2, 2))},
    "conv.conv2d_input_grad": {
        "dz": lambda: np.ones((2, 3, 3, 3)),
        "w": lambda: np.ones((3, 1, 2, 2)),
        "x_shape": lambda: (2, 1, 4, 4),
    },
    "conv.im2col": {"x": lambda: np.ones((2, 1, 3, 3)), "kh": lambda: 2, "kw": lambda: 2},
    "conv.output_size": {"size": lambda: 5, "k": lambda: 3},
    "experiments.deep_networks.correlation_after_depth": {
        "weight_variance": lambda: 2.0,
        "width": lambda: 8,
        "depth": lambda: 3,
    },
    "experiments.deep_networks.random_net": {"widths": lambda: [3, 4, 2]},
    "experiments.deep_networks.signal_propagation": {"width": lambda: 8, "depth": lambda: 3},
    "experiments.deep_networks.train_deep": {
        "x": lambda: _xy()[0],
        "y": lambda: _xy()[1],
        "depth": lambda: 2,
        "width": lambda: 4,
        "steps": lambda: 2,
        "batch_size": lambda: 2,
    },
    "experiments.deep_networks.trainability_grid": {
        "x": lambda: np.linspace(-1.0, 1.0, 128).reshape(2, 64),
        "y": lambda: np.arange(64) % 2,
        "depths": lambda: [2],
        "weight_variances": lambda: [1.0],
    },
    "experiments.mnist.stratified_indices": {
        "labels": lambda: np.repeat(np.arange(10), 3),
        "per_class": lambda: 2,
    },
    "experiments.modern.activation_std_theory": {"scale": lambda: 1.0, "width": lambda: 8},
    "experiments.modern.activation_stds": {
        "scale": lambda: 1.0,
        "width": lambda: 8,
        "m": lambda: 8,
    },
    "experiments.modern.residual_accuracy": {"width": lambda: 8},
    "experiments.modern.residual_model": {"width": lambda: 8},
    "experiments.modern.scale_sweep": {"scales": lambda: [1.0], "depth": lambda: 2},
    "experiments.modern.stream_second_moments": {"width": lambda: 8, "m": lambda: 8},
    "experiments.modern.step0_gradients": {"m": lambda: 8},
    "experiments.modern.sweep_model": {"scale": lambda: 1.0, "width": lambda: 8},
    "experiments.playground.dead_units": {"net": _net, "x": lambda: _xy()[0]},
    "experiments.playground.init_std": {"label": lambda: "Xavier", "shape": lambda: (3, 2)},
    "experiments.playground.initializer": {"label": lambda: "Xavier"},
    "experiments.playground.make_network": {"label": lambda: "Xavier"},
    "experiments.playground.unit_spread": {"net": _net, "layer": lambda: 1},
    "experiments.practice.conv_layer_factors": {
        "c_in": lambda: 2,
        "c_out": lambda: 2,
        "k": lambda: 3,
        "size": lambda: 6,
        "m": lambda: 4,
    },
    "experiments.practice.conv_stack": {
        "x": lambda: np.ones((2, 1, 8, 8)),
        "channels": lambda: 2,
        "depth": lambda: 2,
        "weight_var": lambda: lambda shape: 1.0 / (shape[1] * 9),
        "activation": lambda: "relu",
    },
    "experiments.practice.default_runs": {
        "inits": lambda: {"he": ("he_normal", {})},
        "activation": lambda: "relu",
        "depth": lambda: 2,
        "width": lambda: 8,
        "m": lambda: 8,
    },
    "experiments.practice.layer_factors": {
        "z_var": lambda: [1.0, 1.0, 1.0, 1.0],
        "grad_var": lambda: [1.0, 1.0, 1.0, 1.0],
    },
    "experiments.practice.mnist_comparison": {
        "inits": lambda: {"he": ("he_normal", {})},
        "sizes": lambda: (784, 8, 10),
        "steps": lambda: 2,
        "n_lsuv": lambda: 16,
    },
    "experiments.practice.decision_table": {"names": lambda: ["relu"], "depth": lambda: 4},
    "experiments.practice.torch_bias_run": {"activation": lambda: "relu", "depth": lambda: 2},
    "experiments.saturation.run_saturation": {
        "steps": lambda: 2,
        "sizes": lambda: [784, 8, 10],
        "n_probe": lambda: 10,
    },
    "experiments.mnist.compare_initializers": {"inits": lambda: ["Xavier"], "steps": lambda: 2},
    "initializers.torch_linear_bias": {"shape": lambda: (3, 1), "fan_in": lambda: 4},
    "jacobians.critical_spectrum_variance": {
        "activation": lambda: "tanh",
        "bias_variance": lambda: 0.05,
        "depth": lambda: 3,
    },
    "jacobians.end_to_end_jacobian": {"weights": lambda: [np.eye(2), np.eye(2)]},
    "jacobians.end_to_end_singular_values": {"weights": lambda: [np.eye(2), np.eye(2)]},
    "layers.BatchNorm.forward": {"z": lambda: np.ones((8, 3)), "train": lambda: True},
    "layers.BatchNorm.backward": {
        "dy": lambda: np.ones((8, 3)),
        "cache": lambda: (
            __import__("course_utils.layers", fromlist=["BatchNorm"])
            .BatchNorm(8)
            .forward(np.arange(24.0).reshape(8, 3), train=True)[1]
        ),
    },
    "layers.LayerNorm.forward": {"z": lambda: np.arange(24.0).reshape(8, 3)},
    "layers.LayerNorm.backward": {
        "dy": lambda: np.ones((8, 3)),
        "cache": lambda: (
            __import__("course_utils.layers", fromlist=["LayerNorm"])
            .LayerNorm(8)
            .forward(np.arange(24.0).reshape(8, 3))[1]
        ),
    },
    "losses.FusedLoss.prepare_targets": {
        "y": lambda: [0, 1],
        "k": lambda: 2,
        "m": lambda: 2,
        "dtype": lambda: np.float64,
    },
    "losses.take_examples": {"y": lambda: np.array([0, 1, 1]), "idx": lambda: np.array([0, 2])},
    "lsuv.lsuv": {"net": _net, "x": lambda: _xy()[0]},
    "summary.Rule.initializer_name": {"distribution": lambda: "uniform"},
    "summary.backpropagate": {
        "activation": lambda: "tanh",
        "z": lambda: [np.ones((2, 4)), np.ones((2, 4))],
        "weights": lambda: [np.eye(2)],
        "delta": lambda: np.ones((2, 4)),
    },
    "theory.correlation_map": {"weight_variance": lambda: 2.0},
    "checks.nb04.product_variance": {
        "mean_x": lambda: 1.0,
        "var_x": lambda: 4.0,
        "mean_y": lambda: 2.0,
        "var_y": lambda: 9.0,
    },
    "checks.nb04.unit_variances": {"init": lambda: lambda shape: np.full(shape, 0.01)},
    "checks.nb05.zigzag_gradient_ratio": {"result": lambda: {"grad_var": np.ones(10)}},
    "checks.hint": {"notebook": lambda: "nb02", "exercise": lambda: min(_hints("nb02"))},
}

for _module in (f"nb{i:02d}" for i in range(11)):
    OVERRIDES[f"checks.{_module}.hint"] = {"exercise": lambda m=_module: min(_hints(m))}

# Parameters that are a learner's answer: a check must give feedback, never raise.
ANSWER_PARAMS = {
    "answer",
    "choice",
    "prediction",
    "setup",
    "fn",
    "experiment",
    "run",
    "make_model",
    "value",
    "W",
    "dW1",
    "name",
    "ratio",
    "fractions",
    "accuracy",
    "n_classes",
}


def _hostile(baseline: object) -> list[tuple[str, object]]:
    vals: list[tuple[str, object]] = [
        ("1e308", 1e308),
        ("-1e308", -1e308),
        ("1e-308", 1e-308),
        ("inf", math.inf),
        ("nan", math.nan),
        ("10**400", 10**400),
        ("-10**400", -(10**400)),
        ("10**12", 10**12),
        ("-1", -1),
        ("0", 0),
        ("str", "abc"),
        ("None", None),
        ("object", object()),
        ("np.True_", np.True_),
        ("complex", 1j),
        ("shape 1e6x1e6", (10**6, 10**6)),
        ("shape 2**31x2**31", (2**31, 2**31)),
        ("[nan]", [math.nan]),
        ("[]", []),
        ("dict", {"a": 1}),
    ]
    if isinstance(baseline, np.ndarray) and baseline.dtype.kind == "f" and baseline.size:
        vals += [
            ("array 1.7e308", np.full_like(baseline, 1.7e308)),
            (
                "array +-1.7e308",
                np.where(np.arange(baseline.size).reshape(baseline.shape) % 2, 1.7e308, -1.7e308),
            ),
            ("array 1e-320", np.full_like(baseline, 1e-320)),
            ("array nan", np.full_like(baseline, np.nan)),
            ("array inf", np.full_like(baseline, np.inf)),
            ("array extra dim", baseline[..., None]),
            ("array empty", baseline[..., :0]),
            ("array complex", baseline.astype(complex)),
            ("array object", baseline.astype(object)),
        ]
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        vals += [("np.float64 1e308", np.float64(1e308)), ("np.int64 max", np.int64(2**62))]
    return vals


def _nonfinite(result: object, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(result, float | np.floating | np.ndarray):
        arr = np.asarray(result)
        return arr.dtype.kind in "fc" and not np.all(np.isfinite(arr))
    if isinstance(result, dict):
        return any(_nonfinite(v, depth + 1) for v in result.values())
    if isinstance(result, list | tuple):
        return any(_nonfinite(v, depth + 1) for v in result[:50])
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        if getattr(result, "diverged_at", None) is not None:
            return False  # a run that reports its divergence (its documented NaN cost)
        return any(
            _nonfinite(getattr(result, f.name), depth + 1) for f in dataclasses.fields(result)
        )
    return False


def _call(fn: Callable, kwargs: dict[str, object]) -> tuple[str, object]:
    """Run ``fn(**kwargs)`` under -W error and a time bound: (outcome, result or exception)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    try:
        with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn"):
            warnings.simplefilter("error")
            result = fn(**kwargs)
        return "returned", result
    except _Timeout as exc:
        return "timeout", exc
    except DivergenceWarning as exc:
        return "diverged", exc  # the documented report of a run that diverged
    except Warning as exc:
        return "warning", exc
    except Exception as exc:  # noqa: BLE001 - classifying every failure is the point
        return "raised", exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        plt.close("all")


def _names_param(exc: BaseException, param: str) -> bool:
    return (
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(param.lstrip('_'))}(?![A-Za-z0-9_])", str(exc))
        is not None
    )


def _collect() -> list[tuple[str, Callable, Callable | None]]:
    """(qualified name, callable, factory of the instance for methods or None)."""
    out: list[tuple[str, Callable, Callable | None]] = []
    for modname in MODULES:
        mod = importlib.import_module(f"course_utils.{modname}")
        names = getattr(mod, "__all__", None) or [
            k
            for k, v in vars(mod).items()
            if not k.startswith("_") and getattr(v, "__module__", None) == mod.__name__
        ]
        for name in names:
            obj = getattr(mod, name)
            qual = f"{modname}.{name}"
            if (
                not callable(obj)
                or qual in SKIP
                or isinstance(obj, type)
                and issubclass(obj, BaseException)
            ):
                continue
            out.append((qual, obj, None))
            if inspect.isclass(obj):
                for mname, member in vars(obj).items():
                    if not mname.startswith("_") and inspect.isfunction(member):
                        out.append((f"{qual}.{mname}", member, obj))
    return out


def _baseline(qual: str, fn: Callable, owner: type | None) -> dict[str, object] | None:
    sig = inspect.signature(fn)
    over = OVERRIDES.get(qual, {})
    kwargs: dict[str, object] = {}
    for i, (pname, p) in enumerate(sig.parameters.items()):
        if owner is not None and i == 0:
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if pname in over:
            kwargs[pname] = over[pname]()
        elif p.default is not p.empty:
            kwargs[pname] = p.default
        elif pname in BY_NAME:
            kwargs[pname] = BY_NAME[pname]()
        else:
            return None
    return kwargs


def _instance_factory(qual: str, owner: type) -> Callable[[], object]:
    cls_qual = qual.rsplit(".", 1)[0]

    def make() -> object:
        kwargs = _baseline(cls_qual, owner, None)
        if cls_qual == "summary.SummaryTable":
            from course_utils import summary

            return summary.summary_table(n=16, depth=2, m=4, trials=1)
        if cls_qual == "summary.Rule":
            from course_utils import summary

            return summary.standard_rules()[0]
        return owner(**kwargs)

    return make


def _bind(fn: Callable, owner: type | None, factory: Callable | None) -> Callable:
    if owner is None:
        return fn
    return lambda **kw: fn(factory(), **kw)


@dataclasses.dataclass
class Target:
    """One public callable, bound to a fresh instance if it is a method, and its baseline."""

    qual: str
    call: Callable
    baseline: Callable[[], dict[str, object]]  # fresh objects on every call

    @property
    def is_check(self) -> bool:
        return self.qual.startswith("checks.nb") and self.qual.split(".")[-1].startswith("check_")

    def judge(self, pname: str, value: object) -> tuple[str, object]:
        """Call with ``pname=value`` (the others at baseline): (column, result or exception)."""
        kwargs = self.baseline()
        kwargs[pname] = value
        outcome, res = _call(self.call, kwargs)
        answer = self.is_check and pname in ANSWER_PARAMS
        return _classify(self.qual, pname, outcome, res, answer), res


def targets(only: str | None = None) -> tuple[list[Target], list[str]]:
    """The audited callables whose baseline call succeeds, and why the others are left out."""
    found: list[Target] = []
    no_baseline: list[str] = []
    for qual, fn, owner in _collect():
        if only and only not in qual:
            continue
        factory = _instance_factory(qual, owner) if owner is not None else None
        call = _bind(fn, owner, factory)
        base = _baseline(qual, fn, owner)
        if base is None:
            no_baseline.append(f"{qual}: no baseline arguments")
            continue
        outcome, res = _call(call, dict(base))
        if outcome != "returned":
            no_baseline.append(f"{qual}: baseline call {outcome}: {res!r}"[:200])
            continue
        found.append(
            Target(qual, call, lambda qual=qual, fn=fn, owner=owner: _baseline(qual, fn, owner))
        )
    return found, no_baseline


def audit(only: str | None = None, verbose: bool = False) -> dict[str, Counter]:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, resource.RLIM_INFINITY))
    table: dict[str, Counter] = defaultdict(Counter)
    details: list[str] = []
    found, no_baseline = targets(only)
    for target in found:
        module = target.qual.split(".")[0]
        table[module]["callables"] += 1
        for pname, bval in target.baseline().items():
            for label, hval in _hostile(bval):
                col, res = target.judge(pname, hval)
                table[module]["calls"] += 1
                table[module][col] += 1
                if col in FAILURES:
                    details.append(f"{col:9} {target.qual}({pname}={label}): {_short(res)}")
    _report(table, no_baseline, details, verbose)
    return table


def _classify(qual: str, pname: str, outcome: str, res: object, answer: bool) -> str:
    if outcome in ("timeout", "warning"):
        return outcome
    if outcome == "diverged":
        return "accepted"
    if outcome == "raised":
        if answer:
            return "other_exc"
        if (
            type(res) in (ValueError, TypeError)
            or isinstance(res, ValueError | TypeError)
            and (type(res).__module__.startswith("course_utils"))
        ):
            return "ok" if _names_param(res, pname) else "bad_msg"
        return "other_exc"
    if _nonfinite(res) and qual not in ALLOW_NONFINITE and qual not in RECORDS:
        return "nonfinite"
    return "ok" if answer else "accepted"


def _short(res: object) -> str:
    if isinstance(res, BaseException):
        return f"{type(res).__name__}: {str(res)[:150]}"
    return f"returned {type(res).__name__}"


def _report(
    table: dict[str, Counter], no_baseline: list[str], details: list[str], verbose: bool
) -> None:
    cols = ("callables", "calls", *COLUMNS)
    print(f"{'module':14}" + "".join(f"{c:>10}" for c in cols))
    total: Counter = Counter()
    for module in sorted(table):
        total.update(table[module])
        print(f"{module:14}" + "".join(f"{table[module][c]:>10}" for c in cols))
    print(f"{'total':14}" + "".join(f"{total[c]:>10}" for c in cols))
    if no_baseline:
        print("\nnot audited (no valid baseline call):")
        print("\n".join("  " + s for s in no_baseline))
    if details:
        print(f"\n{len(details)} failures:")
        shown = details if verbose else details[:400]
        print("\n".join("  " + s for s in shown))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="audit only callables whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="list every failure")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    table = audit(args.only, args.verbose)
    failed = sum(t[c] for t in table.values() for c in FAILURES)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
