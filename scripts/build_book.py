"""Build the course website into build/book/ from the notebooks' stored outputs.

Usage: python scripts/build_book.py [--out build/book] [--strict]

Writes the Sphinx sources into build/book-src/ and runs Sphinx (configuration in book/):
- index.md: the README's course overview (its sections for developers left out), with the
  notebook map linking to the pages;
- one page per notebooks/NN_*.ipynb, in the order of their numbers, from a copy in which
  speaker notes are removed, each live widget's output is replaced by a note on how to run the
  app, solution cells are collapsed and no widget state is kept.
Nothing is executed and nothing is fetched: the pages need no network.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "book"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SPEAKER_NOTES = re.compile(r"^\W*speaker notes", re.IGNORECASE)
# README sections written for developers of the course, not for its readers.
README_SKIP = {
    "Regenerating the stored notebook outputs",
    "Performance",
    "Layout",
    "The course as a website",
}
NOTEBOOK_NAME = re.compile(r"`?(\d\d_[a-z0-9_]+)\.ipynb`?")


def notebooks() -> list[Path]:
    """Every course notebook, in course order (by its number)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_speaker_note(cell: dict) -> bool:
    """A cell addressed to a lecturer: a slides ``notes`` cell or one starting "Speaker notes"."""
    if cell["metadata"].get("slideshow", {}).get("slide_type") == "notes":
        return True
    return cell["cell_type"] == "markdown" and bool(SPEAKER_NOTES.match(_source(cell)))


def is_solution(cell: dict) -> bool:
    """A cell the notebook shows collapsed (JupyterLab's ``jupyter.source_hidden``)."""
    return cell["cell_type"] == "code" and bool(
        cell["metadata"].get("jupyter", {}).get("source_hidden")
    )


def app_names() -> set[str]:
    """Names of the classes that apps/*.ipynb serve with Voila (`make app`)."""
    names: set[str] = set()
    for path in sorted((ROOT / "apps").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse(_source(cell))):
                call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                if call and node.func.id[:1].isupper():
                    names.add(node.func.id)
    return names


def live_app_note(cell: dict, notebook: str, apps: set[str]) -> dict:
    """The markdown cell that stands where a live widget would be."""
    served = sorted(name for name in apps if re.search(rf"\b{name}\(", _source(cell)))
    text = (
        "```{admonition} Live app\n:class: tip\n"
        "In JupyterLab this cell shows an interactive app; this page cannot run Python. "
        f"To use the app, run `make lab` and open `{notebook}`"
    )
    if served:
        text += ", or run `make app`, which serves it as a web page"
    text += ".\n```"
    note_id = f"{cell.get('id', 'cell')}-live-app"
    return {"cell_type": "markdown", "id": note_id, "metadata": {}, "source": text}


def book_notebook(nb: dict, notebook: str, apps: set[str]) -> dict:
    """The copy of a notebook that the book renders."""
    nb = copy.deepcopy(nb)
    nb["metadata"].pop("widgets", None)
    cells = []
    for cell in nb["cells"]:
        if is_speaker_note(cell):
            continue
        cell["metadata"].pop("speaker_notes", None)
        widgets = [o for o in cell.get("outputs", []) if WIDGET_MIME in o.get("data", {})]
        if widgets:
            cell["outputs"] = [o for o in cell["outputs"] if o not in widgets]
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_STATE, None)
        if is_solution(cell):
            hidden_output = cell["metadata"]["jupyter"].get("outputs_hidden", False)
            tags = cell["metadata"].setdefault("tags", [])
            tags.append("hide-cell" if hidden_output else "hide-input")
            label = "solution" if _source(cell).startswith("# Solution") else "code"
            cell["metadata"]["mystnb"] = {
                "code_prompt_show": f"Show {label}",
                "code_prompt_hide": f"Hide {label}",
            }
        cells.append(cell)
        if widgets:
            cells.append(live_app_note(cell, notebook, apps))
    nb["cells"] = cells
    return nb


def landing_page(readme: str, names: set[str]) -> str:
    """The README without its developer sections, notebook names linked to their pages."""
    kept, skip = [], False
    for line in readme.splitlines():
        heading = re.match(r"^(#+) (.*)$", line)
        if heading and len(heading.group(1)) == 2:
            skip = heading.group(2).strip() in README_SKIP
        if not skip:
            kept.append(line)

    def link(match: re.Match) -> str:
        stem = match.group(1)
        return f"[`{stem}.ipynb`]({stem}.ipynb)" if stem in names else match.group(0)

    text = "\n".join(NOTEBOOK_NAME.sub(link, line) for line in kept).rstrip() + "\n"
    toctree = "\n".join(sorted(names))
    return text + f"\n```{{toctree}}\n:hidden:\n:caption: Course\n\n{toctree}\n```\n"


def write_if_changed(path: Path, text: str) -> None:
    """Rewrite only what changed, so Sphinx rebuilds only those pages."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_sources(src: Path) -> list[str]:
    """Write index.md and the notebooks' copies into ``src``; return the page names."""
    src.mkdir(parents=True, exist_ok=True)
    apps = app_names()
    pages = [path.stem for path in notebooks()]
    for path in notebooks():
        nb = book_notebook(json.loads(path.read_text(encoding="utf-8")), path.name, apps)
        write_if_changed(src / path.name, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    for stale in src.glob("*.ipynb"):
        if stale.stem not in pages:
            stale.unlink()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    write_if_changed(src / "index.md", landing_page(readme, set(pages)))
    return ["index", *pages]


def build(out: Path, src: Path, doctrees: Path, strict: bool = False) -> list[str]:
    """Write the sources and run Sphinx; return the page names. Raises on a failed build."""
    pages = write_sources(src)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(CONF_DIR)]
    if strict:  # every warning is an error, and every page is rebuilt to show them all
        cmd += ["-W", "--keep-going", "-E"]
    cmd += ["-d", str(doctrees), str(src), str(out)]
    subprocess.run(cmd, check=True)
    return pages


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "book")
    parser.add_argument("--src", type=Path, default=ROOT / "build" / "book-src")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    pages = build(args.out, args.src, args.src.parent / "book-doctrees", strict=args.strict)
    print(f"{len(pages)} pages in {args.out}; open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
