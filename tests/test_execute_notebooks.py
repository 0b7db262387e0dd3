"""scripts/execute_notebooks.py writes notebooks in one canonical form, so re-running it
leaves the files unchanged; its socket waits are cut into short slices."""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from queue import Empty

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "execute_notebooks.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "apps").glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("execute_notebooks", SCRIPT)
ex = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ex)


def _noisy(nb: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the noise of a real run: new widget ids, streams split at
    random, timing metadata, widget state, shuffled metadata keys."""
    rnd = random.Random(seed)
    nb = copy.deepcopy(nb)
    nb.metadata["widgets"] = {"state": {"x": 1}}
    for cell in nb.cells:
        keys = list(cell.metadata)
        rnd.shuffle(keys)
        cell.metadata = nbformat.NotebookNode({k: cell.metadata[k] for k in keys})
        if cell.cell_type != "code":
            continue
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
        outputs = []
        for out in cell.outputs:
            view = out.get("data", {}).get(ex.WIDGET_VIEW)
            if view:
                view["model_id"] = f"{rnd.getrandbits(128):032x}"
            if out.output_type == "stream" and len(out.text) > 1:
                cut = rnd.randrange(1, len(out.text))
                outputs += [
                    nbformat.v4.new_output("stream", name=out.name, text=out.text[:cut]),
                    nbformat.v4.new_output("stream", name=out.name, text=out.text[cut:]),
                ]
            else:
                outputs.append(out)
        cell.outputs = outputs
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_canonical(path):
    """Each stored notebook is exactly what the script writes (run `--canonicalize` if not)."""
    assert ex.check(path), f"run: python scripts/execute_notebooks.py --canonicalize {path}"


@pytest.mark.parametrize("seed", [0, 1])
def test_canonical_form_removes_run_to_run_noise(seed):
    path = ROOT / "notebooks" / "02_exploding_and_vanishing.ipynb"
    nb = nbformat.read(path, as_version=4)
    clean = nbformat.writes(ex.canonicalize(copy.deepcopy(nb), path.name))
    noisy = _noisy(nb, seed)
    assert nbformat.writes(noisy) != clean
    assert nbformat.writes(ex.canonicalize(noisy, path.name)) == clean
    # idempotent
    again = ex.canonicalize(nbformat.reads(clean, as_version=4), path.name)
    assert nbformat.writes(again) == clean


def test_widget_ids_differ_between_outputs_and_notebooks():
    ids = set()
    for path in NOTEBOOKS:
        nb = ex.canonicalize(nbformat.read(path, as_version=4), path.name)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                view = out.get("data", {}).get(ex.WIDGET_VIEW)
                if view:
                    assert view["model_id"] not in ids
                    ids.add(view["model_id"])
    assert ids, "the course has widget outputs"


def test_streams_merge_only_when_adjacent():
    text = nbformat.v4.new_output
    outs = [
        text("stream", name="stdout", text="a\n"),
        text("stream", name="stdout", text="b\n"),
        text("stream", name="stderr", text="w\n"),
        text("display_data", data={"text/plain": "fig"}),
        text("stream", name="stdout", text="c\n"),
    ]
    merged = ex._merge_streams(outs)
    assert [o.get("name", o.output_type) for o in merged] == [
        "stdout",
        "stderr",
        "display_data",
        "stdout",
    ]
    assert merged[0].text == "a\nb\n"


class _MissedWakeupChannel:
    """A channel whose message is ready from the start but whose poll only notices it when
    its timeout expires (what a missed wake-up of pyzmq's asyncio poll does)."""

    def __init__(self, ready_after_calls: int | None) -> None:
        self.timeouts: list[float | None] = []
        self.ready_after_calls = ready_after_calls

    async def get_msg(self, timeout: float | None = None) -> dict:
        self.timeouts.append(timeout)
        if timeout is None:
            raise AssertionError("a sliced wait never blocks without a timeout")
        await asyncio.sleep(timeout)
        if self.ready_after_calls is not None and len(self.timeouts) >= self.ready_after_calls:
            return {"msg_type": "execute_reply"}
        raise Empty


def test_sliced_waits_return_a_message_found_late():
    channel = _MissedWakeupChannel(ready_after_calls=3)
    ex._slice_waits(channel)
    msg = asyncio.run(channel.get_msg(timeout=600))
    assert msg["msg_type"] == "execute_reply"
    assert len(channel.timeouts) == 3
    assert all(t <= ex.POLL_SLICE_S for t in channel.timeouts)


def test_sliced_waits_keep_the_overall_timeout_and_never_block_forever():
    channel = _MissedWakeupChannel(ready_after_calls=None)
    ex._slice_waits(channel)
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=0.35))
    assert 3 <= len(channel.timeouts) <= 6
    endless = _MissedWakeupChannel(ready_after_calls=4)
    ex._slice_waits(endless)
    assert asyncio.run(endless.get_msg(timeout=None))["msg_type"] == "execute_reply"
    assert all(t is not None and t <= ex.POLL_SLICE_S for t in endless.timeouts)


@pytest.mark.slow
def test_running_the_script_twice_leaves_the_file_unchanged(tmp_path):
    """End to end on a small notebook with a widget, split prints and a figure."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import sys, time\nimport ipywidgets as w\nfor i in range(3):\n"
            "    print(i, flush=True)\n    time.sleep(0.05)\nsys.stderr.write('e\\n')"
        ),
        nbformat.v4.new_code_cell("w.IntSlider(3)"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()\nprint('after')"
        ),
    ]
    nb.cells[0].metadata = {"slideshow": {"slide_type": "slide"}, "jupyter": {"b": 1, "a": 2}}
    path = tmp_path / "small.ipynb"
    nbformat.write(nb, path)
    run = [sys.executable, str(SCRIPT), str(path)]
    subprocess.run(run, check=True, cwd=ROOT, capture_output=True)
    first = path.read_bytes()
    subprocess.run(run, check=True, cwd=ROOT, capture_output=True)
    assert path.read_bytes() == first
    stored = json.loads(first)
    for cell in stored["cells"]:  # no two consecutive blocks of one stream
        names = [o.get("name") for o in cell["outputs"]]
        assert all(a is None or a != b for a, b in zip(names, names[1:], strict=False))
    assert subprocess.run([*run, "--check"], cwd=ROOT).returncode == 0
