"""Beacon's webhook server over real sockets on 127.0.0.1: checks, limits, timeouts, attacks."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import socket
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.testing.webhook_attacks import (
    MIB,
    Target,
    connect,
    exchange,
    large_bodies,
    legit_updates,
    read_status,
    request_head,
    stream,
    trickle,
    update_request,
)
from bot.transports.telegram.webhook_server import WebhookLimits, WebhookServer

SECRET = "beacon-webhook-secret_0123456789"
PATH = "/telegram/hook"
MARKER = "TRAFFICKING-REPORT-TEXT"
"""Stands for what a user wrote; it must never reach a log."""
GENEROUS = 5.0
"""Seconds within which something quick must happen on a noisy shared machine."""


class RecordingFeed:
    """A feed that records each update, optionally waits for a release, then answers or raises."""

    def __init__(self, answer: bool | Exception = True, *, held: bool = False) -> None:
        """Answer with answer (or raise it); when held, wait for `release` first."""
        self.answer = answer
        self.updates: list[Mapping[str, Any]] = []
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()
        self.cancelled = 0
        if not held:
            self.released.set()

    async def __call__(self, update: Mapping[str, Any]) -> bool:
        """Record update, then answer."""
        self.updates.append(update)
        self.arrived.set()
        try:
            await self.released.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@asynccontextmanager
async def serving(
    feed: RecordingFeed, limits: WebhookLimits | None = None
) -> AsyncIterator[tuple[WebhookServer, Target]]:
    """Run a webhook server on a free port of 127.0.0.1 for the block (default limits)."""
    server = WebhookServer("127.0.0.1", 0, PATH, SECRET, feed, limits or WebhookLimits())
    await server.start()
    try:
        yield server, Target("127.0.0.1", server.port, PATH)
    finally:
        await server.stop()


def update(number: int = 1) -> bytes:
    """Return an update's JSON carrying the marker as its text."""
    chat = {"id": 5, "type": "private"}
    message = {"message_id": number, "date": 0, "chat": chat, "text": MARKER}
    return json.dumps({"update_id": number, "message": message}).encode()


def chunked(body: bytes) -> Iterator[bytes]:
    """Yield body as one chunk and the last chunk."""
    yield b"%x\r\n%b\r\n0\r\n\r\n" % (len(body), body)


def now() -> float:
    """Return the running loop's clock."""
    return asyncio.get_running_loop().time()


async def closes_within(sock: socket.socket, seconds: float) -> bool:
    """Return True when the server closes sock (EOF or reset, any answer read) within seconds."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(seconds):
            while True:
                try:
                    if not await loop.sock_recv(sock, 4096):
                        return True
                except OSError:
                    return True
    except TimeoutError:
        return False


@pytest.fixture
def many_files() -> Iterator[None]:
    """Raise this process's open-file soft limit to its hard limit for the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1_100 * 2 + 1_000  # clients, their server sides, and headroom
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the open-file hard limit ({hard}) is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_a_good_update_is_fed_once_and_answered_200_with_an_empty_body() -> None:
    """The update reaches the feed exactly once, as the JSON object sent."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        loop = asyncio.get_running_loop()
        sock = await connect(target, GENEROUS)
        try:
            await loop.sock_sendall(sock, update_request(target, SECRET, update()))
            answer = await asyncio.wait_for(loop.sock_recv(sock, 4096), GENEROUS)
        finally:
            sock.close()
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n") and b"Content-Length: 0" in answer
    assert feed.updates == [json.loads(update())]


@pytest.mark.parametrize(
    "secret",
    [
        None,
        b"",
        b"wrong",
        SECRET[:-1].encode(),
        (SECRET + "x").encode(),
        (SECRET[:-1] + "é").encode(),  # UTF-8, non-ASCII
        b"\xff\xfe" + SECRET.encode(),  # not UTF-8 at all
    ],
    ids=["missing", "empty", "wrong", "short", "long", "non-ascii", "not-utf8"],
)
async def test_a_missing_wrong_or_non_ascii_secret_gets_403_and_feeds_nothing(
    secret: bytes | None,
) -> None:
    """Every secret but the right one is refused with 403, never 500."""
    feed = RecordingFeed()
    async with serving(feed) as (server, target):
        status, _ = await exchange(target, update_request(target, secret, update()))
    assert status == 403
    assert feed.updates == []
    assert server.stats.rejected == 1


async def test_a_content_length_over_the_cap_gets_413_at_once_without_the_body() -> None:
    """No body byte is needed (or sent) for the answer."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        began = now()
        status, sent = await exchange(
            target, request_head(target, secret=SECRET, length=50 * MIB), timeout=GENEROUS
        )
        took = now() - began
    assert (status, sent) == (413, 0)
    assert took < GENEROUS
    assert feed.updates == []


