"""`make book`: the course website, built from the stored outputs with warnings as errors.

The build itself is the session fixture ``book_site`` (tests/conftest.py, Sphinx -W); these
tests read the HTML it wrote. tests/browser/test_book.py opens the pages in Chromium.
"""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_book)
NOTEBOOKS = build_book.notebooks()


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


class Page(HTMLParser):
    """What the tests need from one page: assets it loads, links, images, collapsed blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.images = 0
        self.details: list[dict] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio"} and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and "cell_output" in self._classes:
            self.images += 1
        if tag == "details":
            self.details.append(attrs)
        self._stack.append(attrs.get("class") or "")

    def handle_endtag(self, tag):  # noqa: ANN001
        if self._stack:
            self._stack.pop()

    @property
    def _classes(self) -> str:
        return " ".join(self._stack)

    def reset(self) -> None:
        super().reset()
        self._stack: list[str] = []


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html(book_site, name: str) -> str:  # noqa: ANN001
    return (book_site.folder / f"{name}.html").read_text(encoding="utf-8")


def plain(book_site, name: str) -> str:  # noqa: ANN001
    """A page's text without tags, whitespace runs collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html(book_site, name)))


def test_every_notebook_is_a_page_after_the_landing_page(book_site):
    assert book_site.pages == ["index", *[nb.stem for nb in NOTEBOOKS]]
    for name in [*book_site.pages, "search"]:
        assert (book_site.folder / f"{name}.html").is_file(), name
    sources = [p for p in (book_site.folder / "_sources").rglob("*") if p.is_file()]
    assert sources == [], "the notebooks' sources are not copied"


def test_sidebar_lists_the_notebooks_in_course_order(book_site):
    nav = html(book_site, "index").split('class="nav bd-sidenav"', 1)[1].split("</ul>", 1)[0]
    order = re.findall(r'class="reference internal" href="(\d\d_[a-z0-9_]+)\.html"', nav)
    assert order == [nb.stem for nb in NOTEBOOKS]


def test_landing_page_is_the_readme_overview_with_links_to_every_notebook(book_site):
    page = parse(book_site.folder / "index.html")
    for nb in NOTEBOOKS:
        assert f"{nb.stem}.html" in page.links, nb.name
    text = html(book_site, "index")
    assert "Notebook map" in text
    for section in build_book.README_SKIP:
        assert f">{section}<" not in text, f"developer section {section!r} on the landing page"


def test_pages_load_nothing_from_outside_the_site(book_site):
    for path in book_site.folder.glob("*.html"):
        remote = [u for u in parse(path).loads if re.match(r"^[a-z]+:|^//", u)]
        assert remote == [], f"{path.name} loads {remote}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_page_shows_every_figure_and_no_widget_state(notebook, book_site):
    figures = sum(
        "image/png" in out.get("data", {}) for c in cells(notebook) for out in c.get("outputs", [])
    )
    text = html(book_site, notebook.stem)
    assert parse(book_site.folder / f"{notebook.stem}.html").images == figures
    assert "application/vnd.jupyter.widget" not in text
    assert "VBox(children=" not in text, "a widget's text fallback is shown"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_live_app_has_a_note_on_how_to_run_it(notebook, book_site):
    widget_cells = [
        c
        for c in cells(notebook)
        if any(build_book.WIDGET_MIME in o.get("data", {}) for o in c.get("outputs", []))
    ]
    text = plain(book_site, notebook.stem)
    assert text.count("Live app") == len(widget_cells)
    if widget_cells:
        assert "make lab" in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_are_collapsed(notebook, book_site):
    solutions = [c for c in cells(notebook) if build_book.is_solution(c)]
    page = parse(book_site.folder / f"{notebook.stem}.html")
    assert len(page.details) == len(solutions)
    assert not [d for d in page.details if "open" in d], "a solution is shown expanded"
    text = html(book_site, notebook.stem)
    assert text.count("Show solution") == sum(source(c).startswith("# Solution") for c in solutions)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_speaker_notes(notebook, book_site):
    notes = [source(c) for c in cells(notebook) if build_book.is_speaker_note(c)]
    notes += [
        str(c["metadata"]["speaker_notes"])
        for c in cells(notebook)
        if "speaker_notes" in c["metadata"]
    ]
    text = plain(book_site, notebook.stem)
    assert "Speaker notes" not in text and "speaker_notes" not in text
    # What the learner's own cells say may share a phrase with a note (a "Predict first" box
    # asks the question a note prompts the lecturer to ask): only the rest counts.
    learner = " ".join(
        " ".join(source(c).split())
        for c in cells(notebook)
        if c["cell_type"] == "markdown" and not build_book.is_speaker_note(c)
    )
    for note in notes:
        # a stretch of the note's plain words (no markup or math, which the page transforms)
        words = re.findall(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){5}", " ".join(note.split()))
        shown = [w for w in words if w in text and w not in learner]
        assert not shown, f"speaker note shown: {note[:80]!r}"


def test_speaker_notes_are_recognised():
    md = {"cell_type": "markdown", "metadata": {}}
    assert build_book.is_speaker_note({**md, "source": "Speaker notes: ask the room"})
    assert build_book.is_speaker_note({**md, "source": "**Speaker notes.** Demo order"})
    notes = {"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": "notes"}}}
    assert build_book.is_speaker_note({**notes, "source": "Pause here."})
    assert not build_book.is_speaker_note({**md, "source": "Notes on speakers of the room"})


def test_landing_page_drops_developer_sections_and_links_notebooks():
    readme = "# T\n\nIntro\n\n## Notebook map\n\n| `01_a.ipynb` | x |\n\n## Performance\n\nt\n"
    page = build_book.landing_page(readme, {"01_a"})
    assert "[`01_a.ipynb`](01_a.ipynb)" in page
    assert "Performance" not in page and "Intro" in page
    assert page.rstrip().endswith("```") and "\n01_a\n" in page


def test_book_extra_is_part_of_the_test_extra():
    """`make test` builds the book, so the test extra installs what the book extra lists."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert extras["book"] and set(extras["book"]) <= set(extras["test"])
