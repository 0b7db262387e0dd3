"""Re-execute notebooks in place and strip run-to-run noise.

Usage: python scripts/execute_notebooks.py notebooks/*.ipynb

This is the one way stored outputs are produced (``make notebooks``): each notebook runs
top to bottom in a fresh kernel of the current environment, with the notebook's own folder
as working directory, then timing metadata and saved widget state are removed so that diffs
show only real changes. nbval later compares these stored outputs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def strip_noise(nb: nbformat.NotebookNode) -> None:
    """Drop execution timing, widget state and kernel-specific metadata."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    lang = nb.metadata.get("language_info", {})
    for key in ("version", "pygments_lexer"):
        lang.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    strip_noise(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(Path("notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
