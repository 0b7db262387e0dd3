"""Sphinx configuration of the course website (`make book`, scripts/build_book.py).

The sources are not here: scripts/build_book.py writes them into build/book-src/ (the
README's overview as index.md and a copy of each notebook with speaker notes removed, widget
outputs replaced by a note, and solutions marked collapsed) and runs Sphinx with this folder
as its configuration directory. The pages use the notebooks' stored outputs; nothing is
executed. Everything a page loads is inside the built folder: MathJax 3 comes from a PyPI
package and is copied next to the pages, the theme ships its fonts and icons, and myst-nb's
ipywidgets scripts (loaded from CDNs) are switched off.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

project = "Weight initialization, hands on"
author = "the course authors"
copyright = "the course authors. Code and course text MIT, the MNIST subset CC BY-SA 3.0"

# githubpages writes .nojekyll, so GitHub Pages serves the folders starting with "_".
extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx.ext.githubpages"]
exclude_patterns = ["_build", ".doctrees", "**.ipynb_checkpoints"]

# myst-nb: render the stored outputs, never run a kernel.
nb_execution_mode = "off"
# Loaded from CDNs on pages with widget state; the notebooks store none, and the book keeps it so.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
# A warning in a stored output fails the build (-W): the notebooks print none.
nb_output_stderr = "warn"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# MathJax 3.2.2 from the sphinx-mathjax-offline wheel. Only the parts a page loads are
# copied (the TeX-to-HTML bundle, the TeX extensions it loads on demand, its web fonts),
# 2 MB instead of the package's 24 MB.
MATHJAX_SOURCE = Path(
    str(
        importlib.metadata.distribution("sphinx-mathjax-offline").locate_file(
            "sphinx-mathjax-offline/static/mathjax"
        )
    )
)
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2"]
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {
    # The menu's speech and explorer options would load 4 MB of speech rules; the book
    # offers the plain menu without them.
    "options": {"menuOptions": {"settings": {"assistiveMml": True, "explorer": False}}},
}

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": True,
    "use_repository_button": False,
    "navigation_with_keys": False,
    # one search field, in the sidebar (pydata-sphinx-theme would add a second in a top bar)
    "navbar_persistent": [],
    "footer_content_items": ["copyright.html"],
}
# pydata-sphinx-theme logs a console error on a first visit unless a colour mode is given.
html_context = {"default_mode": "auto"}
# Search summaries fetch() each result page, which browsers refuse for file:// pages; without
# them the search lists the matching pages and works from a folder opened on disk.
html_show_search_summary = False
html_copy_source = False
html_show_sourcelink = False
html_use_index = False
html_domain_indices = False
html_last_updated_fmt = None


def _copy_mathjax(app, exception) -> None:  # noqa: ANN001
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source = MATHJAX_SOURCE / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def setup(app) -> None:  # noqa: ANN001
    if not (MATHJAX_SOURCE / "tex-chtml.js").is_file():
        raise RuntimeError(f"MathJax not found in {MATHJAX_SOURCE} (pip install -e '.[book]')")
    app.connect("build-finished", _copy_mathjax)
