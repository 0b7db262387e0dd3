"""Voila configuration of `make app`: the two interactive apps, locked down for one machine.

Voila reads this file because the Makefile passes ``--Voila.config_file_paths=apps``; the
browser and server tests (tests/test_voila_server.py) start Voila the same way.

- Token: every page and API request needs the token Voila generates at start-up (printed
  with the URL, as `make lab` does). Without it ``GET /`` redirects to the login page and no
  kernel starts.
- Host check: only requests whose ``Host`` header is a loopback address or ``localhost`` are
  served (403 otherwise), websockets included. Voila itself turns jupyter_server's check off
  (``allow_remote_access=True`` in its tornado settings); ``tornado_settings`` is applied
  after, so it turns it back on. This blocks DNS rebinding: a page on attacker.example that
  resolves its name to 127.0.0.1 sends ``Host: attacker.example``.
- Kernels: each page view starts one (about 150 MB). At most ``MAX_KERNELS`` run at once
  (a further page gets HTTP 503 and a message); a kernel idle for ``CULL_IDLE_S`` seconds
  with no browser tab connected is shut down (checked every ``CULL_INTERVAL_S`` seconds).
  No kernel is pre-started (``preheat_kernel`` off).
"""

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

MAX_KERNELS = 4
CULL_IDLE_S = 300
CULL_INTERVAL_S = 60


class CappedKernelManager(AsyncMappingKernelManager):
    """A kernel manager that refuses to start more than ``max_kernels`` kernels."""

    max_kernels = Integer(
        MAX_KERNELS, config=True, help="Most kernels running at once; further pages get 503."
    )

    async def start_kernel(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if len(self.list_kernel_ids()) >= self.max_kernels:
            raise web.HTTPError(
                503,
                f"refused a kernel: {self.max_kernels} app kernels are already running",
                reason=(
                    f"Too many app kernels running ({self.max_kernels}): close another tab of "
                    f"the app, or wait {CULL_IDLE_S // 60} minutes for idle ones to be shut down"
                ),
            )
        return await super().start_kernel(*args, **kwargs)


c = get_config()  # noqa: F821 - defined by traitlets when it runs a config file

c.Voila.ip = "127.0.0.1"
c.Voila.open_browser = False
c.Voila.auto_token = True
c.Voila.tornado_settings = {"allow_remote_access": False, "local_hostnames": ["localhost"]}
c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.preheat_kernel = False
c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
c.MappingKernelManager.cull_idle_timeout = CULL_IDLE_S
c.MappingKernelManager.cull_interval = CULL_INTERVAL_S
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
