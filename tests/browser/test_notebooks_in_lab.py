"""Open every notebook in JupyterLab, run all cells, and check what a learner would see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser import lab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def stored_widget_outputs(name: str) -> int:
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    return sum(
        lab.WIDGET_MIME in out.get("data", {})
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_cleanly_in_jupyterlab(name, jlab, page, artifacts):
    lab.open_notebook(page, jlab, name)
    lab.run_all(page)
    expected_widgets = stored_widget_outputs(name)
    if expected_widgets:
        page.wait_for_function(
            "n => [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".filter(o => o.querySelector('.jupyter-widgets')).length >= n",
            arg=expected_widgets,
            timeout=30_000,
        )
    if expected_widgets:
        page.locator(".jupyter-widgets").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"), full_page=False)
    assert lab.error_outputs(page) == []
    total, rendered = lab.widget_views(page)
    assert total == rendered, f"{total - rendered} widget output(s) did not render"
    assert rendered >= expected_widgets
    assert lab.page_problems(page) == []
