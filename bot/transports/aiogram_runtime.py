"""Beacon's Telegram client on aiogram 3: sends for Beacon and fetches updates as raw JSON."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.service.messages import OutButton
from bot.transports.telegram.api import (
    ALLOWED_UPDATES,
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ApiUnauthorized,
    Keyboard,
)
from bot.transports.telegram.client_api import Library, LibraryApi
from bot.transports.telegram.runtime import RuntimeConfig

T = TypeVar("T")
POLL_MARGIN = 10
"""Seconds a long poll may take beyond its own timeout before the request is given up."""


class RawUpdates(TelegramMethod[list[Any]]):
    """getUpdates with its result left as JSON, so aiogram never parses (or logs) an update."""

    __returning__ = list[Any]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """Return an inline keyboard, or None when there are no buttons.

    Built without re-validation: labels and callback data come from Beacon's own renderer
    and codec, which already guarantee their types and lengths.
    """
    rows = [[button(b) for b in row] for row in keyboard]
    return InlineKeyboardMarkup.model_construct(inline_keyboard=rows) if rows else None


def button(out: OutButton) -> InlineKeyboardButton:
    """Return an inline button that sends callback data, opens a web page or copies text."""
    match out.kind:
        case "url":
            return InlineKeyboardButton.model_construct(text=out.label, url=out.data)
        case "copy":
            copy = CopyTextButton.model_construct(text=out.data)
            return InlineKeyboardButton.model_construct(text=out.label, copy_text=copy)
    return InlineKeyboardButton.model_construct(text=out.label, callback_data=out.data)


async def translated(call: Awaitable[T]) -> T:
    """Await an aiogram call, turning its errors into Beacon's Api* exceptions."""
    try:
        return await call
    except TelegramRetryAfter as err:
        raise ApiRetryAfter(err.retry_after) from None
    except TelegramForbiddenError:
        raise ApiBlocked from None
    except (TelegramUnauthorizedError, TelegramNotFound) as err:
        raise ApiUnauthorized(type(err).__name__) from None
    except (TelegramServerError, TelegramNetworkError, TelegramConflictError) as err:
        raise ApiTransient(type(err).__name__) from None
    except ClientDecodeError:
        raise ApiTransient("ClientDecodeError") from None
    except TelegramBadRequest as err:
        raise ApiRejected(err.message) from None
    except TelegramAPIError as err:
        raise ApiRejected(type(err).__name__) from None


def command(name: str, description: str) -> BotCommand:
    """Return an aiogram bot command."""
    return BotCommand(command=name, description=description)


def upload(filename: str, data: bytes) -> BufferedInputFile:
    """Return an aiogram file to upload."""
    return BufferedInputFile(data, filename=filename)


async def raw_updates(bot: Bot, offset: int | None, limit: int, wait: int) -> list[Any]:
    """Fetch pending updates as raw JSON."""
    method = RawUpdates(
        offset=offset, limit=limit, timeout=wait, allowed_updates=list(ALLOWED_UPDATES)
    )
    return await bot(method, request_timeout=wait + POLL_MARGIN)


async def close(bot: Bot) -> None:
    """Close the bot's HTTP session."""
    await bot.session.close()


AIOGRAM = Library(markup, command, translated, upload, raw_updates, close)


def aiogram_api(bot: Bot) -> LibraryApi:
    """Return the Telegram client port on an aiogram Bot."""
    return LibraryApi(bot, AIOGRAM)


def aiogram_client(config: RuntimeConfig) -> LibraryApi:
    """Return an aiogram client for the configured Bot API server (nothing connects yet)."""
    server = TelegramAPIServer.from_base(config.api_url)
    return aiogram_api(Bot(config.token, session=AiohttpSession(api=server)))
