"""Hostile-input audit of the public API of ``course_utils`` (widgets and experiments excluded).

Usage: python scripts/audit_hostile.py [--verbose] [--only SUBSTRING]

Every public callable (functions, classes, public methods) is first called with valid
arguments (its *baseline*); then each parameter in turn gets each hostile value (huge, tiny,
inf, NaN, huge ints, wrong types, huge shapes and counts, hostile arrays) while the others keep
their baseline values. Each call runs with warnings turned into errors, under a time bound
(SIGALRM) and an address-space limit (so that an unchecked huge allocation fails fast instead
of swapping). Outcomes:

ok         ValueError/TypeError whose message names the parameter (or, for a learner's
           answer to an exercise check, a Feedback returned)
accepted   the call returned finite values: the hostile value was a legitimate input
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

TIME_LIMIT_S = 10.0
MEMORY_LIMIT_BYTES = 4 * 1024**3
FAILURES = ("bad_msg", "other_exc", "warning", "timeout", "nonfinite")
COLUMNS = ("ok", "accepted", *FAILURES)

MODULES = (
    "activations",
    "checks",
    "checks.nb00",
    "checks.nb01",
    "checks.nb02",
    "checks.nb03",
    "checks.nb04",
    "checks.nb05",
    "checks.nb06",
    "checks.nb07",
    "datasets",
    "environment",
    "initializers",
    "jacobians",
    "losses",
    "mlp",
    "plotting",
    "signals",
    "summary",
    "theory",
    "training",
)

# Functions whose documented result may hold inf: a product of matrices overflowing float32
# is what notebook 02 shows (the overflow layer is reported in the result).
ALLOW_NONFINITE = {"signals.matrix_product_growth", "signals.linear_layer_stds"}

# Not audited: no arguments to attack, or a result type rather than an API.
SKIP = {"training.DivergenceWarning"}

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
}

# Parameters that are a learner's answer: a check must give feedback, never raise.
ANSWER_PARAMS = {
    "answer",
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


def audit(only: str | None = None, verbose: bool = False) -> dict[str, Counter]:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, resource.RLIM_INFINITY))
    table: dict[str, Counter] = defaultdict(Counter)
    no_baseline: list[str] = []
    details: list[str] = []
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
        module = qual.split(".")[0]
        table[module]["callables"] += 1
        is_check = qual.startswith("checks.nb") and qual.split(".")[-1].startswith("check_")
        for pname, bval in base.items():
            for label, hval in _hostile(bval):
                kwargs = _baseline(qual, fn, owner)  # fresh objects: no call sees another's
                kwargs[pname] = hval
                outcome, res = _call(call, kwargs)
                answer = is_check and pname in ANSWER_PARAMS
                col = _classify(qual, pname, outcome, res, answer)
                table[module]["calls"] += 1
                table[module][col] += 1
                if col in FAILURES:
                    details.append(f"{col:9} {qual}({pname}={label}): {_short(res)}")
    _report(table, no_baseline, details, verbose)
    return table


def _classify(qual: str, pname: str, outcome: str, res: object, answer: bool) -> str:
    if outcome in ("timeout", "warning"):
        return outcome
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
