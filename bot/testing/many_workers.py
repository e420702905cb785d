"""Several Beacon workers (`python -m bot run --workers N`) behind the fake Bot API server's
webhook on one PostgreSQL database: a burst of one-reply commands with faults on the sends, and
optionally one worker killed (SIGKILL) or the database connections cut in the middle of it;
then count the replies lost, repeated and out of order per user. Used by the worker tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.storage.postgres_store import asyncpg_dsn
from bot.testing.crash import COMMANDS, BotProcess, replies, wait_until
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import free_port

FIRST_USER = 5_000_000
SEND_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery")
SETTLE_LIMIT = 240.0
"""Seconds the burst may take before what is missing is counted as lost."""


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


@contextlib.asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[tuple[str, str]]:
    """Make an empty database on the PostgreSQL server of `server_url`; yield (its name, the
    server's host:port); drop it afterwards."""
    name = f"beacon_workers_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        host = server_url.split("@", 1)[-1].split("/", 1)[0]
        yield name, host
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


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
) -> BurstFigures:
    """Run `workers` workers on a fresh database behind the fake's webhook, send `updates`
    one-reply commands from `users` people (10% of sends answered 429, 5% 500 when `faults`),
    apply the mishap mid-burst, and count what each chat saw against what it should."""
    started = time.monotonic()
    fake = FakeTelegram()
    await fake.start()
    proxy: CuttableProxy | None = None
    async with fresh_database(server_url) as (name, host):
        target_host, target_port = host.rsplit(":", 1) if ":" in host else (host, "5432")
        database_host = host
        if mishap.kind == "cut":
            proxy = CuttableProxy(target_host, int(target_port))
            await proxy.start()
            database_host = f"127.0.0.1:{proxy.port}"
        scheme_user = server_url.split("@", 1)[0]
        database_url = f"{scheme_user}@{database_host}/{name}"
        bot = BotProcess(fake, workdir, "aiogram", free_port(), args=("--workers", str(workers)))
        bot.env |= {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "AUTO_MIGRATE": "true"}
        try:
            await bot.start()
            await wait_until(
                lambda: bot.log().count("webhook_listening") >= workers, 90, "every worker"
            )
            figures = await _burst(fake, bot, proxy, workers, updates, users, mishap, faults)
            status = await bot.stop()
            if status != 0:
                raise RuntimeError(f"the workers ended with {status}:\n{bot.log()[-2000:]}")
        finally:
            await bot.stop()
            if proxy is not None:
                await proxy.stop()
            await fake.stop()
    lost, repeated, before, missing, most = figures
    seconds = time.monotonic() - started
    return BurstFigures(workers, updates, before, lost, repeated, seconds, missing, most)


async def _burst(
    fake: FakeTelegram,
    bot: BotProcess,
    proxy: CuttableProxy | None,
    workers: int,
    updates: int,
    users: int,
    mishap: Mishap,
    faults: bool,
) -> tuple[int, int, int, int, int]:
    """Send the burst, apply the mishap, wait for the replies; return (lost, repeated,
    replies before the mishap, missing, the most repeated in one chat)."""
    sample = FakeUser(FIRST_USER - 1, "Sample")
    texts: dict[str, str] = {}
    for command in COMMANDS:
        fake.send_text(sample, command)
        await wait_until(lambda: len(replies(fake)[sample.id]) > len(texts), 60, command)
        texts[command] = replies(fake)[sample.id][-1]
    if faults:
        fake.set_faults(SEND_METHODS, rate_429=0.10, rate_500=0.05)
    people = [FakeUser(FIRST_USER + n, f"W{n}") for n in range(users)]
    per_user = updates // users
    expected = {p.id: [texts[COMMANDS[i % 2]] for i in range(per_user)] for p in people}
    for index in range(per_user):
        for person in people:
            fake.send_text(person, COMMANDS[index % 2])

    def arrived() -> int:
        """Return how many replies of the burst arrived."""
        seen = replies(fake)
        return sum(len(seen.get(p.id, [])) for p in people)

    before = 0
    if mishap.kind != "none":
        await wait_until(lambda: arrived() >= updates * mishap.at, 120, "the first replies")
        before = arrived()
        if mishap.kind == "kill":
            assert bot.process is not None
            os.kill(children(bot.process.pid)[-1], signal.SIGKILL)
        elif mishap.kind == "cut" and proxy is not None:
            proxy.cut()
            await asyncio.sleep(mishap.seconds)
            proxy.restore()

    def settled() -> bool:
        """Say whether every expected reply (or more) arrived, the fake's queue is empty and
        nothing was sent for a second."""
        seen = replies(fake)
        quiet = not fake.calls or time.monotonic() - fake.calls[-1].at > 1.0
        done = all(len(seen.get(p.id, [])) >= len(expected[p.id]) for p in people)
        return done and quiet and fake.world.queue.pending_count == 0

    with contextlib.suppress(TimeoutError):  # what is missing is counted as lost below
        await wait_until(settled, SETTLE_LIMIT, "every reply")
    fake.clear_faults()
    seen = replies(fake)
    gaps = [subsequence_gaps(expected[p.id], seen.get(p.id, [])) for p in people]
    missing = sum(missing_replies(expected[p.id], seen.get(p.id, [])) for p in people)
    most = max((g[1] for g in gaps), default=0)
    return sum(g[0] for g in gaps), sum(g[1] for g in gaps), before, missing, most
