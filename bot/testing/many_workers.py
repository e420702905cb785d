"""Several Beacon workers (`python -m bot run --workers N`) behind the fake Bot API server's
webhook on one PostgreSQL database: a burst of one-reply commands with faults on the sends, and
optionally one worker killed (SIGKILL) or the database connections cut in the middle of it;
then count the replies lost, repeated and out of order per user. Optionally (`rate=`) the
workers share a Redis limiter at that many sends a second while the fake enforces Telegram's
limits at the same rate, and the figures give the 429s and the send rate reached.

Sized for the issue's 10,000 updates from 500 users: the replies are read from the fake's calls
incrementally (each call once), and the burst has settled when every expected reply is there
and nothing was sent for QUIET seconds (at most SETTLE_LIMIT). Each run has a Redis key prefix
of its own, deleted afterwards. Used by the worker tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from redis.asyncio import Redis

from bot.testing.crash import COMMANDS, BotProcess, wait_until
from bot.testing.database import fresh_database
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.fake_telegram.flood import COUNTED, FloodControl, FloodLimits
from bot.testing.redis import delete_prefix
from bot.testing.steady import LateLoop, frozen_heap
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import free_port

FIRST_USER = 5_000_000
SEND_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery")
SETTLE_LIMIT = 600.0
"""Seconds the burst may take before what is missing is counted as lost."""
QUIET = 2.0
"""Seconds with no call to the fake after which a burst whose replies all came has settled."""
FIRST_REPLIES_LIMIT = 300.0
"""Seconds the first replies (up to the mishap) may take."""


@dataclass(frozen=True, slots=True)
class Mishap:
    """What happens in the middle of the burst, once `at` of the replies arrived: nothing,
    one worker killed with SIGKILL (the launcher restarts it), or the database connections
    cut for `seconds`."""

    kind: str = "none"
    at: float = 0.3
    seconds: float = 3.0


@dataclass(frozen=True, slots=True)
class BurstFigures:
    """What a burst across workers saw: updates, replies before the mishap, replies lost
    (missing or out of order), of them missing (never sent), repeated, the most repeated in
    one chat, and seconds."""

    workers: int
    updates: int
    replied_before: int
    lost: int
    repeated: int
    seconds: float
    missing: int = 0
    most_repeated: int = 0
    refused: int = 0
    """429s the fake's enforced limits gave (0 when it enforced none)."""
    refused_by: tuple[tuple[str, int], ...] = ()
    """Of them, how many each scope ran short of ("bot", "chat"; one 429 may count in both)."""
    fake_late: float = 0.0
    """The longest the fake's event loop (this process's) ran late during the burst, in
    seconds: calls that waited behind it arrive at once on its clock."""
    sends_per_second: float = 0.0
    """Counted sends a second between the burst's first reply and its last."""
    rate: float = 0.0
    """The configured TELEGRAM_RATE (0: no limits)."""

    @property
    def share(self) -> float:
        """Return the sends a second as a share of the configured rate (0 without one)."""
        return self.sends_per_second / self.rate if self.rate else 0.0


class ReplyReader:
    """The texts of the fake's successful sendMessage calls per chat, and the arrival times of
    its successful counted sends, read incrementally: each call is looked at once."""

    def __init__(self, fake: FakeTelegram) -> None:
        """Read `fake`'s calls from its first on."""
        self.fake = fake
        self.read_up_to = 0
        self.texts: defaultdict[int, list[str]] = defaultdict(list)
        self.sent_at: list[float] = []
        """Arrival times of successful counted sends (Telegram's messages), in order."""

    def read(self) -> dict[int, list[str]]:
        """Take in the calls made since the last read; return the texts per chat so far."""
        calls = self.fake.calls
        end = len(calls)
        for call in calls[self.read_up_to : end]:
            if call.status != 200:
                continue
            if call.method in COUNTED:
                self.sent_at.append(call.at)
            if call.method == "sendMessage" and call.chat_id is not None:
                self.texts[call.chat_id].append(str(call.params.get("text", "")))
        self.read_up_to = end
        return self.texts

    def count(self, chats: list[int]) -> int:
        """Return how many replies came to `chats` so far."""
        texts = self.read()
        return sum(len(texts.get(chat, ())) for chat in chats)


def subsequence_gaps(expected: list[str], seen: list[str]) -> tuple[int, int]:
    """Return (lost, extra): expected replies outside the longest common subsequence of
    `expected` and `seen`, and replies seen beyond it (repeats, wherever they fall)."""
    longest = [0] * (len(seen) + 1)
    for want in expected:
        previous = 0
        for index, text in enumerate(seen, 1):
            kept = longest[index]
            longest[index] = previous + 1 if want == text else max(kept, longest[index - 1])
            previous = kept
    common = longest[-1]
    return len(expected) - common, len(seen) - common


def missing_replies(expected: list[str], seen: list[str]) -> int:
    """Return how many expected replies were never seen at all, wherever the rest fell."""
    left = Counter(seen)
    missing = 0
    for want in expected:
        if left[want] > 0:
            left[want] -= 1
        else:
            missing += 1
    return missing


