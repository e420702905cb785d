"""Build Beacon's web transport from the app: the web chat on WEB_HOST:WEB_PORT as a channel
the runner starts and stops."""

from __future__ import annotations

import errno
import logging

from aiohttp import web

from bot.app import App
from bot.errors import StartupError
from bot.logs import event
from bot.settings import networks
from bot.transports.web.limits import (
    PER_ADDRESS,
    PER_SESSION,
    MemoryRateLimit,
    RateLimit,
    RedisRateLimit,
)
from bot.transports.web.server import (
    KEEPALIVE_SECONDS,
    MAX_HEADERS,
    MAX_LINE,
    PLATFORM,
    QuietAccessLog,
    WebChat,
    WebConfig,
)

log = logging.getLogger("beacon.web")
access_log = logging.getLogger("beacon.web.access")
DEFAULT_PORT = 8080
SHUTDOWN_SECONDS = 10.0


def web_config(app: App) -> WebConfig:
    """Return the web chat's configuration from the app's settings."""
    settings = app.settings
    return WebConfig(
        title=settings.web_title,
        exit_url=settings.web_exit_url,
        secure=(settings.public_url or "").startswith("https://"),
        keep_days=settings.retention_days,
        kiosk_idle_seconds=settings.kiosk_idle_seconds,
        trusted_proxies=networks(settings.web_trusted_proxies),
    )


class WebChannel:
    """Beacon on the web as a channel: serves the web chat; it cannot write to anyone first."""

    platform = PLATFORM

    def __init__(self, chat: WebChat, host: str, port: int, *, shared: bool = False) -> None:
        """Serve `chat` on host:port (`shared`: beside other workers, SO_REUSEPORT)."""
        self.chat = chat
        self.host = host
        self.port = port
        self.shared = shared
        self.runner: web.AppRunner | None = None

    @property
    def address(self) -> str:
        """Return the address the chat is served on, as a browser opens it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start serving; a port in use or a host that cannot be bound is a StartupError."""
        runner = web.AppRunner(
            self.chat.application(),
            access_log_class=QuietAccessLog,
            access_log=access_log,
            keepalive_timeout=KEEPALIVE_SECONDS,
            max_line_size=MAX_LINE,
            max_field_size=MAX_LINE,
            max_headers=MAX_HEADERS,
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_port=self.shared or None)
            await site.start()
        except OSError as failure:
            await runner.cleanup()
            reason = "is in use" if failure.errno == errno.EADDRINUSE else "cannot be used"
            raise StartupError(
                "WEB_PORT", f"{self.host}:{self.port} {reason} ({failure.strerror})"
            ) from None
        self.runner = runner
        event(log, "web_started", host=self.host, port=self.port)

    async def stop(self) -> None:
        """Stop accepting, let the requests in flight finish, close."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        event(log, "web_stopped")

    async def send(self, address: str, text: str) -> bool:
        """Refuse to write first: a web page cannot be reached when it is closed (False)."""
        return False


def rate_limits(app: App) -> tuple[RateLimit, RateLimit]:
    """Return the per-session and per-address rate limits: in Redis, shared by every worker,
    when REDIS_URL is set; else in this process's memory."""
    if app.redis is None:
        return MemoryRateLimit(PER_SESSION), MemoryRateLimit(PER_ADDRESS)
    prefix = f"{app.settings.redis_prefix}web:"
    return (
        RedisRateLimit(app.redis, PER_SESSION, f"{prefix}session:"),
        RedisRateLimit(app.redis, PER_ADDRESS, f"{prefix}address:"),
    )


def web_channel(app: App) -> WebChannel:
    """Return the web chat on the configured host and port; refuse the address the Telegram
    webhook listens on."""
    settings = app.settings
    port = settings.web_port or DEFAULT_PORT
    webhook = settings.bot_token is not None and settings.webhook_url is not None
    if webhook and (settings.web_host, port) == (settings.webhook_host, settings.webhook_port):
        raise StartupError(
            "WEB_PORT", f"{port} is the Telegram webhook's port too; give the web chat its own"
        )
    chat = WebChat(
        app.service, app.web_sessions(), web_config(app), rate_limits(app),
        campaigns=app.campaign_links(),
    )  # fmt: skip
    return WebChannel(chat, settings.web_host, port, shared=settings.worker_id is not None)
