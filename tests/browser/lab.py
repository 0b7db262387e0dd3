"""Drive JupyterLab in the browser through its own command registry (``window.jupyterapp``,
exposed by ``--LabApp.expose_app_in_browser``)."""

from __future__ import annotations

import re
import uuid

ERROR_MIME = "application/vnd.jupyter.stderr"
# Voila's page template links Font Awesome from a CDN, which fails offline; voila.js bundles
# Font Awesome 5.15.4 itself, so the icons render anyway. Nothing else may fail to load.
VOILA_FONT_CDN = "cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def open_notebook(page, server, name: str, timeout_s: float = 90) -> None:  # noqa: ANN001
    """Open ``name`` alone, in a fresh workspace (so no earlier tab is restored), and wait
    for its kernel."""
    workspace = "t" + uuid.uuid4().hex[:12]
    page.goto(
        server.url(f"/lab/workspaces/{workspace}/tree/{name}?reset"), wait_until="domcontentloaded"
    )
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=timeout_s * 1000,
    )


def run_all(page, timeout_s: float = 180) -> None:  # noqa: ANN001
    """Run every cell and wait until the kernel is idle with no cell still queued."""
    page.evaluate(
        "async () => { const app = window.jupyterapp;"
        " await app.commands.execute('notebook:clear-all-cell-outputs');"
        " await app.commands.execute('notebook:run-all-cells'); }"
    )
    wait_idle(page, timeout_s)


def wait_idle(page, timeout_s: float = 120) -> None:  # noqa: ANN001
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w.sessionContext.session.kernel;"
        " const busy = [...document.querySelectorAll('.jp-InputPrompt')]"
        "   .some(e => e.textContent.includes('*'));"
        " return k.status === 'idle' && !busy; }",
        timeout=timeout_s * 1000,
    )


def error_outputs(page) -> list[str]:  # noqa: ANN001
    """Text of every error/stderr output (tracebacks and warnings both land here)."""
    return page.eval_on_selector_all(
        f'[data-mime-type="{ERROR_MIME}"]', "els => els.map(e => e.innerText.slice(0, 500))"
    )


def widget_views(page) -> tuple[int, int]:  # noqa: ANN001
    """(widget outputs in the notebook model, outputs that rendered a live widget view)."""
    return page.evaluate(
        "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
        " let total = 0;"
        " for (const cell of nb.widgets) {"
        "   const outs = cell.model.outputs; if (!outs) continue;"
        "   for (let i = 0; i < outs.length; i++) {"
        f"     if (outs.get(i).data['{WIDGET_MIME}']) total++; }} }}"
        " const rendered = [...document.querySelectorAll('.jp-OutputArea-output')]"
        "   .filter(o => o.querySelector('.jupyter-widgets')"
        "     && !o.innerText.includes('Error displaying widget')).length;"
        " return [total, rendered]; }"
    )


def image_digest(page, image) -> str:  # noqa: ANN001
    """SHA-256 of the bytes an ``<img>`` (an ipywidgets Image) currently shows."""
    return page.evaluate(
        "async img => { const r = await fetch(img.src); const b = await r.arrayBuffer();"
        " const h = await crypto.subtle.digest('SHA-256', b);"
        " return [...new Uint8Array(h)].map(x => x.toString(16).padStart(2, '0')).join(''); }",
        image.element_handle(),
    )


def button(page, label: str):  # noqa: ANN001
    """Buttons whose whole visible text is ``label`` (ipywidgets buttons and toggles)."""
    return page.locator("button", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


def exercise_app(page, index: int, init_label: str, timeout_s: float = 60) -> None:  # noqa: ANN001
    """Pick an initializer and press Step in the ``index``-th app on the page (0-based);
    its figure and its text readouts must change.

    Every app has one figure (an ipywidgets Image) and one Step button.
    """
    image = page.locator(".jupyter-widgets img").nth(index)
    step = button(page, "Step").nth(index)
    image.wait_for(timeout=timeout_s * 1000)
    step.scroll_into_view_if_needed()
    before_png = image_digest(page, image)
    before_text = page.locator(".widget-html").all_inner_texts()
    button(page, init_label).first.click()
    step.click()
    changed = False
    for _ in range(int(timeout_s * 2)):
        texts = page.locator(".widget-html").all_inner_texts()
        if image_digest(page, image) != before_png and texts != before_text:
            changed = True
            break
        page.wait_for_timeout(500)
    assert changed, (
        f"after {init_label!r} + Step: figure changed "
        f"{image_digest(page, image) != before_png}, "
        f"readouts changed {page.locator('.widget-html').all_inner_texts() != before_text}"
    )


def page_problems(page, allowed: tuple[str, ...] = ()) -> list[str]:  # noqa: ANN001
    """Console errors, uncaught exceptions and failed requests, minus the ``allowed`` URLs.

    Chromium's console line "Failed to load resource" names no URL, so those lines are
    judged through the page's failed-request list (recorded with their URLs) instead.
    """
    failed = [r for r in page.failed_requests if not any(a in r for a in allowed)]
    console = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    return failed + console
