"""Run Beacon on Telegram with either library's client: connect, deliver what a previous run
left in the outbox, receive updates (long polling or Beacon's webhook server), stop cleanly.
Signals and the jobs beside it are the runner's (bot/runner.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from bot.errors import StartupError
from bot.logs import event
from bot.service.periodic import repeat
from bot.transports.telegram.api import (
    ALLOWED_UPDATES,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ApiUnauthorized,
    TelegramClient,
)
from bot.transports.telegram.bridge import update_id_of
from bot.transports.telegram.polling import poll_updates

if TYPE_CHECKING:
    from bot.transports.telegram.bridge import TelegramBridge
    from bot.transports.telegram.webhook_server import WebhookServer

log = logging.getLogger("beacon.telegram")
WEBHOOK_CONNECTIONS = 40
"""How many connections Telegram may open to the webhook at once (its default)."""
SHARED_ANSWER_WAIT = 30.0
"""With several workers, how long (seconds) a webhook answer waits for the update's replies to
go out before it answers anyway (they stay in the outbox)."""


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram pushes updates, where Beacon listens, and the shared secret."""

    url: str
    host: str
    port: int
    path: str
    secret: str
    registers: bool = True
    """Whether this process tells Telegram the URL (one of N workers does; all listen)."""
    shared: bool = False
    """Whether other processes listen on the same port (SO_REUSEPORT)."""

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
    connect_attempts: int = 5
    """How often to try reaching Telegram at start-up (backoff doubles from `connect_backoff`)."""
    connect_backoff: float = 0.5
    sweep_every: float = 30.0
    """How often the outbox is searched for replies that could not go out the first time."""


async def connect(
    client: TelegramClient,
    config: RuntimeConfig,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """Return the bot's username, trying with backoff while Telegram is unreachable; raise
    StartupError naming BOT_TOKEN or BOT_API_URL when it cannot be reached or refuses."""
    host = urlsplit(config.api_url).netloc or config.api_url
    for attempt in range(1, config.connect_attempts + 1):
        try:
            return await client.username()
        except ApiUnauthorized:
            raise StartupError("BOT_TOKEN", "Telegram does not accept this bot token") from None
        except (ApiTransient, ApiRetryAfter, ApiRejected) as failure:
            reason = type(failure).__name__
            if attempt == config.connect_attempts:
                problem = f"Telegram is unreachable at {host} ({reason}, {attempt} attempts)"
                raise StartupError("BOT_API_URL", problem) from None
            event(
                log, "telegram_unreachable", level=logging.WARNING, attempt=attempt, reason=reason
            )
            await sleep(config.connect_backoff * 2 ** (attempt - 1))
    raise StartupError("BOT_API_URL", "no attempt to reach Telegram was allowed")


class TelegramRuntime:
    """Receives updates for the bridge through one library's client, polling or by webhook."""

    def __init__(
        self,
        config: RuntimeConfig,
        client: TelegramClient,
        make_bridge: Callable[[TelegramClient], TelegramBridge],
    ) -> None:
        """Prepare to run; nothing connects until `start`."""
        self.config = config
        self.client = client
        self.bridge = make_bridge(client)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._server: WebhookServer | None = None

    @property
    def mode(self) -> str:
        """Return how updates arrive: "webhook" or "polling"."""
        return "polling" if self.config.webhook is None else "webhook"

    async def start(self) -> None:
        """Connect, deliver what a previous run left undelivered, then begin receiving; on a
        failure, close what was opened and raise."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        """Connect, recover the outbox, and start the receiving and sweeping loops."""
        self._stop.clear()
        await self.bridge.start(await connect(self.client, self.config))
        await self.bridge.recover()
        webhook = self.config.webhook
        if webhook is None:
            await self.client.delete_webhook()
            self._spawn(
                poll_updates(
                    self.client, self.bridge.feed, self._stop, wait=self.config.poll_timeout
                )
            )
        else:
            from bot.transports.telegram.webhook_server import WebhookServer

            feed = self._fed_and_delivered if webhook.shared else self.bridge.feed
            self._server = WebhookServer(
                webhook.host, webhook.port, webhook.path, webhook.secret, feed,
                shared=webhook.shared,
            )  # fmt: skip
            await self._server.start()
            if webhook.registers:
                await self._register(webhook)
        sweep = repeat(
            self.bridge.sweep, self.config.sweep_every, self._stop, "outbox_sweep",
            self.bridge.service.metrics,
        )  # fmt: skip
        self._spawn(sweep)

    async def _fed_and_delivered(self, update: Any) -> bool:
        """Feed an update, then wait (up to SHARED_ANSWER_WAIT) until its replies went out:
        Telegram sends a chat's next update once this one is answered, perhaps to another
        worker, whose replies must not overtake these."""
        handled = await self.bridge.feed(update)
        if handled:
            with contextlib.suppress(TimeoutError):
                await self.bridge.wait_handled(update_id_of(update), SHARED_ANSWER_WAIT)
        return handled

    async def _register(self, webhook: WebhookConfig) -> None:
        """Tell Telegram the webhook's URL and secret; raise StartupError when it refuses."""
        assert self._server is not None
        try:
            await self.client.set_webhook(
                webhook.url, webhook.secret, ALLOWED_UPDATES, WEBHOOK_CONNECTIONS
            )
        except ApiRejected as refused:
            await self._server.stop()
            raise StartupError("WEBHOOK_URL", f"Telegram refused it ({refused})") from None

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run a loop of the runtime in the background; a loop that ends by a failure is
        logged (by the failure's class only)."""
        task = asyncio.ensure_future(work)
        task.add_done_callback(_report_failure)
        self._tasks.append(task)

    async def stop(self) -> None:
        """Stop receiving, let work in flight finish (bounded), then close the connections."""
        self._stop.set()
        if self._server is not None:
            await self._server.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.bridge.close(self.config.drain_timeout)
        with contextlib.suppress(Exception):
            await self.client.close()


def _report_failure(task: asyncio.Future[None]) -> None:
    """Log a background loop that ended by a failure."""
    if not task.cancelled() and task.exception() is not None:
        reason = type(task.exception()).__name__
        event(log, "telegram_loop_failed", level=logging.ERROR, reason=reason)


class Runnable(Protocol):
    """A Telegram runtime, or a wrapper that starts more beside it."""

    bridge: TelegramBridge

    @property
    def mode(self) -> str:
        """Return how updates arrive: "webhook" or "polling"."""
        ...

    async def start(self) -> None:
        """Begin receiving updates; return once running."""
        ...

    async def stop(self) -> None:
        """Stop receiving, let in-flight work finish, close connections."""
        ...
