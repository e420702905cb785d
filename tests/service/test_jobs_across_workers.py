"""Jobs across workers on one database, each worker with its own engine and holder id: three
send each of 1,000 due reminders exactly once, through the lease and even when their rounds run
at once; a worker process SIGKILLed while it holds the reminders lease hands the job on once
the lease has expired on the test clock, and the reminders it had claimed but not sent go out
once their claim ends; retention and web-session expiry run on one worker only; a stopped
worker gives its leases up. SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.jobs import RETENTION_EVERY, WEB_SESSIONS_EVERY, Job
from bot.service.periodic import NotHolder
from bot.service.reminders import CLAIM_FOR
from bot.storage.reminder_table import SqlReminderTable
from bot.storage.retention import Purged, RetentionJob
from bot.storage.tables import User, WebSession, table
from bot.storage.web_session_table import SqlWebSessions, WebSessionExpiry
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.workers import (
    Deliveries,
    HangingWorker,
    Worker,
    reminder_job,
    seed_due_reminders,
    worker,
)

REMINDERS = 1_000
ROUND = dt.timedelta(seconds=30)
MOST_ROUNDS = 40
"""Every loop of rounds stops after this many (ten rounds of 100 send them all)."""


def reminders_for(
    deliveries: Deliveries, name: str, clock: ManualClock
) -> Callable[..., list[Job]]:
    """Return the jobs of a worker that only sends reminders, recorded as `name`'s."""

    def make(engine: AsyncEngine) -> list[Job]:
        """Return the reminders job on the worker's engine."""
        return [reminder_job(engine, deliveries.sender(name), clock)]

    return make


def housekeeping(clock: ManualClock) -> Callable[[AsyncEngine], list[Job]]:
    """Return the jobs of a worker that purges: retention and the end of idle web sessions."""

    def make(engine: AsyncEngine) -> list[Job]:
        """Return both jobs on the worker's engine."""
        expiry = WebSessionExpiry(SqlWebSessions(engine), clock, minutes=30, days=180)
        return [
            Job("retention", RETENTION_EVERY, RetentionJob(engine, clock, days=180).run_once),
            Job("web_sessions", WEB_SESSIONS_EVERY, expiry.run_once),
        ]

    return make


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    """The test's workers (it adds them); their engines are disposed of afterwards."""
    made: list[Worker] = []
    yield made
    for each in made:
        await each.engine.dispose()


async def rounds_at_once(workers: list[Worker], job: str) -> list[object]:
    """Run one round of `job` on every worker at the same time, through the leases."""
    return await asyncio.gather(*(w.runner.round(w.job(job)) for w in workers))


def once_each(deliveries: Deliveries, chats: set[str]) -> None:
    """Assert every chat got exactly one reminder, and no other chat got any."""
    assert set(deliveries.by_chat) == chats
    assert sorted(set(deliveries.by_chat.values())) == [1]


async def test_three_workers_send_each_of_a_thousand_due_reminders_once(
    database: Database, clock: ManualClock, workers: list[Worker]
) -> None:
    """Every round runs on all three at once; only the lease's holder sends, each reminder
    once, and none is left due."""
    chats = await seed_due_reminders(database.engine, REMINDERS, clock.now())
    deliveries = Deliveries()
    workers += [worker(database, f"w{n}", clock, reminders_for(deliveries, f"w{n}", clock))
                for n in range(3)]  # fmt: skip
    for _ in range(MOST_ROUNDS):
        results = await rounds_at_once(workers, "reminders")
        assert sum(isinstance(result, NotHolder) for result in results) == 2
        if sum(deliveries.by_chat.values()) == REMINDERS:
            break
        clock.advance(ROUND)
    once_each(deliveries, chats)
    assert len(deliveries.by_worker) == 1, deliveries.by_worker
    assert await SqlReminderTable(database.engine).due(clock.now(), 1) == []


async def test_rounds_that_run_at_once_without_the_lease_still_send_each_reminder_once(
    database: Database, clock: ManualClock, workers: list[Worker]
) -> None:
    """As if a lease had passed on while its old holder was still in a round: three rounds
    at a time, no lease asked; the claims keep each reminder to one worker."""
    chats = await seed_due_reminders(database.engine, REMINDERS, clock.now())
    deliveries = Deliveries()
    workers += [worker(database, f"w{n}", clock, reminders_for(deliveries, f"w{n}", clock))
                for n in range(3)]  # fmt: skip
    for _ in range(MOST_ROUNDS):
        sent = await asyncio.gather(*(w.job("reminders").run_once() for w in workers))
        if all(count == 0 for count in sent):
            break
    once_each(deliveries, chats)
    assert len(deliveries.by_worker) >= 2, "the rounds overlapped"


