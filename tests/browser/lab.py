"""Drive JupyterLab in the browser through its own command registry (``window.jupyterapp``,
exposed by ``--LabApp.expose_app_in_browser``)."""

from __future__ import annotations

ERROR_MIME = "application/vnd.jupyter.stderr"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def open_notebook(page, server, name: str, timeout_s: float = 90) -> None:  # noqa: ANN001
    page.goto(server.url(f"/lab/tree/{name}"), wait_until="domcontentloaded")
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
