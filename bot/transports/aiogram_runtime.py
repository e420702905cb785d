"""Beacon on aiogram 3: a Bot API client and an update source, with no dialogue logic."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    TelegramObject,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

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


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Return an inline keyboard, or None when there are no buttons.

    Built without re-validation: labels and callback data come from Beacon's own renderer
    and codec, which already guarantee their types and lengths.
    """
    rows = [
        [InlineKeyboardButton.model_construct(text=b.label, callback_data=b.data) for b in row]
        for row in keyboard
    ]
    return InlineKeyboardMarkup.model_construct(inline_keyboard=rows) if rows else None


async def translated(call: Awaitable[T]) -> T:
    """Await an aiogram call, turning its errors into Beacon's Api* exceptions."""
    try:
        return await call
    except TelegramRetryAfter as err:
        raise ApiRetryAfter(err.retry_after) from None
    except TelegramForbiddenError:
        raise ApiBlocked from None
    except (TelegramServerError, TelegramNetworkError) as err:
        raise ApiTransient(type(err).__name__) from None
    except TelegramBadRequest as err:
        raise ApiRejected(err.message) from None


def command(name: str, description: str) -> BotCommand:
    """Return an aiogram bot command."""
    return BotCommand(command=name, description=description)


def upload(filename: str, data: bytes) -> BufferedInputFile:
    """Return an aiogram file to upload."""
    return BufferedInputFile(data, filename=filename)


def aiogram_api(bot: Bot) -> LibraryApi:
    """Return the ChatApi port on an aiogram Bot."""
    return LibraryApi(bot, markup, command, translated, upload)


class AiogramRuntime:
    """Receives updates with aiogram (long polling or webhook) and feeds them to the bridge."""

    def __init__(self, config: RuntimeConfig, make_bridge: Callable[[ChatApi], TelegramBridge]):
        """Build the bot and dispatcher; nothing connects until `start`."""
        server = TelegramAPIServer.from_base(config.api_url)
        self.config = config
        self.bot = Bot(config.token, session=AiohttpSession(api=server))
        self.bridge = make_bridge(aiogram_api(self.bot))
        self.dispatcher = Dispatcher()
        self.dispatcher.update.outer_middleware(self._feed)
        self._polling: asyncio.Task[None] | None = None
        self._site: web.AppRunner | None = None

    async def _feed(
        self,
        _handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        _data: dict[str, Any],
    ) -> bool:
        """Hand every update to the bridge as Bot API JSON; aiogram routes nothing itself."""
        await self.bridge.feed(update.model_dump(mode="json", by_alias=True, exclude_none=True))
        return True

    async def start(self) -> None:
        """Begin receiving updates: webhook when configured, else long polling."""
        await self.bridge.start()
        webhook = self.config.webhook
        if webhook is None:
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._polling = asyncio.create_task(
                self.dispatcher.start_polling(
                    self.bot, handle_signals=False, close_bot_session=False,
                    allowed_updates=ALLOWED_UPDATES, polling_timeout=self.config.poll_timeout,
                )
            )  # fmt: skip
            return
        app = web.Application()
        SimpleRequestHandler(
            self.dispatcher, self.bot, secret_token=webhook.secret, handle_in_background=False
        ).register(app, path=webhook.path)
        self._site = web.AppRunner(app, access_log=None)
        await self._site.setup()
        await web.TCPSite(self._site, webhook.host, webhook.port).start()
        await self.bot.set_webhook(
            webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES
        )

    async def stop(self) -> None:
        """Stop receiving, let in-flight updates finish, then close the HTTP session."""
        if self._polling is not None:
            with suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            await self._polling
        if self._site is not None:
            await self._site.cleanup()
        await self.bridge.wait_idle(self.config.drain_timeout)
        await self.bridge.quizzes.close()
        await self.bot.session.close()
