"""Beacon's Telegram client on python-telegram-bot 22: sends for Beacon and fetches updates as
raw JSON."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from telegram import Bot, BotCommand, InputFile
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData
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
POLL_MARGIN = 10
"""Seconds a long poll may take beyond its own timeout before the request is given up."""
USER_AGENT = BaseRequest.USER_AGENT
JSON_HEADERS = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}

# Beacon asks for getUpdates through do_api_request on purpose: the result stays raw JSON.
warnings.filterwarnings("ignore", r"Please use 'Bot\.getUpdates'", PTBUserWarning)


def seconds(given: object, default: float | None) -> float | None:
    """Return the time-out PTB passed (seconds, or None for no limit), or `default` in place of
    PTB's default markers."""
    return given if given is None or isinstance(given, int | float) else default


class AiohttpRequest(BaseRequest):
    """PTB's request interface over one aiohttp session (PTB's documented way to change its
    networking backend): at most `connections` connections, each kept open between bursts (for
    aiohttp's 15 s of idleness); a request waits for a free one without a time-out. httpcore's
    pool, which PTB's own request uses, polls every idle connection on every request and cost
    about five times more CPU per update; aiohttp's connector hands out a free one directly."""

    def __init__(
        self,
        connections: int = CONNECTIONS,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
    ) -> None:
        """Make the request object (PTB's default time-outs); the session opens on first use."""
        self.connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Seconds to wait for an answer when a call names none."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._session = self._new_session()

    def _new_session(self) -> aiohttp.ClientSession:
        """Return a new session with this request's connection limit."""
        connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
        timeout = self._timeout(BaseRequest.DEFAULT_NONE, BaseRequest.DEFAULT_NONE)
        return aiohttp.ClientSession(connector=connector, timeout=timeout)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _open(self) -> aiohttp.ClientSession:
        """Return the session, opened on first use (Beacon posts without PTB's `initialize`);
        fail as PTB's own request does after a shutdown."""
        if self._session is None:
            self._session = self._new_session()
        if self._session.closed:
            raise RuntimeError("This AiohttpRequest is shut down")
        return self._session

    def _timeout(self, read: object, connect: object) -> aiohttp.ClientTimeout:
        """Return aiohttp's time-outs for a call: those PTB passed (numbers), else this
        request's own; no limit on waiting for a free connection."""
        return aiohttp.ClientTimeout(
            total=None,
            sock_connect=seconds(connect, self._connect_timeout),
            sock_read=seconds(read, self._read_timeout),
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send a request as PTB's own request does (form fields, files as multipart)."""
        session = self._open()
        fields = request_data.json_parameters if request_data is not None else None
        files = request_data.multipart_data if request_data is not None else None
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            body = aiohttp.FormData(fields or {})
            for name, (filename, content, mime) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime)
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers={"User-Agent": USER_AGENT},
                timeout=self._timeout(read_timeout, connect_timeout),
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:  # only its name: its text may hold the URL (the token)
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err

    async def post_json(self, url: str, body: bytes) -> tuple[int, bytes]:
        """Post a JSON body; return the HTTP status and body."""
        async with self._open().post(url, data=body, headers=JSON_HEADERS) as answer:
            return answer.status, await answer.read()


async def post(bot: Bot, method: str, parameters: dict[str, Any]) -> tuple[int, bytes]:
    """Post a method's parameters through the bot's own request (its connections and
    time-outs), as a JSON body where it can (python-telegram-bot itself form-encodes every
    value, which costs more than the rest of a long reply); return the HTTP status and body."""
    request = bot.request
    url = f"{bot.base_url}/{method}"
    try:
        if isinstance(request, AiohttpRequest):
            return await request.post_json(url, json.dumps(parameters).encode())
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
    """Close the bot's HTTP connections, also when PTB's `initialize` (which asks getMe) never
    ran: PTB's `shutdown` then closes nothing, while Beacon's request opens on first use."""
    await bot.shutdown()
    await bot.request.shutdown()


PTB = Library(post, command, translated, upload, raw_updates, close)


def ptb_api(bot: Bot) -> LibraryApi:
    """Return the Telegram client port on a python-telegram-bot Bot."""
    return LibraryApi(bot, PTB)


def ptb_client(config: RuntimeConfig) -> LibraryApi:
    """Return a python-telegram-bot client for the configured Bot API server (nothing connects
    yet); getUpdates shares the sends' connections, so closing `bot.request` closes them all."""
    request = AiohttpRequest(CONNECTIONS)
    bot = Bot(
        config.token,
        base_url=f"{config.api_url}/bot",
        base_file_url=f"{config.api_url}/file/bot",
        request=request,
        get_updates_request=request,
    )
    return ptb_api(bot)
