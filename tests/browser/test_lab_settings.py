"""`make lab` for a class: the course's own settings switch off the Jupyter news prompt and
JupyterLab opens on notebooks/00_start_here.ipynb.

Starts the real server with the command `make lab` runs (read from ``make -n``), on a free port
with a known token and an empty user-settings folder (so nothing from the user's home counts).
"""

from __future__ import annotations

import http.client
import json
import secrets
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import free_port, stop_process, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_course_overrides_switch_off_news():
    overrides = json.loads((ROOT / "jupyter/lab-settings/overrides.json").read_text())
    assert overrides[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    port, token = free_port(), secrets.token_hex(16)
    out = subprocess.run(
        ["make", "-s", "-n", "lab", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if " lab " in line and "jupyter" in line]
    assert len(lines) == 1, out
    home = tmp_path_factory.mktemp("lab-home")
    cmd = [
        *shlex.split(lines[0]),
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={home / 'user-settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ]
    with open(home / "lab.log", "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc)
            yield port, token
        finally:
            stop_process(proc)


def test_make_lab_settings_disable_the_news_prompt(lab):
    port, token = lab
    url = f"http://127.0.0.1:{port}/lab/api/settings/{NOTIFICATION}?token={token}"
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback only)
        settings = json.load(r)
    # overrides replace the schema's defaults; JupyterLab's own default "none" ("Ask") is what
    # makes it ask about news
    properties = settings["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False
    assert "fetchNews" not in (settings.get("settings") or {})  # not from the user's settings


def test_make_lab_opens_on_the_first_notebook(lab):
    port, token = lab
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", f"/?token={token}")
        response = conn.getresponse()
        location = response.getheader("Location") or ""
    finally:
        conn.close()
    assert response.status in (301, 302), response.status
    assert location.split("?")[0].endswith("/lab/tree/00_start_here.ipynb"), location
    assert (ROOT / "notebooks/00_start_here.ipynb").exists()
