"""Build Beacon's Telegram transport from the app: the configured runtime around the service,
its command menus, and a channel the runner starts and the reminders are sent through."""

from __future__ import annotations

import logging

from bot.app import App
from bot.logs import event
from bot.settings import Settings
from bot.transports.telegram.api import ApiBlocked, ChatApi, TelegramClient
from bot.transports.telegram.bridge import PLATFORM, HandlingRetry, TelegramBridge
from bot.transports.telegram.commands import publish_menus
from bot.transports.telegram.delivery import RetryPolicy, as_html
from bot.transports.telegram.limited import LimitedApi
from bot.transports.telegram.metered import MeteredApi
from bot.transports.telegram.runtime import (
    Runnable,
    RuntimeConfig,
    TelegramRuntime,
    WebhookConfig,
)

log = logging.getLogger("beacon.telegram")


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
            registers=settings.worker_id in (None, 0),
            shared=settings.worker_id is not None,
        )
    return RuntimeConfig(settings.bot_token.get_secret_value(), settings.bot_api_url, webhook)


def make_runtime(
    kind: str,
    config: RuntimeConfig,
    app: App,
    policy: RetryPolicy | None = None,
    retry: HandlingRetry | None = None,
) -> TelegramRuntime:
    """Return a runtime on aiogram's or python-telegram-bot's client feeding the app's service."""

    def make_bridge(client: TelegramClient) -> TelegramBridge:
        """Wire the client (its sends counted in the app's metrics, within the app's send
        limiter) to the service and the database's exit message log."""
        metrics = app.service.metrics
        api: ChatApi = MeteredApi(client, metrics)
        if app.send_limiter is not None:
            api = LimitedApi(api, app.send_limiter, metrics)
        return TelegramBridge(app.service, api, app.exit_messages(PLATFORM), policy, retry)

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


class TelegramChannel:
    """Beacon on Telegram as a channel: runs the runtime, logs its start and stop, and sends a
    text first (a reminder) through the runtime's delivery."""

    platform = PLATFORM

    def __init__(self, runtime: Runnable) -> None:
        """Serve and send through `runtime`."""
        self.runtime = runtime
        self.bridge = runtime.bridge

    @property
    def mode(self) -> str:
        """Return how updates arrive: "webhook" or "polling"."""
        return self.runtime.mode

    async def start(self) -> None:
        """Start the runtime; then say so, with how updates arrive."""
        await self.runtime.start()
        event(log, "telegram_started", mode=self.mode)

    async def stop(self) -> None:
        """Stop receiving, let the updates in flight finish, close the connections."""
        event(log, "telegram_stopping", in_flight=self.bridge.in_flight)
        await self.runtime.stop()
        event(log, "telegram_stopped")

    async def send(self, address: str, text: str) -> bool:
        """Send plain text to a chat; False when the user blocked the bot."""
        try:
            await self.bridge.delivery.send(int(address), as_html(text))
        except ApiBlocked:
            return False
        return True


def telegram_channel(app: App) -> TelegramChannel:
    """Return Beacon on Telegram, on the configured runtime, publishing its menus at start."""
    settings = app.settings
    runtime = make_runtime(settings.bot_runtime, runtime_config(settings), app)
    return TelegramChannel(MenuPublishingRuntime(runtime, app))
