"""Every notebook follows the course's shape: title and goals, recap, checked exercises,
solutions that stay hidden until the learner opens them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_notebooks_are_numbered_nn_topic():
    assert len(NOTEBOOKS) >= 8
    for i, path in enumerate(NOTEBOOKS):
        assert re.fullmatch(rf"{i:02d}_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_title_goals_recap_and_exercises(path):
    nb = cells(path)
    first = source(nb[0])
    assert nb[0]["cell_type"] == "markdown"
    assert first.startswith(f"# {path.stem[:2]} · "), "title '# NN · topic' first"
    assert "goals" in first.lower(), "the first cell states the learning goals"
    headings = [
        line
        for c in nb
        if c["cell_type"] == "markdown"
        for line in source(c).splitlines()
        if line.startswith("## ")
    ]
    assert "## Recap" in headings and "## Exercises" in headings
    assert headings.index("## Recap") < headings.index("## Exercises")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_checked_and_solutions_hidden(path):
    nb = cells(path)
    solutions = [c for c in nb if c["cell_type"] == "code" and source(c).startswith("# Solution")]
    assert len(solutions) >= 2, "two or three exercises, each with a solution"
    for c in solutions:
        hidden = c["metadata"].get("jupyter", {})
        # Collapsed code *and* output: the stored output would give the answer away.
        assert hidden.get("source_hidden") and hidden.get("outputs_hidden"), source(c)[:60]
        assert c["metadata"].get("slideshow", {}).get("slide_type") == "skip"
    checks = [c for c in nb if c["cell_type"] == "code" and ".check_" in source(c)]
    assert len(checks) >= len(solutions), "every exercise has an auto-check"


LECTURER = re.compile(r"speaker notes|ask the room|the room|allow about", re.IGNORECASE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_visible_cell_addresses_a_lecturer(path):
    # Speaker notes live in cell metadata ("speaker_notes") and reach only the decks.
    for c in cells(path):
        assert c["metadata"].get("slideshow", {}).get("slide_type") != "notes", source(c)[:60]
        assert not LECTURER.search(source(c)), source(c)[:80]
        for out in c.get("outputs", []):
            assert not LECTURER.search("".join(out.get("text", ""))), source(c)[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_predict_first_boxes_are_learner_facing_blockquotes(path):
    boxes = [c for c in cells(path) if "**Predict first.**" in source(c)]
    for c in boxes:
        assert c["cell_type"] == "markdown" and source(c).startswith("> **Predict first.**")
    if path.stem[:2] in {"00", "01", "02", "03", "04", "05", "07"}:
        assert boxes, "the deck's prediction prompts reach the learner as Predict first boxes"
