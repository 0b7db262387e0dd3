"""The course website in Chromium, opened from its folder (file://) with every request outside
that folder blocked: pages load without network, typeset their math, show every figure and
keep solutions collapsed, and the search finds Glorot."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT, folder_page

NOTEBOOK_PAGES = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = {"index", "04_forward_variance", "search"}
# Text that would mean MathJax left TeX untypeset; code, pre and typeset math are removed first.
UNTYPESET = r"\$[^$\s][^$]*\$|\\\(|\\\[|\$\$"


@pytest.fixture
def site_page(book_site, browser):  # noqa: ANN001
    """A page whose context blocks (and records) every request outside the site's folder."""
    pg = folder_page(browser, book_site.folder, {"width": 1400, "height": 1000})
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    try:
        yield pg
    finally:
        pg.context.close()


def open_page(pg, name: str) -> None:  # noqa: ANN001
    pg.goto(pg.prefix + name, wait_until="load")
    pg.evaluate(
        "async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }"
    )


@pytest.mark.parametrize("name", ["index", *NOTEBOOK_PAGES])
def test_page_renders_offline(name, site_page, artifacts):  # noqa: ANN001
    pg = site_page
    open_page(pg, f"{name}.html")
    state = pg.evaluate(
        """(pattern) => {
        const imgs = [...document.querySelectorAll('img')];
        const math = [...document.querySelectorAll('.math')];
        const copy = document.querySelector('main').cloneNode(true);
        copy.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
        const text = copy.textContent;
        const raw = text.match(new RegExp(pattern));
        const hidden = [...document.querySelectorAll('details.hide')];
        return {
          broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
          figures: imgs.filter(i => i.closest('.cell_output')).length,
          untypeset: math.filter(m => !m.querySelector('mjx-container')).length,
          math: math.length,
          raw: raw ? text.slice(Math.max(0, raw.index - 40), raw.index + 40) : null,
          open: hidden.filter(d => d.open).length,
          shown: hidden.filter(d => d.querySelector('.cell_input').checkVisibility()).length,
          solutions: hidden.length,
        };
    }""",
        UNTYPESET,
    )
    if name in SCREENSHOTS:
        pg.screenshot(path=str(artifacts / f"book-{name}.png"))
    assert pg.outside == [], "requests outside the site"
    assert pg.problems == [], "console errors or failed requests"
    assert state["broken"] == [], "images that did not load"
    assert state["untypeset"] == 0 and state["raw"] is None, state
    if name != "index":
        assert state["math"] > 0 and state["figures"] > 0 and state["solutions"] > 0, state
    assert state["open"] == 0 and state["shown"] == 0, "a solution is visible"


def test_search_finds_glorot(site_page, artifacts):  # noqa: ANN001
    pg = site_page
    open_page(pg, "search.html?q=Glorot")
    pg.wait_for_function(
        "() => document.querySelector('#search-results')"
        " && document.querySelector('#search-results').textContent.trim().length > 0",
        timeout=30_000,
    )
    hits = pg.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    pg.screenshot(path=str(artifacts / "book-search.png"))
    assert pg.outside == [] and pg.problems == []
    assert any("05_backward_and_glorot.html" in h for h in hits), hits
