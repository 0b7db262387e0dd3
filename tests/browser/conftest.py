"""Fixtures for the browser tests: a private JupyterLab server and headless Chromium.

The suite runs when Debian's Chromium (``/usr/bin/chromium``) and the ``playwright`` Python
package are present, and is skipped with a one-line reason otherwise. It never downloads a
browser (no ``playwright install``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "build" / "browser-artifacts"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    marker = pytest.mark.skip(reason=reason)
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(marker)


def folder_page(browser, folder: Path, viewport: dict[str, int]):  # noqa: ANN001, ANN201
    """A page (and its context) that may load only files under ``folder``.

    Every other request is aborted and its URL appended to ``page.outside``; page errors and
    failed requests go to ``page.problems``. Close ``page.context`` when done.
    """
    prefix = folder.resolve().as_uri() + "/"
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    # generous: on a loaded 2-core machine MathJax takes tens of seconds on the longest pages
    pg.set_default_timeout(180_000)
    pg.outside, pg.problems, pg.prefix = [], [], prefix

    def route(r):  # noqa: ANN001
        if r.request.url.startswith(prefix):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("requestfailed", lambda r: pg.problems.append(f"{r.failure} {r.url}"))
    return pg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (loopback only)
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"server did not answer at {url} within {timeout} s")


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a server we started (its whole process group, so kernels go too)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def write_lab_settings(folder: Path) -> None:
    """Render every cell (no windowing, so all outputs are in the DOM) and ask for no news."""
    files = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


class Server:
    def __init__(self, base_url: str, token: str, root: Path, proc: subprocess.Popen):
        self.base_url = base_url
        self.token = token
        self.root = root
        self.proc = proc

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def shutdown_kernels(self) -> None:
        """Stop every kernel, so each test starts with only its own."""
        headers = {"Authorization": f"token {self.token}"}
        req = urllib.request.Request(f"{self.base_url}/api/kernels", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (loopback only)
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(
                f"{self.base_url}/api/kernels/{k['id']}", headers=headers, method="DELETE"
            )
            with contextlib.suppress(OSError):
                urllib.request.urlopen(req, timeout=10).close()  # noqa: S310


@contextlib.contextmanager
def running_lab(root: Path, state: Path) -> Iterator[Server]:
    """JupyterLab on 127.0.0.1, a free port and a random token, serving ``root``.

    Its settings, workspaces and log live in ``state``. The server is stopped by its
    process id on exit, also after a failure. Used by these tests and by
    ``scripts/bench_figures.py``.
    """
    settings = state / "user-settings"
    write_lab_settings(settings)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("MPLBACKEND", None)
    with open(state / "lab.log", "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/api/status?token={token}", proc)
            yield Server(base, token, root, proc)
        finally:
            stop_process(proc)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """JupyterLab serving a copy of notebooks/, for the whole session.

    A copy, so that JupyterLab's autosave can never rewrite the stored outputs.
    """
    root = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with running_lab(root, root.parent) as server:
        yield server


@pytest.fixture
def jlab(lab_server: Server) -> Iterator[Server]:
    """The session's JupyterLab server, with every kernel stopped after the test."""
    try:
        yield lab_server
    finally:
        lab_server.shutdown_kernels()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    # The console's "Failed to load resource" names no URL; these two lists do.
    pg.failed_requests = []
    pg.on("requestfailed", lambda r: pg.failed_requests.append(f"{r.failure} {r.url}"))
    pg.on(
        "response", lambda r: r.status >= 400 and pg.failed_requests.append(f"{r.status} {r.url}")
    )
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
