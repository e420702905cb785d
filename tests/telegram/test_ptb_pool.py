"""Beacon's python-telegram-bot client keeps a burst's posts within its connections: the rest
wait their turn instead of timing out, and every connection stays open for the next burst."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import telegram
from telegram.request import HTTPXRequest

from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.transports.ptb_runtime import PooledRequest, post
from bot.transports.telegram.api import ApiTransient

ANN = FakeUser(42, "Ann")
SHORT_WAIT = 0.01
"""A pool time-out far shorter than the calls are held for."""


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A running fake Telegram."""
    async with FakeTelegram() as server:
        yield server


async def until(condition: Callable[[], bool]) -> None:
    """Wait (at most about 10 s) until `condition` holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def json_send(bot: telegram.Bot, text: str) -> asyncio.Task[tuple[int, bytes]]:
    """Start a sendMessage to Ann posted as JSON, as Beacon posts its replies."""
    return asyncio.create_task(post(bot, "sendMessage", {"chat_id": ANN.id, "text": text}))


async def test_posts_beyond_the_connections_wait_for_a_slot_not_for_the_pool(
    tg: FakeTelegram,
) -> None:
    request = PooledRequest(connections=8, pool_timeout=SHORT_WAIT)
    async with telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot", request=request) as bot:
        tg.gate = asyncio.Event()
        sends: list[asyncio.Task[object]] = [json_send(bot, f"json {i}") for i in range(20)]
        sends += [asyncio.create_task(bot.send_message(ANN.id, f"form {i}")) for i in range(20)]
        await until(lambda: tg.in_flight == 8)
        await asyncio.sleep(SHORT_WAIT * 5)  # well past the pool time-out
        assert tg.in_flight == 8
        assert not any(send.done() for send in sends)
        tg.gate.set()
        await asyncio.gather(*sends)
    assert tg.most_in_flight == 8
    assert len(tg.messages(ANN.id)) == 40


async def test_without_the_slots_the_same_burst_times_out_in_the_pool(tg: FakeTelegram) -> None:
    request = HTTPXRequest(connection_pool_size=8, pool_timeout=SHORT_WAIT)
    async with telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot", request=request) as bot:
        tg.gate = asyncio.Event()
        sends = [json_send(bot, f"json {i}") for i in range(20)]
        await until(lambda: tg.in_flight == 8)
        await asyncio.sleep(SHORT_WAIT * 5)
        tg.gate.set()
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
    assert sum(isinstance(outcome, ApiTransient) for outcome in outcomes) == 12


async def test_every_connection_stays_open_between_bursts(tg: FakeTelegram) -> None:
    request = PooledRequest(connections=30)  # more than httpx's own default keeps alive (20)
    async with telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot", request=request) as bot:
        for burst in range(2):
            tg.gate = asyncio.Event()
            sends = [json_send(bot, f"{burst}: {i}") for i in range(30)]
            await until(lambda: tg.in_flight == 30)
            tg.gate.set()
            await asyncio.gather(*sends)
    assert len(tg.peers) == 30
