"""Beacon on python-telegram-bot 22: a Bot API client and an update source, no dialogue logic."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.transports.telegram.api import (
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ChatApi,
    Keyboard,
)
from bot.transports.telegram.bridge import ALLOWED_UPDATES, TelegramBridge
from bot.transports.telegram.client_api import LibraryApi
from bot.transports.telegram.runtime import RuntimeConfig

T = TypeVar("T")
CONCURRENT_UPDATES = 256
CONNECTIONS = 64
POOL_TIMEOUT = 30.0
"""Seconds a request may wait for a free connection; PTB's default (1 s) drops replies in bursts."""


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Return an inline keyboard, or None when there are no buttons."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    return InlineKeyboardMarkup(rows) if rows else None


async def translated(call: Awaitable[T]) -> T:
    """Await a python-telegram-bot call, turning its errors into Beacon's Api* exceptions."""
    try:
        return await call
    except RetryAfter as err:
        with warnings.catch_warnings():  # PTB 22 warns that the int form will become timedelta
            warnings.simplefilter("ignore")
            wait = err.retry_after
        seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
        raise ApiRetryAfter(seconds) from None
    except Forbidden:
        raise ApiBlocked from None
    except BadRequest as err:
        raise ApiRejected(err.message) from None
    except NetworkError as err:  # includes TimedOut and 5xx answers
        raise ApiTransient(type(err).__name__) from None


def command(name: str, description: str) -> BotCommand:
    """Return a python-telegram-bot bot command."""
    return BotCommand(name, description)


def upload(filename: str, data: bytes) -> InputFile:
    """Return a python-telegram-bot file to upload."""
    return InputFile(data, filename=filename)


def ptb_api(bot: Bot) -> LibraryApi:
    """Return the ChatApi port on a python-telegram-bot Bot."""
    return LibraryApi(bot, markup, command, translated, upload)


class PtbRuntime:
    """Receives updates with python-telegram-bot, many users at once, and feeds the bridge."""

    def __init__(self, config: RuntimeConfig, make_bridge: Callable[[ChatApi], TelegramBridge]):
        """Build the application; nothing connects until `start`."""
        self.config = config
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(config.token)
            .base_url(f"{config.api_url}/bot")
            .base_file_url(f"{config.api_url}/file/bot")
            .concurrent_updates(CONCURRENT_UPDATES)
            .connection_pool_size(CONNECTIONS)
            .pool_timeout(POOL_TIMEOUT)
            .build()
        )
        self.bridge = make_bridge(ptb_api(self.app.bot))
        self.app.add_handler(TypeHandler(Update, self._feed))

    async def _feed(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hand every update to the bridge as Bot API JSON; no PTB handler routes anything."""
        await self.bridge.feed(update.to_dict())

    async def start(self) -> None:
        """Begin receiving updates: webhook when configured, else long polling."""
        await self.app.initialize()
        await self.bridge.start()
        await self.app.start()
        updater = self.app.updater
        assert updater is not None
        webhook = self.config.webhook
        if webhook is None:
            await updater.start_polling(
                poll_interval=0, timeout=self.config.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
            return
        await updater.start_webhook(
            listen=webhook.host, port=webhook.port, url_path=webhook.path.lstrip("/"),
            webhook_url=webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES,
        )  # fmt: skip

    async def stop(self) -> None:
        """Stop receiving, let in-flight updates finish, then shut the application down."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        await self.bridge.wait_idle(self.config.drain_timeout)
        await self.bridge.quizzes.close()
        await self.app.stop()
        await self.app.shutdown()
