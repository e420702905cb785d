"""Build the configured Telegram runtime around the service, and run it until signalled."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.core import texts
from bot.service.periodic import repeat
from bot.service.reminders import ReminderScheduler
from bot.settings import Settings
from bot.storage.exit_message_table import ExitMessageWriter, SqlMessageLog
from bot.storage.reminder_table import SqlReminderTable
from bot.storage.retention import RetentionJob
from bot.transports.telegram.api import ApiBlocked, TelegramClient
from bot.transports.telegram.bridge import HandlingRetry, TelegramBridge
from bot.transports.telegram.commands import publish_menus
from bot.transports.telegram.delivery import RetryPolicy, as_html
from bot.transports.telegram.runtime import (
    Runnable,
    RuntimeConfig,
    TelegramRuntime,
    WebhookConfig,
    serve_until_signalled,
)


def runtime_config(settings: Settings) -> RuntimeConfig:
    """Return the runtime configuration from settings (a webhook secret is made when absent)."""
    assert settings.bot_token is not None
    webhook = None
    if settings.webhook_url:
        secret = settings.webhook_secret
        webhook = WebhookConfig(
            url=settings.webhook_url,
            host=settings.webhook_host,
            port=settings.webhook_port,
            path=settings.webhook_path,
            secret=secret.get_secret_value() if secret else WebhookConfig.new_secret(),
        )
    return RuntimeConfig(settings.bot_token.get_secret_value(), settings.bot_api_url, webhook)


def exit_message_log(app: App) -> SqlMessageLog:
    """Return the app's database log of exit message ids, written through the app's store."""
    store = app.store
    if not isinstance(store, ExitMessageWriter):
        raise TypeError("the store cannot record exit message ids")
    return SqlMessageLog(app.database, app.service.keyer, app.service.clock, store)


def make_runtime(
    kind: str,
    config: RuntimeConfig,
    app: App,
    policy: RetryPolicy | None = None,
    retry: HandlingRetry | None = None,
) -> TelegramRuntime:
    """Return a runtime on aiogram's or python-telegram-bot's client feeding the app's service."""

    def make_bridge(client: TelegramClient) -> TelegramBridge:
        """Wire the client to the service and the database's exit message log."""
        return TelegramBridge(app.service, client, exit_message_log(app), policy, retry)

    if kind == "ptb":
        from bot.transports.ptb_runtime import ptb_client

        return TelegramRuntime(config, ptb_client(config), make_bridge)
    from bot.transports.aiogram_runtime import aiogram_client

    return TelegramRuntime(config, aiogram_client(config), make_bridge)


class MenuPublishingRuntime:
    """Wraps a runtime so that starting it also publishes the command menus."""

    def __init__(self, runtime: Runnable, app: App) -> None:
        """Publish the app's languages when `runtime` starts."""
        self.runtime = runtime
        self.app = app
        self.bridge = runtime.bridge

    @property
    def mode(self) -> str:
        """Return how updates arrive: "webhook" or "polling"."""
        return self.runtime.mode

    async def start(self) -> None:
        """Start the runtime, then set commands and descriptions for every language."""
        await self.runtime.start()
        service = self.app.service
        await publish_menus(self.bridge.api, service.catalogs, service.default_locale)

    async def stop(self) -> None:
        """Stop the runtime."""
        await self.runtime.stop()


RETENTION_EVERY = 3600.0
"""How often (seconds) inactive users and old update ids are purged."""


class BackgroundRuntime:
    """Wraps a runtime so that, while it runs, due learning reminders are sent through it and
    the retention job purges what is past its time."""

    def __init__(self, runtime: Runnable, app: App, every: float = 30.0) -> None:
        """Check for due reminders every `every` seconds while `runtime` runs."""
        self.runtime = runtime
        self.app = app
        self.bridge = runtime.bridge
        self.every = every
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.scheduler = ReminderScheduler(
            SqlReminderTable(app.database), app.service.sealer, self.send, app.service.clock
        )
        days = app.settings.retention_days
        self.retention = RetentionJob(app.database, app.service.clock, days)

    @property
    def mode(self) -> str:
        """Return how updates arrive: "webhook" or "polling"."""
        return self.runtime.mode

    async def send(
        self, platform: str, chat: str, locale: str | None, language: str | None
    ) -> bool:
        """Send the reminder text in the learner's language; False when they blocked the bot."""
        if platform != "telegram":
            return False
        text = as_html(self.app.service.say(texts.REMINDER, locale, language))
        try:
            await self.bridge.delivery.send(int(chat), text)
        except ApiBlocked:
            return False
        return True

    async def start(self) -> None:
        """Start the runtime, then the reminder and retention loops."""
        await self.runtime.start()
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.scheduler.run(self._stop, self.every)),
            asyncio.create_task(
                repeat(self.retention.run_once, RETENTION_EVERY, self._stop, "retention")
            ),
        ]

    async def stop(self) -> None:
        """Finish the round under way (no reminder is left half-recorded), then stop."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await self.runtime.stop()


async def run_telegram(app: App) -> None:
    """Run Beacon on Telegram with the configured runtime until SIGTERM or SIGINT."""
    settings = app.settings
    runtime = make_runtime(settings.bot_runtime, runtime_config(settings), app)
    await serve_until_signalled(BackgroundRuntime(MenuPublishingRuntime(runtime, app), app))
