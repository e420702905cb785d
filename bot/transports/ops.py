"""The operators' HTTP endpoints on OPS_HOST:OPS_PORT, beside the transports: `/metrics`
(Prometheus's text format), `/healthz` (the process is alive) and `/readyz` (the database,
its schema and Redis are usable; 503 with a word per check otherwise)."""

from __future__ import annotations

import errno
import logging

from aiohttp import web

from bot.app import App, readiness
from bot.errors import StartupError
from bot.logs import event
from bot.service.health import Readiness, ready
from bot.service.metrics import CONTENT_TYPE, Metrics, multiprocess

log = logging.getLogger("beacon.ops")
SHUTDOWN_SECONDS = 5.0


class OpsServer:
    """Serves the metrics, liveness and readiness; a runner part started before the
    transports and stopped after them."""

    def __init__(
        self,
        metrics: Metrics,
        checks: Readiness,
        host: str,
        port: int,
        *,
        reuse_port: bool = False,
    ) -> None:
        """Serve `metrics` and `checks` on host:port (`reuse_port`: several workers share it,
        as in multi-process mode)."""
        self.metrics = metrics
        self.checks = checks
        self.host = host
        self.port = port
        self.reuse_port = reuse_port
        self.runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """Return the aiohttp application with the three routes."""
        application = web.Application()
        application.router.add_get("/metrics", self.scrape)
        application.router.add_get("/healthz", self.alive)
        application.router.add_get("/readyz", self.readiness)
        return application

    async def scrape(self, request: web.Request) -> web.Response:
        """Return every metric in Prometheus's text format."""
        body = self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def alive(self, request: web.Request) -> web.Response:
        """Answer 200: the process serves requests."""
        return web.Response(text="ok\n")

    async def readiness(self, request: web.Request) -> web.Response:
        """Answer 200 when every check is ok, else 503; a `name: word` line per check."""
        answers = await self.checks.check()
        body = "".join(f"{name}: {word}\n" for name, word in answers.items())
        return web.Response(text=body, status=200 if ready(answers) else 503)

    @property
    def address(self) -> str:
        """Return the address the endpoints are served on."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start serving; a port in use or a host that cannot be bound is a StartupError."""
        runner = web.AppRunner(
            self.application(), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_port=self.reuse_port or None)
            await site.start()
        except OSError as failure:
            await runner.cleanup()
            reason = "is in use" if failure.errno == errno.EADDRINUSE else "cannot be used"
            raise StartupError(
                "OPS_PORT", f"{self.host}:{self.port} {reason} ({failure.strerror})"
            ) from None
        self.runner = runner
        event(log, "ops_started", host=self.host, port=self.port)

    async def stop(self) -> None:
        """Stop serving and close the readiness checks' connections."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        await self.checks.close()
        event(log, "ops_stopped")


def ops_server(app: App) -> OpsServer:
    """Return the ops endpoints on OPS_HOST:OPS_PORT (which must be set); in multi-process
    mode the workers share the port."""
    settings = app.settings
    assert settings.ops_port is not None
    ours = (settings.ops_host, settings.ops_port)
    if settings.web_port is not None and ours == (settings.web_host, settings.web_port):
        raise StartupError("OPS_PORT", f"{settings.ops_port} is the web chat's port too")
    webhook = settings.bot_token is not None and settings.webhook_url is not None
    if webhook and ours == (settings.webhook_host, settings.webhook_port):
        raise StartupError("OPS_PORT", f"{settings.ops_port} is the Telegram webhook's port too")
    return OpsServer(
        app.metrics, readiness(app), settings.ops_host, settings.ops_port,
        reuse_port=multiprocess(),
    )  # fmt: skip