async def test_a_killed_lease_holder_hands_the_reminders_on_after_the_lease(
    database: Database, clock: ManualClock, workers: list[Worker]
) -> None:
    """A worker process takes the lease, claims a batch, sends ten and is SIGKILLed in the
    middle of the eleventh. Another worker may not take the lease before it expires, sends the
    unclaimed reminders once it does, and the dead worker's claimed, unsent ones once their
    claim ends: each reminder once."""
    start = clock.now()
    chats = await seed_due_reminders(database.engine, REMINDERS, start)
    deliveries = Deliveries()
    doomed = HangingWorker(database, "doomed", start)
    deliveries.record(await doomed.run_until_hanging(hang_after=10), "doomed")
    assert await doomed.kill() == -signal.SIGKILL
    assert [row[1] for row in await database.rows("job_leases")] == ["doomed"]
    heir = worker(database, "heir", clock, reminders_for(deliveries, "heir", clock))
    workers.append(heir)
    job = heir.job("reminders")
    clock.moment = start + job.lease - dt.timedelta(seconds=1)
    assert await heir.runner.round(job) == NotHolder("reminders")
    clock.moment = start + job.lease
    for _ in range(MOST_ROUNDS):
        if await heir.runner.round(job) == 0:
            break
    assert deliveries.by_worker == {"doomed": 10, "heir": REMINDERS - 100}
    clock.moment = start + CLAIM_FOR
    assert await heir.runner.round(job) == 90
    once_each(deliveries, chats)


async def test_retention_and_web_session_expiry_run_on_one_worker_only(
    database: Database, clock: ManualClock, workers: list[Worker]
) -> None:
    """Three workers try each job at once: one purges, two are told another holds the lease.
    When that one stops renewing, another takes over once the lease has expired, and the old
    holder, back, runs nothing."""
    now = clock.now()
    long_ago = now - dt.timedelta(days=200)
    async with database.engine.begin() as connection:
        await connection.execute(insert(table(User)), [
            {"user_key": f"{n:064x}", "locale": None, "created_at": long_ago,
             "last_seen_at": long_ago, "active": True} for n in range(3)
        ])  # fmt: skip
        await connection.execute(insert(table(WebSession)), [
            {"session_key": f"{n:064x}", "keep": False, "last_seen_at": now - dt.timedelta(hours=1),
             "history": None} for n in range(10, 12)
        ])  # fmt: skip
    workers += [worker(database, f"w{n}", clock, housekeeping(clock)) for n in range(3)]
    retention = await rounds_at_once(workers, "retention")
    [purged] = [result for result in retention if isinstance(result, Purged)]
    assert retention.count(NotHolder("retention")) == 2
    assert (purged.users, purged.update_ids) == (3, 0)
    ended = await rounds_at_once(workers, "web_sessions")
    assert sorted(ended, key=repr) == [2, NotHolder("web_sessions"), NotHolder("web_sessions")]
    [holder] = [w for w, result in zip(workers, retention, strict=True) if result is purged]
    others = [w for w in workers if w is not holder]
    lease = holder.job("retention").lease
    clock.advance(lease - dt.timedelta(seconds=1))
    assert await rounds_at_once(others, "retention") == [NotHolder("retention")] * 2
    clock.advance(dt.timedelta(seconds=1))
    taken = await rounds_at_once(others, "retention")
    assert sorted(map(type, taken), key=repr) == sorted([Purged, NotHolder], key=repr)
    assert await holder.runner.round(holder.job("retention")) == NotHolder("retention")


async def test_a_stopped_worker_gives_its_leases_up_and_another_takes_them_at_once(
    database: Database, clock: ManualClock, workers: list[Worker]
) -> None:
    """A runner started alone takes both leases in its first rounds; stopping releases them,
    so another worker takes them with no wait for them to expire."""
    first = worker(database, "first", clock, housekeeping(clock))
    second = worker(database, "second", clock, housekeeping(clock))
    workers += [first, second]
    await first.runner.start()
    held: list[tuple[object, ...]] = []
    try:
        for _ in range(1000):  # at most about 10 s
            held = await database.rows("job_leases")
            if len(held) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await first.runner.stop()
    assert sorted(row[:2] for row in held) == [("retention", "first"), ("web_sessions", "first")]
    assert await database.rows("job_leases") == []
    assert await second.runner.round(second.job("retention")) == Purged(0, 0, 0)
    assert await second.runner.round(second.job("web_sessions")) == 0