async def test_a_chunked_body_growing_past_the_cap_gets_413() -> None:
    """Without a length to check, the body is read only until it passes the cap."""
    feed = RecordingFeed()
    limits = WebhookLimits(max_body=64 * 1024)
    async with serving(feed, limits) as (_, target):
        head = request_head(target, secret=SECRET, chunked=True)
        status, _ = await exchange(target, head, stream(4 * MIB, 4096, chunked=True))
    assert status == 413
    assert feed.updates == []


async def test_a_body_exactly_at_the_cap_is_fed_and_one_byte_more_is_not() -> None:
    """The cap is inclusive, by announced length and by chunked length alike."""
    feed = RecordingFeed()
    body = update()
    limits = WebhookLimits(max_body=len(body))
    padded = body[:-1] + b" }"
    async with serving(feed, limits) as (_, target):
        at_cap, _ = await exchange(target, update_request(target, SECRET, body))
        over, _ = await exchange(target, update_request(target, SECRET, padded))
        chunked_head = request_head(target, secret=SECRET, chunked=True)
        chunked_at_cap, _ = await exchange(target, chunked_head, chunked(body))
        chunked_over, _ = await exchange(target, chunked_head, chunked(padded))
    assert (at_cap, over, chunked_at_cap, chunked_over) == (200, 413, 200, 413)
    assert len(feed.updates) == 2


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"not json", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"null", b"[" * 200_000],
    ids=["empty", "cut", "text", "not-utf8", "array", "string", "null", "deeply-nested"],
)
async def test_unreadable_json_or_json_that_is_not_an_object_gets_400(body: bytes) -> None:
    """Only a JSON object is an update."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        status, _ = await exchange(target, update_request(target, SECRET, body))
    assert status == 400
    assert feed.updates == []


async def test_a_feed_that_cannot_handle_the_update_now_gets_503() -> None:
    """False from the feed asks Telegram to send the update again later."""
    feed = RecordingFeed(answer=False)
    async with serving(feed) as (_, target):
        status, _ = await exchange(target, update_request(target, SECRET, update()))
    assert status == 503
    assert len(feed.updates) == 1


async def test_a_feed_that_raises_gets_500_and_one_log_event_naming_only_the_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log says which exception, never the update, its text, the secret or the message."""
    caplog.set_level(logging.DEBUG)
    feed = RecordingFeed(answer=RuntimeError(f"failed on {MARKER}"))
    async with serving(feed) as (_, target):
        status, _ = await exchange(target, update_request(target, SECRET, update()))
    assert status == 500
    failures = [r for r in caplog.records if r.getMessage().startswith("webhook_feed_failed")]
    assert [r.getMessage() for r in failures] == ["webhook_feed_failed error=RuntimeError"]
    assert all(r.exc_info is None for r in caplog.records)
    assert MARKER not in caplog.text
    assert SECRET not in caplog.text


