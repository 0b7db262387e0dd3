"""Re-execute notebooks in place and write them in one canonical form.

Usage: python scripts/execute_notebooks.py notebooks/*.ipynb
       python scripts/execute_notebooks.py --check notebooks/*.ipynb

This is the one way stored outputs are produced (``make notebooks``): each notebook runs
top to bottom in a fresh kernel of the current environment, with the notebook's own folder
as working directory, then :func:`canonicalize` removes what changes from run to run, so that
running the script twice leaves the files byte for byte unchanged:

- execution timing and saved widget state are dropped, the kernelspec is fixed;
- widget ``model_id``s (random per run) become ids derived from the notebook, cell and output;
- consecutive stream outputs of the same stream are merged into one block (how ``print``
  output is split into messages depends on timing);
- keys are sorted and the file is written as nbformat writes it.

``--check`` only canonicalizes in memory and reports files that would change (exit status 1),
without executing anything: the tests use it to catch files not written by this script.
``--canonicalize`` rewrites files in canonical form without executing them (for notebooks
written by an older version of this script: only ids, stream blocks and key order change).

Every socket wait of the kernel client is cut into short slices (:func:`_slice_waits`): the
asyncio poll of pyzmq can miss the wake-up of a message that has already arrived, and a wait
then lasts its whole timeout (600 s for the shell reply of a cell) before the final check
finds the message. Notebook 02's widget cell hit that about once in 20 runs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
POLL_SLICE_S = 0.1


def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Merge each run of consecutive outputs of the same stream into one output."""
    merged: list[Any] = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and out.get("output_type") == "stream"
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            if out.get("output_type") == "stream":
                out["text"] = "".join(out["text"])
            merged.append(out)
    return merged


def _sorted(node: Any) -> Any:
    """A copy of a JSON tree with every dict's keys in sorted order."""
    if isinstance(node, dict):
        return nbformat.NotebookNode({k: _sorted(node[k]) for k in sorted(node)})
    if isinstance(node, list):
        return [_sorted(v) for v in node]
    return node


def canonicalize(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return ``nb`` without run-to-run noise (see the module docstring).

    ``name`` (the file name) seeds the deterministic widget ids, so that two notebooks never
    share one.
    """
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    lang = nb.metadata.get("language_info", {})
    for key in ("version", "pygments_lexer"):
        lang.pop(key, None)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = _merge_streams(cell.get("outputs", []))
        for k, out in enumerate(cell.outputs):
            out.get("metadata", {}).pop("execution", None)
            view = out.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and "model_id" in view:
                digest = hashlib.sha256(f"{name}:{index}:{k}".encode()).hexdigest()
                view["model_id"] = digest[:32]
    return _sorted(nb)


def _write(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` if its text differs; return whether it changed."""
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if text == old:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def _slice_waits(channel: Any) -> None:
    """Make ``channel.get_msg`` wait in slices of ``POLL_SLICE_S`` seconds.

    Each slice ends with a non-blocking check of the socket, so a missed wake-up costs at
    most one slice instead of the whole timeout; the overall timeout is unchanged.
    """
    get_msg = channel.get_msg

    async def sliced_get_msg(timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE_S if deadline is None else deadline - time.monotonic()
            try:
                return await get_msg(timeout=max(0.0, min(POLL_SLICE_S, left)))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = sliced_get_msg


class _Client(NotebookClient):
    async def async_start_new_kernel_client(self) -> Any:
        kc = await super().async_start_new_kernel_client()
        _slice_waits(kc.shell_channel)
        _slice_waits(kc.iopub_channel)
        return kc


def execute(path: Path, timeout: int = 600) -> tuple[float, bool]:
    """Execute ``path`` in place; return (seconds, whether the file changed)."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = _Client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    return elapsed, _write(canonicalize(nb, path.name), path)


def check(path: Path) -> bool:
    """Whether ``path`` is already in canonical form (nothing is executed)."""
    nb = nbformat.read(path, as_version=4)
    return nbformat.writes(canonicalize(nb, path.name)).rstrip("\n") == path.read_text(
        encoding="utf-8"
    ).rstrip("\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="report non-canonical files")
    parser.add_argument(
        "--canonicalize", action="store_true", help="rewrite in canonical form, do not execute"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted(Path("notebooks").glob("*.ipynb"))
    if args.canonicalize:
        for p in paths:
            if _write(canonicalize(nbformat.read(p, as_version=4), p.name), p):
                print(f"rewrote {p}")
        return 0
    if args.check:
        bad = [p for p in paths if not check(p)]
        for p in bad:
            print(f"{p} is not in canonical form: run scripts/execute_notebooks.py {p}")
        return 1 if bad else 0
    for path in paths:
        print(f"executing {path} ...", flush=True)
        elapsed, changed = execute(path)
        print(f"  done in {elapsed:.1f} s{'' if changed else ' (file unchanged)'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
