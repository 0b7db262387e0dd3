"""`make slides`: every notebook becomes a reveal.js deck: one slide per marked cell, continued on
vertical slides where it does not fit, prose in the speaker notes (tests/browser/test_slides_fit.py
measures the fit in Chromium)."""

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
        self.in_notes = 0
        self.notes_text: list[str] = []

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
            self.in_notes = 1
            self.notes_text.append("")
        elif tag == "aside" and self.in_notes:
            self.in_notes += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "section":
            self.depth -= 1
        if tag == "aside" and self.in_notes:
            self.in_notes -= 1

    def handle_data(self, data):  # noqa: ANN001
        if self.in_notes:
            self.notes_text[-1] += data


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
    # the build adds vertical slides where a slide is full, never horizontal ones
    assert counter.slides == slides
    assert counter.subslides >= subslides
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
    assert counter.notes >= max(1, len(notes)), "a lecture deck needs speaker notes"
    # reveal's speaker view shows the notes' HTML without MathJax: TeX would vanish there
    assert not [n for n in notes if "$" in n], "write speaker notes without $...$ math"
    assert not [n for n in counter.notes_text if "$" in n or "\\(" in n], "TeX left in the notes"
    # each note's words reach the deck's notes
    in_notes = " ".join(" ".join(counter.notes_text).split())
    for note in notes:
        plain = " ".join(re.split(r"[*`_]", note)[0].split()[:6])
        assert plain in in_notes, plain


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


def new_cell(kind: str, source: str, slide_type: str = "-", **metadata):  # noqa: ANN003
    import nbformat

    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    return make(source, metadata={"slideshow": {"slide_type": slide_type}, **metadata})


def figure_output():  # noqa: ANN201
    import nbformat

    return nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    )


def stream_output(lines: int):  # noqa: ANN201
    import nbformat

    text = "".join(f"row {i}\n" for i in range(lines))
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def deck_of(*cells):  # noqa: ANN001, ANN201
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    deck = build_slides.deck_notebook(nb)
    return deck.cells, [c.metadata["slideshow"]["slide_type"] for c in deck.cells]


def test_prose_goes_to_the_notes_headline_formula_and_predict_first_stay():
    source = (
        "## A headline\n\nFirst sentence stays. The second one goes to the notes, with $x^2$.\n\n"
        "$$\n\\mathrm{Var}(z) = n\\,\\sigma^2\n$$\n\n"
        "A long paragraph after the formula " + "goes on and on " * 10 + ".\n\n"
        "> **Predict first.** Which one?"
    )
    cells, kinds = deck_of(new_cell("markdown", source, "slide"))
    shown = " ".join(c.source for c in cells if c.metadata["slideshow"]["slide_type"] != "notes")
    notes = " ".join(c.source for c in cells if c.metadata["slideshow"]["slide_type"] == "notes")
    assert kinds[0] == "slide"
    assert "## A headline" in shown and "First sentence stays." in shown
    assert "\\mathrm{Var}(z)" in shown and "**Predict first.**" in shown
    assert "The second one" not in shown and "goes on and on" not in shown
    assert "The second one goes to the notes, with x^2." in notes and "goes on and on" in notes
    assert "$" not in notes


def test_code_is_hidden_unless_the_cell_asks_and_long_output_goes_to_the_notes():
    hidden = new_cell("code", "print(1)")
    hidden.outputs = [stream_output(3), stream_output(40)]
    shown = new_cell("code", "x = 1", slides={"show_code": True})
    cells, kinds = deck_of(new_cell("markdown", "## H", "slide"), hidden, shown)
    visible = [c for c in cells if c.metadata["slideshow"]["slide_type"] != "notes"]
    code = [c for c in visible if c.cell_type == "code"]
    assert [c.metadata.get("transient", {}).get("remove_source", False) for c in code] == [
        True,
        False,
    ]
    assert code[0].outputs[0].text.count("\n") == 3, "short printed output stays on the slide"
    assert code[1].source == "x = 1"
    notes = [c.source for c in cells if c.metadata["slideshow"]["slide_type"] == "notes"]
    assert len(notes) == 1 and "row 39" in notes[0], "long printed output is in the notes"


def test_one_figure_per_slide_the_next_continues_under_the_headline():
    plot = new_cell("code", "plot()")
    plot.outputs = [figure_output(), figure_output()]
    cells, kinds = deck_of(new_cell("markdown", "## Two figures", "slide"), plot)
    assert kinds == ["slide", "-", "subslide", "-"]
    assert cells[2].source == "## Two figures"
    assert cells[2].metadata["tags"] == [build_slides.CONTINUED_TAG]
    assert all(build_slides.FIGURE_TAG in cells[i].metadata["tags"] for i in (1, 3))


def test_a_long_list_continues_on_the_next_slide_with_first_sentences():
    items = "\n".join(
        f"- Item {i} says one thing. Then more detail follows here." for i in range(14)
    )
    cells, kinds = deck_of(new_cell("markdown", "## Recap\n\n" + items, "slide"))
    shown = [c.source for c in cells if c.metadata["slideshow"]["slide_type"] != "notes"]
    assert "subslide" in kinds
    assert all("Then more detail" not in s for s in shown)
    assert sum(s.count("- Item") for s in shown) == 14


def test_tex_becomes_plain_text_for_the_speaker_view():
    assert (
        build_slides.plain_math(r"\mathrm{Var}(W) = \frac{2}{n_\text{in}}") == "Var(W) = (2)/(n_in)"
    )
    assert build_slides.plain_math(r"\sigma^2 \approx \sqrt{n}") == "σ^2 ≈ √n"
    assert build_slides.notes_text(r"with $\alpha = 0$ and $$\beta$$") == "with α = 0 and β"


def test_a_heading_inside_a_slide_opens_a_vertical_slide():
    cells, kinds = deck_of(
        new_cell("markdown", "## A\n\nText.", "slide"), new_cell("markdown", "### B\n\nMore.")
    )
    assert kinds == ["slide", "-", "subslide", "-"]
    assert cells[2].source == "### B"


def test_a_vertical_slide_without_a_heading_repeats_the_last_headline():
    cells, kinds = deck_of(
        new_cell("markdown", "## A\n\nText.", "slide"), new_cell("markdown", "More.", "subslide")
    )
    assert kinds == ["slide", "-", "subslide", "-"]
    assert cells[2].source == "## A" and cells[3].source == "More."


def test_a_heading_moves_with_the_block_under_it():
    items = "\n".join(
        f"- Goal {i} is a long sentence that takes a whole line on a slide." for i in range(4)
    )
    formula = "$$\n" + "\\\\\n".join(["a = b"] * 4) + "\n$$"
    cells, kinds = deck_of(
        new_cell("markdown", f"# Title\n\nIntro.\n\n{formula}\n\n## Goals\n\n{items}", "slide")
    )
    goals = next(i for i, c in enumerate(cells) if c.source == "## Goals")
    assert kinds[goals - 1] == "subslide" and cells[goals - 1].source == "# Title"