async def test_a_request_aiohttp_cannot_parse_gets_400_and_its_bytes_stay_out_of_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp's parser errors quote the request; here only their class is logged."""
    caplog.set_level(logging.DEBUG)
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        head = request_head(target, secret=SECRET, length=2)
        broken = head.replace(b"\r\n\r\n", f"\r\nX-Note: {MARKER}\x01{SECRET}\r\n\r\n".encode())
        status, _ = await exchange(target, broken + b"{}")
    assert status == 400
    assert feed.updates == []
    assert "webhook_bad_request" in caplog.text
    assert MARKER not in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (b"POST /elsewhere HTTP/1.1", 404),
        (f"GET {PATH} HTTP/1.1".encode(), 405),
        (f"PUT {PATH} HTTP/1.1".encode(), 405),
    ],
    ids=["other-path", "get", "put"],
)
async def test_only_post_to_the_path_is_served(start: bytes, expected: int) -> None:
    """Another path gets 404 and another method 405, whatever the secret."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        request = update_request(target, SECRET, update())
        status, _ = await exchange(target, start + request[request.index(b"\r\n") :])
    assert status == expected
    assert feed.updates == []


async def test_expect_100_continue_is_answered_before_the_body_is_sent() -> None:
    """A client that waits for 100 Continue (curl, for large bodies) is not left waiting."""
    feed = RecordingFeed()
    loop = asyncio.get_running_loop()
    async with serving(feed) as (_, target):
        body = update()
        head = request_head(target, secret=SECRET, length=len(body))
        sock = await connect(target, GENEROUS)
        try:
            await loop.sock_sendall(sock, head[:-2] + b"Expect: 100-continue\r\n\r\n")
            interim = await asyncio.wait_for(loop.sock_recv(sock, 4096), GENEROUS)
            await loop.sock_sendall(sock, body)
            status = await asyncio.wait_for(read_status(sock), GENEROUS)
        finally:
            sock.close()
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    assert status == 200
    assert len(feed.updates) == 1


async def test_pipelined_updates_on_one_connection_are_fed_in_order() -> None:
    """Keep-alive and pipelining work: both updates are answered 200 on the same connection."""
    feed = RecordingFeed()
    loop = asyncio.get_running_loop()
    async with serving(feed) as (_, target):
        requests = b"".join(
            request_head(target, secret=SECRET, length=len(update(n)), keep_alive=True) + update(n)
            for n in (1, 2)
        )
        sock = await connect(target, GENEROUS)
        try:
            await loop.sock_sendall(sock, requests)
            first = await asyncio.wait_for(read_status(sock), GENEROUS)
            seen = b""
            async with asyncio.timeout(GENEROUS):
                while seen.count(b"HTTP/1.1 200") < 1 + (first != 200):
                    seen += await loop.sock_recv(sock, 4096)
        finally:
            sock.close()
    assert first == 200 and b"HTTP/1.1 200" in seen
    assert [u["update_id"] for u in feed.updates] == [1, 2]


@pytest.mark.parametrize("sent", [b"", b"POST /telegram/hook HTTP/1.1\r\nHost: x\r\n"])
async def test_a_connection_that_does_not_finish_its_headers_in_time_is_closed(
    sent: bytes,
) -> None:
    """Silent or slow, a connection gets header_timeout for its headers, counted from the accept."""
    limits = WebhookLimits(header_timeout=0.3)
    async with serving(RecordingFeed(), limits) as (server, target):
        sock = await connect(target, GENEROUS)
        try:
            began = now()
            await asyncio.get_running_loop().sock_sendall(sock, sent)
            closed = await closes_within(sock, GENEROUS)
            took = now() - began
        finally:
            sock.close()
        stats = server.stats
    assert closed
    assert 0.2 <= took < GENEROUS
    assert stats.timed_out == 1


async def test_a_body_that_does_not_arrive_in_time_gets_408() -> None:
    """The body has body_timeout from the end of its headers."""
    feed = RecordingFeed()
    limits = WebhookLimits(body_timeout=0.3)
    async with serving(feed, limits) as (server, target):
        head = request_head(target, secret=SECRET, length=100)
        began = now()
        status, _ = await exchange(target, head, iter([b'{"update_id": ']), timeout=GENEROUS)
        took = now() - began
        stats = server.stats
    assert status == 408
    assert 0.2 <= took < GENEROUS
    assert stats.timed_out == 1
    assert feed.updates == []


async def test_an_idle_keep_alive_connection_is_closed_after_idle_timeout() -> None:
    """After an answered update the connection stays open for more, then closes when idle."""
    feed = RecordingFeed()
    loop = asyncio.get_running_loop()
    limits = WebhookLimits(idle_timeout=0.5)
    async with serving(feed, limits) as (server, target):
        sock = await connect(target, GENEROUS)
        try:
            for number in (1, 2):
                body = update(number)
                head = request_head(target, secret=SECRET, length=len(body), keep_alive=True)
                await loop.sock_sendall(sock, head + body)
                assert await asyncio.wait_for(read_status(sock), GENEROUS) == 200
            began = now()
            closed = await closes_within(sock, GENEROUS)
            took = now() - began
        finally:
            sock.close()
        stats = server.stats
    assert closed
    assert 0.4 <= took < GENEROUS
    assert stats.timed_out == 1
    assert len(feed.updates) == 2


async def test_when_full_the_oldest_connection_still_sending_headers_is_closed() -> None:
    """A new connection takes the place of the one whose request began longest ago."""
    feed = RecordingFeed()
    loop = asyncio.get_running_loop()
    limits = WebhookLimits(max_connections=2)
    async with serving(feed, limits) as (server, target):
        oldest = await connect(target, GENEROUS)
        await loop.sock_sendall(oldest, b"POST ")
        await asyncio.sleep(0.05)
        younger = await connect(target, GENEROUS)
        await loop.sock_sendall(younger, b"POST ")
        await asyncio.sleep(0.05)
        try:
            status, _ = await exchange(target, update_request(target, SECRET, update()))
            oldest_closed = await closes_within(oldest, GENEROUS)
            younger_closed = await closes_within(younger, 0.3)
        finally:
            oldest.close()
            younger.close()
        stats = server.stats
    assert status == 200
    assert oldest_closed and not younger_closed
    assert (stats.evicted, stats.refused, stats.peak) == (1, 0, 2)


async def test_when_full_a_connection_that_has_sent_nothing_yet_is_closed_last() -> None:
    """A real client's bytes may still be on their way; a trickler's have begun: it goes first."""
    feed = RecordingFeed()
    loop = asyncio.get_running_loop()
    limits = WebhookLimits(max_connections=2)
    async with serving(feed, limits) as (server, target):
        quiet = await connect(target, GENEROUS)
        await asyncio.sleep(0.05)
        trickler = await connect(target, GENEROUS)
        await loop.sock_sendall(trickler, b"POST ")
        await asyncio.sleep(0.05)
        newcomer = await connect(target, GENEROUS)
        try:
            trickler_closed = await closes_within(trickler, GENEROUS)
            quiet_closed = await closes_within(quiet, 0.3)
            body = update()
            await loop.sock_sendall(quiet, update_request(target, SECRET, body))
            status = await asyncio.wait_for(read_status(quiet), GENEROUS)
        finally:
            for sock in (quiet, trickler, newcomer):
                sock.close()
        stats = server.stats
    assert trickler_closed and not quiet_closed
    assert status == 200
    assert stats.evicted == 1


async def test_when_full_of_updates_being_fed_a_new_connection_is_closed_at_once() -> None:
    """A connection whose update is with the feed is never closed to make room."""
    feed = RecordingFeed(held=True)
    limits = WebhookLimits(max_connections=1)
    async with serving(feed, limits) as (server, target):
        fed = asyncio.create_task(exchange(target, update_request(target, SECRET, update())))
        await asyncio.wait_for(feed.arrived.wait(), GENEROUS)
        newcomer = await connect(target, GENEROUS)
        try:
            refused = await closes_within(newcomer, GENEROUS)
        finally:
            newcomer.close()
        feed.released.set()
        status, _ = await asyncio.wait_for(fed, GENEROUS)
        stats = server.stats
    assert refused
    assert status == 200
    assert (stats.refused, stats.evicted) == (1, 0)


async def test_stop_lets_an_update_being_fed_finish_and_answer() -> None:
    """Stopping waits for the feed, the answer is written, then the server is closed."""
    feed = RecordingFeed(held=True)
    server = WebhookServer("127.0.0.1", 0, PATH, SECRET, feed)
    await server.start()
    target = Target("127.0.0.1", server.port, PATH)
    fed = asyncio.create_task(exchange(target, update_request(target, SECRET, update())))
    await asyncio.wait_for(feed.arrived.wait(), GENEROUS)
    stopping = asyncio.create_task(server.stop())
    await asyncio.sleep(0.2)
    waited = not stopping.done()
    feed.released.set()
    status, _ = await asyncio.wait_for(fed, GENEROUS)
    await asyncio.wait_for(stopping, GENEROUS)
    assert waited
    assert status == 200
    with pytest.raises(OSError):
        await connect(target, GENEROUS)


async def test_stop_waits_for_an_update_whose_client_has_gone() -> None:
    """An update being fed is finished even when the connection that brought it has closed."""
    feed = RecordingFeed(held=True)
    server = WebhookServer("127.0.0.1", 0, PATH, SECRET, feed)
    await server.start()
    target = Target("127.0.0.1", server.port, PATH)
    sock = await connect(target, GENEROUS)
    await asyncio.get_running_loop().sock_sendall(sock, update_request(target, SECRET, update()))
    await asyncio.wait_for(feed.arrived.wait(), GENEROUS)
    sock.close()
    await asyncio.sleep(0.1)
    stopping = asyncio.create_task(server.stop())
    await asyncio.sleep(0.2)
    waited = not stopping.done()
    feed.released.set()
    await asyncio.wait_for(stopping, GENEROUS)
    assert waited
    assert feed.cancelled == 0


async def test_stop_gives_up_on_a_feed_that_never_returns_after_drain_timeout() -> None:
    """The wait is bounded: the stuck update is cancelled and the server still stops."""
    feed = RecordingFeed(held=True)
    server = WebhookServer("127.0.0.1", 0, PATH, SECRET, feed, WebhookLimits(drain_timeout=0.3))
    await server.start()
    target = Target("127.0.0.1", server.port, PATH)
    fed = asyncio.create_task(exchange(target, update_request(target, SECRET, update())))
    await asyncio.wait_for(feed.arrived.wait(), GENEROUS)
    began = now()
    await asyncio.wait_for(server.stop(), GENEROUS)
    took = now() - began
    status, _ = await asyncio.wait_for(fed, GENEROUS)
    assert 0.2 <= took < GENEROUS
    assert feed.cancelled == 1
    assert status == 0  # no answer: Telegram will send the update again


@pytest.mark.parametrize("silent", [False, True], ids=["trickling-bytes", "silent"])
async def test_1100_slow_connections_do_not_lock_a_legitimate_client_out(
    many_files: None, silent: bool
) -> None:
    """While 1,100 clients trickle header bytes (or say nothing) and reconnect when closed,
    every real update is answered within seconds and the server holds at most its limit."""
    feed = RecordingFeed()
    limits = WebhookLimits()
    async with serving(feed, limits) as (server, target):
        attack = asyncio.create_task(
            trickle(target, connections=1_100, seconds=9.0, interval=1.0, silent=silent)
        )
        await asyncio.sleep(2.5)  # every client has connected once, and some again
        full = server.stats
        legit = await legit_updates(target, secret=SECRET, count=10, interval=0.3)
        report = await attack
        stats = server.stats
    print(f"\ntrickle: {report}\nserver: {stats}\nlegit: {legit}")
    assert full.open == limits.max_connections  # the attack filled the server
    assert report.opened >= 1_100 and report.closed_by_server >= 1_100 - limits.max_connections
    assert stats.peak <= limits.max_connections
    assert stats.evicted >= 1_100 - limits.max_connections
    assert legit.statuses == (200,) * 10
    assert legit.slowest < GENEROUS
    assert [u["update_id"] for u in feed.updates] == list(range(900_000, 900_010))


async def test_ten_50_mb_bodies_with_a_wrong_secret_barely_raise_memory() -> None:
    """Refused before any body is read, ten 50 MB bodies raise resident memory by under 16 MB."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        await large_bodies(target, secret="wrong", count=2, size=MIB)  # warm up
        report = await large_bodies(
            target, secret="wrong", count=10, size=50 * MIB, watch_pid=os.getpid()
        )
    print(f"\nwrong secret: {report}\nrise: {report.rss_rise_kib} KiB")
    assert report.statuses == (403,) * 10
    assert report.rss_rise_kib is not None and report.rss_rise_kib < 16 * 1024
    assert all(sent < 25 * MIB for sent in report.sent)
    assert feed.updates == []


