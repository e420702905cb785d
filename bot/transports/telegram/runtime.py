"""Run Beacon on Telegram: pick the runtime, start it, publish menus, stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.logs import event

if TYPE_CHECKING:
    from bot.transports.telegram.bridge import TelegramBridge

log = logging.getLogger("beacon.telegram")


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram pushes updates, where Beacon listens, and the shared secret."""

    url: str
    host: str
    port: int
    path: str
    secret: str

    @staticmethod
    def new_secret() -> str:
        """Return a random secret token in Telegram's alphabet (A-Z, a-z, 0-9, _ and -)."""
        return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """What a Telegram runtime needs to connect."""

    token: str
    api_url: str = "https://api.telegram.org"
    webhook: WebhookConfig | None = None
    poll_timeout: int = 10
    drain_timeout: float = 30.0


class TelegramRuntime(Protocol):
    """A running Telegram client: aiogram or python-telegram-bot."""

    bridge: TelegramBridge

    async def start(self) -> None:
        """Begin receiving updates (polling or webhook); return once running."""
        ...

    async def stop(self) -> None:
        """Stop receiving, let in-flight updates finish, close connections."""
        ...


async def serve_until_signalled(runtime: TelegramRuntime) -> None:
    """Run until SIGTERM or SIGINT, then stop: no new updates, in-flight ones finish."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await runtime.start()
    event(log, "telegram_started", mode="webhook" if _has_webhook(runtime) else "polling")
    try:
        await stop.wait()
    finally:
        event(log, "telegram_stopping", in_flight=runtime.bridge.in_flight)
        await runtime.stop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        event(log, "telegram_stopped")


def _has_webhook(runtime: TelegramRuntime) -> bool:
    """Say whether the runtime was configured for a webhook."""
    config = getattr(runtime, "config", None)
    return getattr(config, "webhook", None) is not None
