"""Reaching Telegram at start-up: tried with backoff while unreachable, then one StartupError
naming BOT_API_URL; a token Telegram refuses names BOT_TOKEN at once; closing a client closes
every connection it opened."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from bot.errors import StartupError
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.transports.aiogram_runtime import aiogram_client
from bot.transports.ptb_runtime import ptb_client
from bot.transports.telegram.api import ApiTransient, ApiUnauthorized, TelegramClient
from bot.transports.telegram.runtime import RuntimeConfig, connect

CONFIG = RuntimeConfig("1:x", "http://127.0.0.1:9", connect_attempts=4, connect_backoff=0.5)


class Unreachable:
    """A client whose getMe fails the given number of times, then answers."""

    def __init__(self, failures: int, failure: Exception) -> None:
        """Fail `failures` times with `failure`."""
        self.failures = failures
        self.failure = failure
        self.calls = 0

    async def username(self) -> str:
        """Fail, then return the bot's name."""
        self.calls += 1
        if self.calls <= self.failures:
            raise self.failure
        return "BeaconTestBot"


def client(fake: Unreachable) -> TelegramClient:
    """Return the fake as the client port (only username is used)."""
    used: Any = fake
    return used  # type: ignore[no-any-return]


async def test_a_passing_outage_is_waited_out_with_backoff() -> None:
    """Two failures, then an answer: the waits double."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake = Unreachable(2, ApiTransient("ConnectError"))
    assert await connect(client(fake), CONFIG, sleep) == "BeaconTestBot"
    assert waits == [0.5, 1.0]


async def test_telegram_unreachable_names_bot_api_url_after_the_last_attempt() -> None:
    """Every attempt fails: one StartupError naming BOT_API_URL, the host and the attempts."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake = Unreachable(99, ApiTransient("ConnectError"))
    with pytest.raises(StartupError) as refused:
        await connect(client(fake), CONFIG, sleep)
    assert refused.value.setting == "BOT_API_URL"
    assert str(refused.value) == (
        "BOT_API_URL: Telegram is unreachable at 127.0.0.1:9 (ApiTransient, 4 attempts)"
    )
    assert fake.calls == 4 and waits == [0.5, 1.0, 2.0]


async def test_a_refused_token_names_bot_token_at_once() -> None:
    """A 401 is not retried: the token is wrong, and the line says so without showing it."""
    fake = Unreachable(99, ApiUnauthorized("TelegramUnauthorizedError"))
    with pytest.raises(StartupError) as refused:
        await connect(client(fake), CONFIG)
    assert refused.value.setting == "BOT_TOKEN" and fake.calls == 1
    assert "1:x" not in str(refused.value)


def open_sessions() -> set[int]:
    """Return the ids of every aiohttp session still open in this process."""
    return {
        id(found)
        for found in gc.get_objects()
        if isinstance(found, aiohttp.ClientSession) and not found.closed
    }


@pytest.mark.parametrize("make", [aiogram_client, ptb_client], ids=["aiogram", "ptb"])
async def test_closing_a_client_closes_every_session_it_opened(
    make: Callable[[RuntimeConfig], TelegramClient],
) -> None:
    """After getMe, a long poll and a send, `close` leaves none of the client's sessions open
    (PTB's own shutdown skipped them when its `initialize` never ran)."""
    async with FakeTelegram() as tg:
        before = open_sessions()
        api = make(RuntimeConfig(tg.token, tg.base_url))
        await api.username()
        await api.get_updates(None, 10, 0)
        await api.send_message(FakeUser(42, "Ann").id, "Hello", ())
        assert open_sessions() - before, "the client opened no session to close"
        await api.close()
        assert open_sessions() - before == set()
