"""`make slides`: every notebook becomes a reveal.js deck with one slide per marked cell."""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("build_slides", ROOT / "scripts" / "build_slides.py")
build_slides = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_slides)


class SectionCounter(HTMLParser):
    """Count reveal.js slides (outer sections) and subslides (inner sections)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.slides = 0
        self.subslides = 0
        self.errors = 0
        self.notes = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        attrs = dict(attrs)
        if tag == "section":
            self.depth += 1
            if self.depth == 1:
                self.slides += 1
            elif self.depth == 2:
                self.subslides += 1
        if attrs.get("data-mime-type") in {
            "application/vnd.jupyter.stderr",
            "application/vnd.jupyter.error",
        }:
            self.errors += 1
        if tag == "aside" and "notes" in (attrs.get("class") or ""):
            self.notes += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "section":
            self.depth -= 1


def expected_counts(path: Path) -> tuple[int, int]:
    cells = json.loads(path.read_text())["cells"]
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type", "-") for c in cells]
    slides = sum(k == "slide" for k in kinds)
    subslides = sum(k == "subslide" for k in kinds)
    first = next((k for k in kinds if k not in {"skip", "notes"}), "slide")
    if first not in {"slide", "subslide"}:
        slides += 1  # cells before the first marked one form a slide of their own
    return slides, slides + subslides


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    build_slides.main(["--no-vendor", "--out", str(out)])
    return out


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck_has_one_section_per_marked_cell_and_no_errors(notebook, decks):
    html = (decks / f"{notebook.stem}.slides.html").read_text(encoding="utf-8")
    counter = SectionCounter()
    counter.feed(html)
    slides, subslides = expected_counts(notebook)
    assert slides > 1, "a deck needs slide metadata on its section cells"
    assert (counter.slides, counter.subslides) == (slides, subslides)
    assert counter.errors == 0
    assert "cdnjs" not in html and "unpkg" not in html, "deck would need the network"


def test_decks_point_at_local_front_end_files(decks):
    html = (decks / f"{NOTEBOOKS[0].stem}.slides.html").read_text(encoding="utf-8")
    for url in build_slides.URLS.values():
        assert url.split("?")[0] in html
    assert f"dist/theme/{build_slides.THEME}.css" in html


def test_decks_load_nothing_from_the_network(decks):
    remote = re.compile(r"""(?:src|href)=["']https?://|@import url\(["']?https?://""")
    for deck in sorted(decks.glob("*.slides.html")):
        assert not remote.findall(deck.read_text(encoding="utf-8")), deck.name


def test_theme_loads_its_fonts_locally():
    # The vendored reveal.js is not there in a test run, so check the theme by name:
    # these themes @import Google Fonts (reveal.js 4.6.0, dist/theme/*.css).
    remote_font_themes = {"beige", "blood", "league", "moon", "night", "simple", "sky", "solarized"}
    assert build_slides.THEME not in remote_font_themes


def notes_sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return [c["metadata"]["speaker_notes"] for c in cells if c["metadata"].get("speaker_notes")]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck_has_speaker_notes_one_per_annotated_cell(notebook, decks):
    html = (decks / f"{notebook.stem}.slides.html").read_text(encoding="utf-8")
    counter = SectionCounter()
    counter.feed(html)
    notes = notes_sources(notebook)
    assert all(isinstance(n, str) for n in notes), "speaker_notes metadata is a string"
    assert counter.notes >= 1, "a lecture deck needs at least one speaker note"
    assert counter.notes == len(notes)
    # reveal's speaker view shows the notes' HTML without MathJax: TeX would vanish there
    assert not [n for n in notes if "$" in n], "write speaker notes without $...$ math"
    # each note's words reach the deck
    for note in notes:
        plain = " ".join(re.split(r"[*`_]", note)[0].split()[:6])
        assert plain in " ".join(html.split()), plain


def test_notes_are_injected_after_their_cell():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A", metadata={"speaker_notes": "Say B."}),
        nbformat.v4.new_markdown_cell("C"),
    ]
    out = build_slides.with_speaker_notes(nb)
    assert [c.source for c in out.cells] == ["# A", "Say B.", "C"]
    assert out.cells[1].metadata["slideshow"]["slide_type"] == "notes"
    assert len(nb.cells) == 2, "the notebook itself is not changed"
