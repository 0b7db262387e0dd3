"""`make app` (Voila) is locked down: token, local Host only, capped and culled kernels.

One real Voila server is started with the configuration of `make app` (apps/voila.py), with
short culling times and a cap of two kernels so that the test is quick, and probed with real
HTTP requests and websockets. Kernels are counted as the server's ipykernel child processes.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CAP = 2
IDLE_S = 20  # long enough that a kernel survives from its page to its websocket

pytestmark = pytest.mark.slow


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[str]:
    """Command lines of the direct children of ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):
            continue
    return out


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, token: str, log: Path) -> None:
        self.proc, self.port, self.token, self.log = proc, port, token, log

    def kernels(self) -> int:
        return sum("ipykernel" in cmd for cmd in _children(self.proc.pid))

    def get(self, path: str, host: str | None = None, token: bool = True) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}token={self.token}" if token else path
        headers = {"Host": host} if host else {}
        conn.request("GET", url, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace")
        conn.close()
        cookie = "; ".join(
            v.split(";", 1)[0] for k, v in resp.getheaders() if k.lower() == "set-cookie"
        )
        return resp.status, {
            "location": resp.getheader("Location", ""),
            "body": body,
            "cookie": cookie,
        }

    def wait_kernels(self, n: int, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kernels() == n:
                return n
            time.sleep(0.5)
        return self.kernels()


def _make_app_args() -> list[str]:
    """The arguments `make app` passes to voila (read from the Makefile)."""
    text = (ROOT / "Makefile").read_text()
    recipe = text.split("\napp:", 1)[1].split("\n\n", 1)[0]
    line = " ".join(part.strip() for part in recipe.replace("\\\n", " ").splitlines()[1:])
    args = line.split()
    assert args[0] == "$(BIN)/voila"
    return [a for a in args[1:] if not a.startswith("--port")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        *_make_app_args(),
        f"--port={port}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_S}",
        "--MappingKernelManager.cull_interval=1",
        f"--CappedKernelManager.max_kernels={CAP}",
    ]
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180
        token = None
        while token is None and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            match = re.search(rf"http://127\.0\.0\.1:{port}/\?token=([0-9a-f]+)", log.read_text())
            token = match.group(1) if match else None
            time.sleep(0.5)
        assert token, f"Voila did not print a URL with a token:\n{log.read_text()}"
        yield Server(proc, port, token, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Tabs:
    """Websockets to kernels, as open browser tabs of the app hold them (own event loop)."""

    def __init__(self, server: Server) -> None:
        import threading

        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.open: list = []

    def connect(self, kernel_id: str, host: str, origin: str, cookie: str) -> int:
        """HTTP status of the handshake to a kernel's channels (101: accepted, kept open).

        The session cookie authenticates it, as a page of another site would try to (a
        request that carries the token itself skips jupyter_server's origin check: knowing
        the token is the proof).
        """
        from tornado.httpclient import HTTPClientError, HTTPRequest
        from tornado.websocket import websocket_connect

        headers = {"Host": host, "Origin": origin, "Cookie": cookie}
        url = f"ws://127.0.0.1:{self.server.port}/api/kernels/{kernel_id}/channels"

        async def connect() -> int:
            try:
                ws = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=60))
            except HTTPClientError as exc:
                return exc.code
            self.open.append(ws)
            return 101

        return asyncio.run_coroutine_threadsafe(connect(), self.loop).result(timeout=120)

    def close(self) -> None:
        async def close_all() -> None:
            for ws in self.open:
                ws.close()
            self.open.clear()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


_KERNEL_ID = re.compile(
    r'"kernelId": "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"'
)


def test_make_app_uses_the_locked_down_config():
    args = _make_app_args()
    assert "--Voila.config_file_paths=apps" in args
    assert (ROOT / "apps" / "voila.py").is_file()


def test_no_token_no_page_no_kernel(server):
    assert server.wait_kernels(0) == 0
    for path in ("/", "/voila/render/initialization_apps.ipynb", "/api/kernels"):
        status, info = server.get(path, token=False)
        assert status in (302, 403), path
        if status == 302:
            assert "/login" in info["location"]
    assert server.kernels() == 0
    status, _ = server.get("/", token=False, host=f"127.0.0.1:{server.port}")
    assert status == 302


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8866", "10.1.2.3"])
def test_foreign_host_is_refused_even_with_the_token(server, host):
    before = server.kernels()
    status, _ = server.get("/", host=host)
    assert status == 403
    assert server.kernels() == before


def test_kernels_are_capped_then_culled_and_websockets_check_host_and_origin(server):
    local = f"127.0.0.1:{server.port}"
    assert server.wait_kernels(0) == 0
    tabs = Tabs(server)
    try:
        for i in range(CAP):
            status, info = server.get("/", host=local)
            assert status == 200
            kernel_id = _KERNEL_ID.search(info["body"]).group(1)  # the page names its kernel
            cookie = info["cookie"]
            assert cookie, "a token login sets the session cookie"
            assert tabs.connect(kernel_id, local, f"http://{local}", cookie) == 101
            if i == 0:
                # a foreign Host (DNS rebinding), a foreign Origin, no cookie: refused
                rebind = "attacker.example:8866"
                assert tabs.connect(kernel_id, rebind, f"http://{rebind}", cookie) == 403
                assert tabs.connect(kernel_id, local, "http://attacker.example", cookie) == 403
                assert tabs.connect(kernel_id, local, f"http://{local}", "") in (401, 403)
        assert server.kernels() == CAP
        # the cap: one page more gets 503 and starts nothing
        status, info = server.get("/", host=f"localhost:{server.port}")
        assert status == 503
        assert "Too many app kernels running" in info["body"]
        assert server.kernels() == CAP
    finally:
        tabs.close()
    # with their tabs closed, idle kernels are culled, and the app serves again
    assert server.wait_kernels(0, timeout=120) == 0
    assert server.get("/", host="localhost")[0] == 200
