"""The numpy core, the lesson models and the exercise checks work without a GUI stack.

A fresh interpreter in which ``ipywidgets`` and ``matplotlib`` cannot be imported (a
meta-path finder refuses them) imports every module of ``course_utils`` except
``widgets`` and ``plotting``, then runs every exercise check and every reference value of
``course_utils.checks``. A module that reaches for either package, at its top or hidden
in a function, fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import importlib
    import inspect
    import json
    import pkgutil
    import sys

    BLOCKED = ("ipywidgets", "matplotlib")

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Refuse())

    import course_utils
    from course_utils.checks import Feedback

    GUI = ("course_utils.widgets", "course_utils.plotting")
    imported = []
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name.startswith(GUI):
            continue
        importlib.import_module(info.name)
        imported.append(info.name)

    ran = []
    for name in sorted(n for n in imported if n.startswith("course_utils.checks.nb")):
        module = sys.modules[name]
        for attr, fn in sorted(vars(module).items()):
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != name:
                continue
            required = [
                p for p in inspect.signature(fn).parameters.values()
                if p.default is inspect.Parameter.empty
            ]
            if attr.startswith("check_"):
                result = fn(*[1] * len(required))
                assert isinstance(result, Feedback), (name, attr, result)
            elif not required:
                fn()
            else:
                continue
            ran.append(f"{name}.{attr}")

    loaded = sorted(m for m in BLOCKED if m in sys.modules)
    print(json.dumps({"imported": imported, "ran": ran, "loaded": loaded}))
    """
)


def test_core_models_and_checks_need_neither_ipywidgets_nor_matplotlib():
    env = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    imported = set(report["imported"])
    # The lesson models and every notebook's checks are among the modules imported.
    assert {"course_utils.experiments.mnist", "course_utils.experiments.playground"} <= imported
    checks = {m for m in imported if m.startswith("course_utils.checks.nb")}
    assert len(checks) == len(list((ROOT / "course_utils" / "checks").glob("nb*.py")))
    assert "course_utils.checks.nb07.check_zero_init" in report["ran"]
    assert "course_utils.checks.nb07.saturated_fractions" in report["ran"]
    assert all(any(r.startswith(m + ".") for r in report["ran"]) for m in checks)


def test_the_blocker_really_blocks():
    """The same finder makes the apps fail to import: the test above can fail."""
    script = SCRIPT.split("import course_utils\n")[0] + "import course_utils.widgets.playground\n"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode != 0
    assert "is blocked in this test" in out.stderr
