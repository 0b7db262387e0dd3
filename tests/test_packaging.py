"""Packaging facts: conda and pip agree, the core imports light, the data ships."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r): r.replace(" ", "") for r in pyproject["project"]["dependencies"]}
    conda = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s{2}- ([A-Za-z][\w.-]*)(.*)$", line)
        if m and m.group(1) not in {"pip", "python"}:
            conda[m.group(1).lower()] = (m.group(1) + m.group(2)).replace(" ", "")
    assert conda == runtime


def test_test_tools_are_not_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    test = {_name(r) for r in pyproject["project"]["optional-dependencies"]["test"]}
    assert {"pytest", "nbval", "hypothesis", "scipy", "ruff"} <= test
    assert not runtime & test


def test_import_is_light():
    """`import course_utils` and the numpy core pull in neither matplotlib, scipy nor widgets."""
    code = (
        "import sys, course_utils\n"
        "from course_utils import initializers, activations, losses, mlp, training, theory\n"
        "from course_utils import datasets\n"
        "heavy = {'matplotlib', 'scipy', 'ipywidgets', 'IPython', 'pandas', 'torch'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_bundled_data_is_package_data():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["course_utils"]
    assert "data/*.npz" in patterns
    assert (ROOT / "course_utils" / "data" / "mnist_5k.npz").is_file()


def test_every_notebook_is_numbered_and_listed_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for nb in notebooks:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", nb.name), nb.name
        assert nb.name in readme, f"{nb.name} missing from the README's notebook map"


def _imported_top_level_modules() -> dict[str, set[str]]:
    """Top-level modules imported anywhere in course_utils (absolute imports), with files."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.name)
    return found


def test_every_third_party_import_is_a_declared_runtime_dependency():
    """An import that only works because another package pulls it in (IPython via ipykernel,
    PIL via matplotlib) must still be declared: those requirements can change."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    distributions = importlib.metadata.packages_distributions()
    imported = _imported_top_level_modules()
    assert {"numpy", "matplotlib", "IPython"} <= set(imported)  # the scan sees real imports
    missing = {}
    for module, files in imported.items():
        if module in sys.stdlib_module_names or module == "course_utils":
            continue
        dists = {d.lower() for d in distributions.get(module, [module])}
        if not dists & runtime:
            missing[module] = sorted(files)
    assert not missing, f"imported but not in [project] dependencies: {missing}"
