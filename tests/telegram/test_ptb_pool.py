"""Beacon's python-telegram-bot client (AiohttpRequest) keeps a burst's posts within its
connections: the rest wait their turn instead of timing out, every connection stays open for the
next burst, files go up as multipart, and failures reach PTB as its own errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import telegram
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.transports.ptb_runtime import AiohttpRequest, post, upload
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


def ptb_bot(tg: FakeTelegram, request: telegram.request.BaseRequest) -> telegram.Bot:
    """Return a PTB bot for the fake server sending through `request`."""
    return telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot", request=request)


async def test_posts_beyond_the_connections_wait_for_a_connection_without_timing_out(
    tg: FakeTelegram,
) -> None:
    async with ptb_bot(tg, AiohttpRequest(connections=8)) as bot:
        tg.gate = asyncio.Event()
        sends: list[asyncio.Task[object]] = [json_send(bot, f"json {i}") for i in range(20)]
        sends += [asyncio.create_task(bot.send_message(ANN.id, f"form {i}")) for i in range(20)]
        await until(lambda: tg.in_flight == 8)
        await asyncio.sleep(SHORT_WAIT * 5)  # well past PTB's own pool time-out below
        assert tg.in_flight == 8
        assert not any(send.done() for send in sends)
        tg.gate.set()
        await asyncio.gather(*sends)
    assert tg.most_in_flight == 8
    assert len(tg.messages(ANN.id)) == 40


async def test_ptbs_own_request_times_the_same_burst_out_in_its_pool(tg: FakeTelegram) -> None:
    request = HTTPXRequest(connection_pool_size=8, pool_timeout=SHORT_WAIT)
    async with ptb_bot(tg, request) as bot:
        tg.gate = asyncio.Event()
        sends = [json_send(bot, f"form {i}") for i in range(20)]
        await until(lambda: tg.in_flight == 8)
        await asyncio.sleep(SHORT_WAIT * 5)
        tg.gate.set()
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
    assert sum(isinstance(outcome, ApiTransient) for outcome in outcomes) == 12


async def test_every_connection_stays_open_between_bursts(tg: FakeTelegram) -> None:
    async with ptb_bot(tg, AiohttpRequest(connections=30)) as bot:
        for burst in range(2):
            tg.gate = asyncio.Event()
            sends = [json_send(bot, f"{burst}: {i}") for i in range(30)]
            await until(lambda: tg.in_flight == 30)
            tg.gate.set()
            await asyncio.gather(*sends)
    assert len(tg.peers) == 30


async def test_a_file_goes_up_as_multipart_with_its_name(tg: FakeTelegram) -> None:
    async with ptb_bot(tg, AiohttpRequest()) as bot:
        sent = await bot.send_document(ANN.id, upload("certificate.pdf", b"%PDF-1.4 test"))
    assert sent.document is not None
    assert tg.uploads == [("sendDocument", "certificate.pdf", b"%PDF-1.4 test")]


async def test_a_read_time_out_is_ptbs_timed_out(tg: FakeTelegram) -> None:
    async with ptb_bot(tg, AiohttpRequest(read_timeout=SHORT_WAIT)) as bot:
        tg.gate = asyncio.Event()
        with pytest.raises(TimedOut):
            await bot.send_message(ANN.id, "held past the read time-out")
        tg.gate.set()


async def test_an_unreachable_server_is_ptbs_network_error(tg: FakeTelegram) -> None:
    async with ptb_bot(tg, AiohttpRequest()) as bot:
        await tg.stop()
        with pytest.raises(NetworkError):
            await bot.send_message(ANN.id, "nobody is listening")


async def test_a_shut_down_request_refuses_to_post(tg: FakeTelegram) -> None:
    request = AiohttpRequest()
    async with ptb_bot(tg, request):
        pass
    with pytest.raises(RuntimeError, match="shut down"):
        await request.post_json(f"{tg.base_url}/bot{tg.token}/getMe", b"{}")