async def test_a_right_secret_with_a_50_mb_length_gets_413_without_the_body_being_read() -> None:
    """The client, streaming as fast as it can, gets the answer with most of the body unsent."""
    feed = RecordingFeed()
    async with serving(feed) as (_, target):
        report = await large_bodies(target, secret=SECRET, count=1, size=50 * MIB)
    print(f"\nright secret: {report}")
    assert report.statuses == (413,)
    assert report.sent[0] < 25 * MIB
    assert report.seconds < GENEROUS
    assert feed.updates == []


def test_limits_default_to_1_mb_10_s_30_s_and_256_connections() -> None:
    """1 MB bodies, 10 s for headers and body, 30 s idle, 256 connections."""
    limits = WebhookLimits()
    assert (limits.max_body, limits.header_timeout, limits.body_timeout) == (1_048_576, 10.0, 10.0)
    assert (limits.idle_timeout, limits.max_connections) == (30.0, 256)
    with pytest.raises(AttributeError):
        limits.max_body = 2  # type: ignore[misc]


@pytest.mark.parametrize("name", ["max_body", "header_timeout", "idle_timeout", "max_connections"])
def test_a_limit_that_is_not_positive_is_refused(name: str) -> None:
    """No limit can be switched off with 0 or made negative."""
    with pytest.raises(ValueError, match=name):
        WebhookLimits(**{name: 0})
