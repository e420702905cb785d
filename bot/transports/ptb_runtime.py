"""Beacon's Telegram client on python-telegram-bot 22: sends for Beacon and fetches updates as
raw JSON."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import warnings
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
from telegram import Bot, BotCommand, InputFile
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBUserWarning

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
CONNECTIONS = 64
"""Connections to the Bot API server, all kept alive, and so the most posts in flight at once."""
POOL_TIMEOUT = 30.0
"""Seconds a request may wait for a free connection; PTB's default (1 s) drops replies in bursts
(with PooledRequest none waits for one: posts wait for a slot before they reach the pool)."""
POLL_MARGIN = 10
"""Seconds a long poll may take beyond its own timeout before the request is given up."""
JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}

# Beacon asks for getUpdates through do_api_request on purpose: the result stays raw JSON.
warnings.filterwarnings("ignore", r"Please use 'Bot\.getUpdates'", PTBUserWarning)


class PooledRequest(HTTPXRequest):
    """PTB's httpx request with at most as many posts in flight as it has connections: the rest
    wait their turn here, without a time-out, instead of queueing in httpx's pool (where each
    freed connection scans every waiting request, and a wait past the pool time-out fails).
    Every connection stays open between bursts (for httpx's 5 s of idleness): PTB 22 already
    sets no keep-alive limit; it is stated here so that holds whatever PTB's default."""

    def __init__(self, connections: int = CONNECTIONS, pool_timeout: float = POOL_TIMEOUT) -> None:
        """Make the client: `connections` connections, all kept alive, as many slots."""
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        super().__init__(
            connection_pool_size=connections,
            pool_timeout=pool_timeout,
            httpx_kwargs={"limits": limits},
        )
        self.connections = connections
        self.slots = asyncio.Semaphore(connections)
        """Held by each post while it is in flight."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Send a request as PTB does, once a slot is free."""
        async with self.slots:
            return await super().do_request(url, method, request_data, *args, **kwargs)

    async def post_json(self, url: str, body: bytes) -> tuple[int, bytes]:
        """Post a JSON body once a slot is free; return the HTTP status and body."""
        async with self.slots:
            answer = await self._client.post(url, content=body, headers=JSON_HEADERS)
            return answer.status_code, answer.content


async def post(bot: Bot, method: str, parameters: dict[str, Any]) -> tuple[int, bytes]:
    """Post a method's parameters through the bot's own httpx request (its connection pool and
    time-outs), as a JSON body where it can (python-telegram-bot itself form-encodes every
    value, which costs more than the rest of a long reply); return the HTTP status and body."""
    request = bot.request
    url = f"{bot.base_url}/{method}"
    try:
        if isinstance(request, PooledRequest):
            return await request.post_json(url, json.dumps(parameters).encode())
        if isinstance(request, HTTPXRequest):
            client = request._client  # the httpx client PTB made: its pool, its time-outs
            body = json.dumps(parameters).encode()
            answer = await client.post(url, content=body, headers=JSON_HEADERS)
            return answer.status_code, answer.content
        data = RequestData(
            [RequestParameter(key, value, None) for key, value in parameters.items()]
        )
        return await request.do_request(url, "POST", data)
    except Exception as failure:  # TimedOut, NetworkError or the HTTP layer's own, as PTB does
        raise ApiTransient(type(failure).__name__) from None


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
    except InvalidToken as err:
        raise ApiUnauthorized(type(err).__name__) from None
    except BadRequest as err:
        raise ApiRejected(err.message) from None
    except (NetworkError, Conflict) as err:  # NetworkError includes TimedOut and 5xx answers
        raise ApiTransient(type(err).__name__) from None
    except TelegramError as err:
        raise ApiRejected(type(err).__name__) from None


def command(name: str, description: str) -> BotCommand:
    """Return a python-telegram-bot bot command."""
    return BotCommand(name, description)


def upload(filename: str, data: bytes) -> InputFile:
    """Return a python-telegram-bot file to upload."""
    return InputFile(data, filename=filename)


async def raw_updates(bot: Bot, offset: int | None, limit: int, wait: int) -> Any:
    """Fetch pending updates as raw JSON (do_api_request without a return type parses none)."""
    arguments = {
        "offset": offset,
        "limit": limit,
        "timeout": wait,
        "allowed_updates": list(ALLOWED_UPDATES),
    }
    return await bot.do_api_request(
        "getUpdates", api_kwargs=arguments, read_timeout=wait + POLL_MARGIN
    )


async def close(bot: Bot) -> None:
    """Close the bot's HTTP connections."""
    await bot.shutdown()


PTB = Library(post, command, translated, upload, raw_updates, close)


def ptb_api(bot: Bot) -> LibraryApi:
    """Return the Telegram client port on a python-telegram-bot Bot."""
    return LibraryApi(bot, PTB)


def ptb_client(config: RuntimeConfig) -> LibraryApi:
    """Return a python-telegram-bot client for the configured Bot API server (nothing connects
    yet)."""
    bot = Bot(
        config.token,
        base_url=f"{config.api_url}/bot",
        base_file_url=f"{config.api_url}/file/bot",
        request=PooledRequest(CONNECTIONS, POOL_TIMEOUT),
        get_updates_request=HTTPXRequest(connection_pool_size=2),
    )
    return ptb_api(bot)