def children(pid: int) -> list[int]:
    """Return the process ids of a process's children (Linux)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


async def burst_across_workers(
    workdir: Path,
    server_url: str,
    redis_url: str,
    *,
    workers: int = 3,
    updates: int = 3000,
    users: int = 300,
    mishap: Mishap = Mishap(),  # frozen, so one default is safe
    faults: bool = True,
    rate: float = 0.0,
) -> BurstFigures:
    """Run `workers` workers on a fresh database behind the fake's webhook, send `updates`
    one-reply commands from `users` people (10% of sends answered 429, 5% 500 when `faults`),
    apply the mishap mid-burst, and count what each chat saw against what it should. With a
    `rate`, the workers send at most that many a second (TELEGRAM_RATE, shared in Redis) and the
    fake enforces Telegram's limits at the same rate."""
    started = time.monotonic()
    fake = FakeTelegram()
    await fake.start()
    flood = fake.enforce_limits(FloodLimits(bot_per_second=rate)) if rate else None
    prefix = f"beacon-test:{uuid.uuid4().hex}:"
    proxy: CuttableProxy | None = None
    try:
        async with fresh_database(server_url, "beacon_workers") as (name, host):
            target_host, target_port = host.rsplit(":", 1) if ":" in host else (host, "5432")
            database_host = host
            if mishap.kind == "cut":
                proxy = CuttableProxy(target_host, int(target_port))
                await proxy.start()
                database_host = f"127.0.0.1:{proxy.port}"
            scheme_user = server_url.split("@", 1)[0]
            database_url = f"{scheme_user}@{database_host}/{name}"
            bot = BotProcess(
                fake, workdir, "aiogram", free_port(), args=("--workers", str(workers))
            )
            bot.env |= {
                "DATABASE_URL": database_url, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix,
                "AUTO_MIGRATE": "true", "TELEGRAM_RATE": f"{rate:g}",
            }  # fmt: skip
            try:
                await bot.start()
                await wait_until(
                    lambda: bot.log().count("webhook_listening") >= workers, 90, "every worker"
                )
                with frozen_heap(), LateLoop() as late:
                    figures = await _burst(
                        fake, bot, proxy, workers, updates, users, mishap, faults, flood
                    )
                status = await bot.stop()
                if status != 0:
                    raise RuntimeError(f"the workers ended with {status}:\n{bot.log()[-2000:]}")
            finally:
                await bot.stop()
                if proxy is not None:
                    await proxy.stop()
    finally:
        await fake.stop()
        await forget(redis_url, prefix)
    seconds = time.monotonic() - started
    return replace(figures, seconds=seconds, rate=rate, fake_late=late.longest)


async def forget(redis_url: str, prefix: str) -> None:
    """Delete a run's keys from Redis."""
    redis = Redis.from_url(redis_url)
    try:
        await delete_prefix(redis, prefix)
    finally:
        await redis.aclose()


async def _burst(
    fake: FakeTelegram,
    bot: BotProcess,
    proxy: CuttableProxy | None,
    workers: int,
    updates: int,
    users: int,
    mishap: Mishap,
    faults: bool,
    flood: FloodControl | None,
) -> BurstFigures:
    """Send the burst, apply the mishap, wait for the replies; return what it saw (the
    seconds and the rate are the caller's to fill in)."""
    reader = ReplyReader(fake)
    sample = FakeUser(FIRST_USER - 1, "Sample")
    texts: dict[str, str] = {}
    for command in COMMANDS:
        fake.send_text(sample, command)
        await wait_until(lambda: len(reader.read()[sample.id]) > len(texts), 60, command)
        texts[command] = reader.texts[sample.id][-1]
    if faults:
        fake.set_faults(SEND_METHODS, rate_429=0.10, rate_500=0.05)
    people = [FakeUser(FIRST_USER + n, f"W{n}") for n in range(users)]
    chats = [person.id for person in people]
    per_user = updates // users
    expected = {p.id: [texts[COMMANDS[i % 2]] for i in range(per_user)] for p in people}
    sends_before = len(reader.sent_at)
    for index in range(per_user):
        for person in people:
            fake.send_text(person, COMMANDS[index % 2])

    before = 0
    if mishap.kind != "none":
        await wait_until(
            lambda: reader.count(chats) >= updates * mishap.at,
            FIRST_REPLIES_LIMIT, "the first replies",
        )  # fmt: skip
        before = reader.count(chats)
        if mishap.kind == "kill":
            assert bot.process is not None
            os.kill(children(bot.process.pid)[-1], signal.SIGKILL)
        elif mishap.kind == "cut" and proxy is not None:
            proxy.cut()
            await asyncio.sleep(mishap.seconds)
            proxy.restore()

    def settled() -> bool:
        """Say whether every expected reply (or more) arrived, the fake's queue is empty and
        nothing was sent for QUIET seconds."""
        seen = reader.read()
        quiet = not fake.calls or time.monotonic() - fake.calls[-1].at > QUIET
        if not quiet or fake.world.queue.pending_count:
            return False
        return all(len(seen.get(chat, ())) >= len(expected[chat]) for chat in chats)

    with contextlib.suppress(TimeoutError):  # what is missing is counted as lost below
        await wait_until(settled, SETTLE_LIMIT, "every reply")
    fake.clear_faults()
    seen = reader.read()
    gaps = [subsequence_gaps(expected[chat], seen.get(chat, [])) for chat in chats]
    sent = reader.sent_at[sends_before:]
    span = sent[-1] - sent[0] if len(sent) > 1 else 0.0
    return BurstFigures(
        workers=workers,
        updates=updates,
        replied_before=before,
        lost=sum(g[0] for g in gaps),
        repeated=sum(g[1] for g in gaps),
        seconds=0.0,
        missing=sum(missing_replies(expected[chat], seen.get(chat, [])) for chat in chats),
        most_repeated=max((g[1] for g in gaps), default=0),
        refused=flood.refused if flood is not None else 0,
        refused_by=tuple(flood.refused_by_scope.items()) if flood is not None else (),
        sends_per_second=(len(sent) - 1) / span if span > 0 else 0.0,
    )
