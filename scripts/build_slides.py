"""Build a reveal.js deck from each notebook, usable without network access.

Usage: python scripts/build_slides.py [--no-vendor] [--out build/slides] [notebooks ...]

Each cell's ``slideshow`` metadata decides its place in the deck (``slide``, ``subslide``,
``fragment``, ``skip``). Speaker notes live in a cell's ``speaker_notes`` metadata (a string),
never in a visible cell: the build puts each one right after its cell as a ``notes`` cell,
which reveal.js shows in its speaker view (press S) as ``<aside class="notes">``. The decks
use stored outputs; nothing is executed. Unless ``--no-vendor`` is given, reveal.js,
require.js, jQuery and MathJax 2 are fetched once from the npm registry into ``build/npm``
(not committed) and copied next to the decks, so a lecture room needs no network.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM_PACKAGES = {
    "reveal.js": "4.6.0",
    "requirejs": "2.3.8",
    "jquery": "3.7.1",
    "mathjax": "2.7.9",
}
# nbconvert's template imports mermaid from a CDN; the course has no mermaid diagrams.
MERMAID = re.compile(r'<script type="module">\s*import mermaid from [^<]*</script>')
# reveal.js's "white" theme loads its font from the vendored files; several others, "simple"
# among them, @import Google Fonts, a request that fails without network.
THEME = "white"
# Paths of the vendored files, relative to the folder of the decks.
URLS = {
    "reveal_url_prefix": "vendor/reveal.js",
    "require_js_url": "vendor/requirejs/require.js",
    "jquery_url": "vendor/jquery/dist/jquery.min.js",
    "mathjax_url": "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}


def vendor(out: Path) -> None:
    """Fetch the front-end packages from the npm registry (once) and copy them to out/vendor."""
    npm_dir = ROOT / "build" / "npm"
    modules = npm_dir / "node_modules"
    if not all((modules / name / "package.json").exists() for name in NPM_PACKAGES):
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed once to fetch reveal.js (or pass --no-vendor)")
        npm_dir.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(npm_dir)]
            + specs,
            check=True,
        )
    for name in NPM_PACKAGES:
        target = out / "vendor" / name
        if not target.exists():
            shutil.copytree(modules / name, target)


def with_speaker_notes(nb):  # noqa: ANN001, ANN201 - nbformat.NotebookNode
    """A copy of ``nb`` with each cell's ``speaker_notes`` metadata as a ``notes`` cell after it."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        notes = cell.metadata.get("speaker_notes")
        if notes:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    str(notes), metadata={"slideshow": {"slide_type": "notes"}}
                )
            )
    nb.cells = cells
    return nb


def build_deck(notebook: Path, out: Path) -> Path:
    """Convert one notebook to ``out/<stem>.slides.html`` and return the path."""
    import nbformat
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(reveal_scroll=True, reveal_theme=THEME, **URLS)
    nb = with_speaker_notes(nbformat.read(notebook, as_version=4))
    title = next(
        (c.source.splitlines()[0].lstrip("# ") for c in nb.cells if c.cell_type == "markdown"),
        notebook.stem,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = MERMAID.sub("", body)
    target = out / f"{notebook.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--no-vendor", action="store_true", help="skip fetching reveal.js")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.no_vendor:
        vendor(args.out)
    for nb in notebooks:
        print(build_deck(nb, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
