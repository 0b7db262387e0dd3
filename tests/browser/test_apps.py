"""The two interactive apps react to their controls in a real browser: in JupyterLab
(notebooks 01 and 07) and as the standalone Voila page of `make app`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import lab
from tests.browser.conftest import free_port, stop_process, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    # notebook, initializer to pick, app index on the Voila page
    ("01_why_initialization_matters.ipynb", "Too large", 0),
    ("07_mnist_explorer.ipynb", "Uniform", 1),
]


def live_apps(page):  # noqa: ANN001
    """Output areas that hold an app (a widget tree with a figure image)."""
    return page.locator(".jp-OutputArea-output:has(.jupyter-widgets img)")


@pytest.mark.parametrize(("notebook", "init_label", "_"), APPS, ids=["playground", "mnist"])
def test_app_in_jupyterlab_reacts_to_controls(notebook, init_label, _, jlab, page):
    lab.open_notebook(page, jlab, notebook)
    lab.run_all(page)
    lab.exercise_app(page, 0, init_label)
    assert lab.error_outputs(page) == []
    assert lab.page_problems(page) == []


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory):
    port = free_port()
    token = secrets.token_hex(16)
    log = open(tmp_path_factory.mktemp("voila") / "voila.log", "w")  # noqa: SIM115
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(ROOT / "apps" / "initialization_apps.ipynb"),
        "--Voila.config_file_paths=apps",  # the locked-down configuration of `make app`
        f"--Voila.token={token}",
        f"--port={port}",
    ]
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env, cwd=ROOT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/", proc, timeout=120)
        yield base, token
    finally:
        stop_process(proc)
        log.close()


@pytest.mark.parametrize(("notebook", "init_label", "index"), APPS, ids=["playground", "mnist"])
def test_voila_app_page_reacts_to_controls(
    notebook, init_label, index, voila_server, page, artifacts
):
    base, token = voila_server
    page.goto(f"{base}/?token={token}", wait_until="domcontentloaded", timeout=120_000)
    apps = live_apps(page)
    apps.nth(1).wait_for(timeout=120_000)
    assert apps.count() == 2
    assert "import" not in page.inner_text("body"), "code cells must not be shown"
    lab.exercise_app(page, index, init_label)
    page.screenshot(path=str(artifacts / f"voila_{Path(notebook).stem}.png"))
    assert lab.page_problems(page, allowed=(lab.VOILA_FONT_CDN,)) == []


# Projector windows: the figures must span most of the page at both sizes (issue 17).
PROJECTOR_WINDOWS = [(1280, 720), (1920, 1080)]
MIN_SHARE = 0.8


def figure_widths(page) -> list[dict]:  # noqa: ANN001
    """Per app on the page: the figure's width on screen, the content width (the output
    area that holds the app) and the PNG's own width, in CSS pixels."""
    return page.eval_on_selector_all(
        ".jp-OutputArea-output:has(.jupyter-widgets img)",
        "areas => areas.map(a => { const img = a.querySelector('.jupyter-widgets img');"
        " return {figure: img.getBoundingClientRect().width,"
        " content: a.getBoundingClientRect().width, natural: img.naturalWidth}; })",
    )


@pytest.mark.parametrize(("width", "height"), PROJECTOR_WINDOWS, ids=["1280", "1920"])
def test_voila_apps_fill_the_page_on_a_projector(width, height, voila_server, browser, artifacts):
    base, token = voila_server
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.console_errors, page.failed_requests = [], []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.on("requestfailed", lambda r: page.failed_requests.append(f"{r.failure} {r.url}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and page.failed_requests.append(f"{r.status} {r.url}"),
    )
    try:
        page.goto(f"{base}/?token={token}", wait_until="domcontentloaded", timeout=120_000)
        apps = live_apps(page)
        apps.nth(1).wait_for(timeout=120_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jupyter-widgets img')]"
            ".filter(i => i.complete && i.naturalWidth > 0).length >= 2",
            timeout=60_000,
        )
        for (notebook, init_label, index), size in zip(APPS, figure_widths(page), strict=True):
            share = size["figure"] / size["content"]
            assert share >= MIN_SHARE, (
                f"{notebook}'s app at {width} px: figure {size['figure']:.0f} px of "
                f"{size['content']:.0f} px content ({share:.0%})"
            )
            lab.exercise_app(page, index, init_label)
            app = apps.nth(index)
            app.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            app.screenshot(path=str(artifacts / f"voila_{Path(notebook).stem}_{width}px.png"))
        print(f"{width} px window:", figure_widths(page))
        assert lab.page_problems(page, allowed=(lab.VOILA_FONT_CDN,)) == []
    finally:
        context.close()
