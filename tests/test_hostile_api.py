"""Property-based hostile-input tests over the whole public API (widgets aside).

The callables, their valid baseline calls and the verdicts are those of
``scripts/audit_hostile.py``; here Hypothesis draws which callable, which parameter and which
hostile value (huge, tiny, inf, NaN, huge ints, wrong types, huge shapes and counts, hostile
arrays). Every call must end in a ValueError/TypeError naming the parameter, feedback (for a
learner's answer to a check) or a finite result, within the audit's time bound and without a
warning. The full audit (every parameter x every value) runs with
``python scripts/audit_hostile.py``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "audit_hostile", ROOT / "scripts" / "audit_hostile.py"
)
audit = importlib.util.module_from_spec(_spec)
sys.modules["audit_hostile"] = audit
_spec.loader.exec_module(audit)

# Slow lesson runs (MNIST training, sweeps): covered by the full audit, not drawn here.
SLOW = ("experiments.practice.mnist_comparison", "experiments.mnist.compare_initializers")

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e300, max_value=1.7e308) | st.floats(min_value=-1.7e308, max_value=-1e300),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.sampled_from([10**12, 2**62, -1, 0, np.int64(2**62), np.float64(1e308), np.True_]),
)
wrong_types = st.one_of(
    st.text(max_size=5),
    st.none(),
    st.booleans(),
    st.complex_numbers(allow_nan=False, max_magnitude=1e6),
    st.builds(object),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.floats(), max_size=3),
)
huge_shapes = st.tuples(st.integers(10**6, 10**13), st.integers(10**6, 10**13)) | st.just(
    (2**31, 2**31)
)


# A hostile array is drawn as a recipe and built from the parameter's baseline afterwards, so
# that what is drawn never depends on the callable (Hypothesis replays draws exactly).
array_recipes = st.tuples(
    st.just("array"),
    st.sampled_from(["fill", "extra dim", "empty", "complex", "object"]),
    st.sampled_from([1.7e308, -1.7e308, 1e-320, math.nan, math.inf, -math.inf]),
)
hostile = st.one_of(scalars, wrong_types, huge_shapes, array_recipes)


def _build(value: object, baseline: object) -> object:
    """A drawn value, with an array recipe applied to a float-array baseline."""
    if not (isinstance(value, tuple) and value[:1] == ("array",)):
        return value
    _, kind, fill = value
    if not (isinstance(baseline, np.ndarray) and baseline.dtype.kind == "f" and baseline.size):
        baseline = np.ones((2, 3))
    return {
        "fill": lambda: np.full_like(baseline, fill),
        "extra dim": lambda: baseline[..., None],
        "empty": lambda: baseline[..., :0],
        "complex": lambda: baseline.astype(complex),
        "object": lambda: baseline.astype(object),
    }[kind]()


@pytest.fixture(scope="module")
def targets():
    found, _ = audit.targets()
    yield found
    audit.plt.close("all")


def test_audit_covers_the_api(targets):
    modules = {t.qual.split(".")[0] for t in targets}
    assert {"initializers", "mlp", "training", "theory", "checks", "experiments"} <= modules
    assert {"blocknet", "layers", "conv", "lsuv", "jacobians", "summary"} <= modules
    assert len(targets) >= 200, f"only {len(targets)} callables have a baseline call"


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_argument_gets_a_clear_answer(targets, data):
    drawn = [t for t in targets if not t.qual.startswith(SLOW)]
    target = data.draw(st.sampled_from(drawn), label="callable")
    base = target.baseline()
    pick = data.draw(st.integers(0, 1000), label="parameter index")
    drawn_value = data.draw(hostile, label="value")
    if not base:
        return
    pname = sorted(base)[pick % len(base)]
    value = _build(drawn_value, base[pname])
    verdict, res = target.judge(pname, value)
    assert verdict not in audit.FAILURES, (
        f"{target.qual}({pname}={value!r:.60}): {verdict}: {res!r:.300}"
    )
