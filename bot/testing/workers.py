"""Several job workers on one database, for the tests of jobs across workers: each with an
engine and a holder id of its own, learners with due reminders, a sender that counts every
delivery, and a worker process that holds the reminders lease and hangs in the middle of its
round until it is killed (`python -m bot.testing.workers`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.jobs import REMINDERS_EVERY, Job, JobRunner
from bot.service.reminders import ReminderScheduler, Send
from bot.service.user_keys import ChatSealer
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine
from bot.storage.lease_table import SqlLeases
from bot.storage.reminder_table import SqlReminderTable
from bot.storage.tables import Reminder, User, table
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.service import SECRET

EVERY_DAY_AT_NOON_UTC = [[0, 1, 2, 3, 4, 5, 6], 12, "UTC", True]
"""A reminder plan that is never in quiet hours at noon UTC."""
FIRST_CHAT = 500_000
"""The Telegram chat id of the first seeded learner; the others follow."""
HANGING = "hanging"
"""What the worker process prints when it stops in the middle of a send."""


async def seed_due_reminders(engine: AsyncEngine, count: int, due: dt.datetime) -> set[str]:
    """Store `count` learners on Telegram, each with a reminder due at `due`; return their
    chat ids."""
    users, reminders = table(User), table(Reminder)
    keys = {f"{n:064x}": str(FIRST_CHAT + n) for n in range(count)}
    sealer = ChatSealer(SECRET)
    async with engine.begin() as connection:
        await connection.execute(
            insert(users),
            [
                {
                    "user_key": key,
                    "locale": None,
                    "created_at": due,
                    "last_seen_at": due,
                    "active": True,
                }
                for key in keys
            ],
        )
        ids = await connection.execute(select(users.c.id, users.c.user_key))
        await connection.execute(
            insert(reminders),
            [
                {
                    "user_id": user_id,
                    "chat": sealer.seal("telegram", keys[key]),
                    "plan": EVERY_DAY_AT_NOON_UTC,
                    "next_at": due,
                    "language": "en",
                }
                for user_id, key in ids
            ],
        )
    return set(keys.values())


@dataclass
class Deliveries:
    """Every reminder delivered, counted by chat and by the worker that sent it."""

    by_chat: Counter[str] = field(default_factory=Counter)
    by_worker: Counter[str] = field(default_factory=Counter)

    def sender(self, worker: str) -> Send:
        """Return a sender for `worker` that lets the other workers run before it delivers."""

        async def send(platform: str, chat: str, locale: str | None, language: str | None) -> bool:
            """Record one delivery."""
            del platform, locale, language
            await asyncio.sleep(0)
            self.by_chat[chat] += 1
            self.by_worker[worker] += 1
            return True

        return send

    def record(self, chats: list[str], worker: str) -> None:
        """Count deliveries made elsewhere (by a worker process)."""
        self.by_chat.update(chats)
        self.by_worker[worker] += len(chats)


def reminder_job(engine: AsyncEngine, send: Send, clock: ManualClock) -> Job:
    """Return the reminders job on `engine`, sending through `send` (unpaced: no channel)."""
    scheduler = ReminderScheduler(SqlReminderTable(engine), ChatSealer(SECRET), send, clock)
    return Job("reminders", REMINDERS_EVERY, scheduler.run_once)


@dataclass
class Worker:
    """One worker of a test: its engine, and its job runner with a holder id of its own."""

    name: str
    engine: AsyncEngine
    runner: JobRunner

    def job(self, name: str) -> Job:
        """Return this worker's job called `name`."""
        [found] = [job for job in self.runner.jobs if job.name == name]
        return found


def worker(
    database: Database,
    name: str,
    clock: ManualClock,
    jobs: Callable[[AsyncEngine], list[Job]],
) -> Worker:
    """Return a worker on a new engine of `database` whose runner runs the jobs made on that
    engine, as holder `name`."""
    engine = database.another_engine()
    return Worker(name, engine, JobRunner(jobs(engine), SqlLeases(engine), clock, holder=name))


class HangingWorker:
    """A worker process that takes the reminders lease at a given time and sends reminders
    until its `hang_after`-th, where it hangs, so the test can SIGKILL it there."""

    def __init__(self, database: Database, holder: str, moment: dt.datetime) -> None:
        """Prepare a process on `database` holding the lease as `holder` at `moment`."""
        self.args = [database.url, database.search_path or "", holder, moment.isoformat()]
        self.process: asyncio.subprocess.Process | None = None

    async def run_until_hanging(self, hang_after: int) -> list[str]:
        """Start the process; return the chats it delivered to before it hung (at most 60 s)."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.testing.workers", *self.args, str(hang_after),
            cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert self.process.stdout is not None
        sent: list[str] = []
        async with asyncio.timeout(60):
            while (line := (await self.process.stdout.readline()).decode().strip()) != HANGING:
                if not line:
                    errors = await self.process.stderr.read() if self.process.stderr else b""
                    raise RuntimeError(f"the worker ended early:\n{errors.decode()[-2000:]}")
                sent.append(line.removeprefix("sent "))
        return sent

    async def kill(self) -> int:
        """Kill the process with SIGKILL; return its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        return await self.process.wait()


async def hang_in_a_round(
    url: str, search_path: str, holder: str, moment: str, hang_after: int
) -> None:
    """Run one reminders round as `holder` at `moment`, printing each chat sent to, and hang
    (at most 60 s) at the send after `hang_after` of them."""
    options = {"connect_args": {"server_settings": {"search_path": search_path}}}
    engine = make_engine(url, **(options if search_path else {}))
    done = 0

    async def send(platform: str, chat: str, locale: str | None, language: str | None) -> bool:
        """Print the chat of a delivery; hang at the one after `hang_after`."""
        nonlocal done
        del platform, locale, language
        if done == hang_after:
            print(HANGING, flush=True)
            await asyncio.sleep(60)
            raise TimeoutError("not killed in time")
        done += 1
        print(f"sent {chat}", flush=True)
        return True

    clock = ManualClock(dt.datetime.fromisoformat(moment))
    job = reminder_job(engine, send, clock)
    runner = JobRunner([job], SqlLeases(engine), clock, holder=holder)
    try:
        await runner.round(job)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    url, search_path, holder, moment, hang_after = sys.argv[1:]
    asyncio.run(hang_in_a_round(url, search_path, holder, moment, int(hang_after)))
