"""Beacon's Telegram client on aiogram 3: sends for Beacon (the frequent calls as plain JSON through
aiogram's aiohttp session) and fetches updates as raw JSON."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar, cast

import aiohttp
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
from aiogram.types import BotCommand, BufferedInputFile

from bot.transports.telegram.api import (
    ALLOWED_UPDATES,
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ApiUnauthorized,
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


JSON_BODY = {"Content-Type": "application/json"}


async def post(bot: Bot, method: str, parameters: dict[str, Any]) -> tuple[int, str]:
    """Post a method's JSON parameters through the bot's own aiohttp session (its connection
    pool and time-out); return the HTTP status and body."""
    client = cast(AiohttpSession, bot.session)
    session = await client.create_session()
    url = client.api.api_url(token=bot.token, method=method)
    body = client.json_dumps(parameters)
    timeout = aiohttp.ClientTimeout(total=client.timeout)
    try:
        async with session.post(url, data=body, headers=JSON_BODY, timeout=timeout) as response:
            return response.status, await response.text()
    except (TimeoutError, aiohttp.ClientError) as failure:
        raise ApiTransient(type(failure).__name__) from None


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


AIOGRAM = Library(post, command, translated, upload, raw_updates, close)


def aiogram_api(bot: Bot) -> LibraryApi:
    """Return the Telegram client port on an aiogram Bot."""
    return LibraryApi(bot, AIOGRAM)


def aiogram_client(config: RuntimeConfig) -> LibraryApi:
    """Return an aiogram client for the configured Bot API server (nothing connects yet)."""
    server = TelegramAPIServer.from_base(config.api_url)
    return aiogram_api(Bot(config.token, session=AiohttpSession(api=server)))
