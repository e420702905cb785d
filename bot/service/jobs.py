"""Beacon's background jobs, whatever channels run: each is a round of work repeated on an
interval, and `JobRunner` runs them beside the transports until told to stop. Many workers may
share one database: a job's round runs only on the worker that holds the job's lease."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.logs import event
from bot.service.metrics import Metrics
from bot.service.periodic import NotHolder, repeat
from bot.service.ports import Clock

log = logging.getLogger("beacon.jobs")

REMINDERS_EVERY = 30.0
"""How often (seconds) due learning reminders are looked for."""
RETENTION_EVERY = 3600.0
"""How often (seconds) inactive users, old update ids, exit's message ids past deleting,
campaign start markers and undeliverable outbox entries are purged."""
WEB_SESSIONS_EVERY = 60.0
"""How often (seconds) idle web sessions are looked for and ended."""
LEASE_ROUNDS = 3
"""A job's lease lasts this many of its intervals and is renewed each round, so the job of a
worker that died passes to another at most this long after its last round."""


@dataclass(frozen=True, slots=True)
class Job:
    """A round of background work, its name in the logs, and how often it runs (seconds)."""

    name: str
    every: float
    run_once: Callable[[], Awaitable[object]]

    @property
    def lease(self) -> dt.timedelta:
        """Return how long a lease on this job lasts from the round that took or renewed it."""
        return dt.timedelta(seconds=self.every * LEASE_ROUNDS)


class Round(Protocol):
    """Something that does one round of a job's work."""

    async def run_once(self) -> object:
        """Do the work due now."""
        ...


class Leases(Protocol):
    """Where job leases are kept, shared by every worker on the database."""

    async def take(self, job: str, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take or renew `job`'s lease for `holder` until `until` when it is free, expired at
        `now` or already `holder`'s; say whether `holder` holds it now."""
        ...

    async def release(self, job: str, holder: str) -> None:
        """Give up `job`'s lease if `holder` holds it."""
        ...


def beacon_jobs(reminders: Round, retention: Round) -> list[Job]:
    """Return Beacon's jobs: send due reminders every 30 s; purge what is past its time (the
    exit-message purge among it) every hour."""
    return [
        Job("reminders", REMINDERS_EVERY, reminders.run_once),
        Job("retention", RETENTION_EVERY, retention.run_once),
    ]


def worker_id(number: int | None = None) -> str:
    """Return a lease holder id for this process: its host, its WORKER_ID `number` when it
    has one, its process id and a random part (so a restarted process is a new holder)."""
    worker = "" if number is None else f"w{number}:"
    return f"{socket.gethostname()[:36]}:{worker}{os.getpid()}:{secrets.token_hex(4)}"


class JobRunner:
    """Runs jobs in the background, each round only while this worker holds the job's lease;
    stopping lets every round under way finish (no reminder is left half-recorded), then gives
    the leases up."""

    def __init__(
        self,
        jobs: Sequence[Job],
        leases: Leases,
        clock: Clock,
        holder: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """Prepare to run `jobs` under `leases` as `holder` (a new worker id by default), at
        the clock's time, counting their rounds in `metrics`; nothing runs until `start`."""
        self.jobs = list(jobs)
        self.leases = leases
        self.clock = clock
        self.holder = holder or worker_id()
        self.held: set[str] = set()
        self.metrics = metrics or Metrics()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def round(self, job: Job) -> object:
        """Take or renew the job's lease, then run one round; return the round's result, or
        NotHolder when another worker holds the lease."""
        now = self.clock.now()
        held = await self.leases.take(job.name, self.holder, now, now + job.lease)
        if held and job.name not in self.held:
            self.held.add(job.name)
            event(log, "job_lease_taken", job=job.name)
        elif not held and job.name in self.held:
            self.held.discard(job.name)
            event(log, "job_lease_lost", level=logging.WARNING, job=job.name)
        if not held:
            return NotHolder(job.name)
        return await job.run_once()

    async def start(self) -> None:
        """Start every job: each tries a round now and then again every `every` seconds."""
        self._stop.clear()
        rounds = [functools.partial(self.round, job) for job in self.jobs]
        self._tasks = [
            asyncio.create_task(repeat(run, job.every, self._stop, job.name, self.metrics))
            for job, run in zip(self.jobs, rounds, strict=True)
        ]

    async def stop(self) -> None:
        """Let the rounds under way finish, then give up the leases held, and return."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
        for name in sorted(self.held):
            try:
                await self.leases.release(name, self.holder)
            except Exception as failure:  # the lease then expires by itself
                reason = type(failure).__name__
                event(log, "job_lease_kept", level=logging.WARNING, job=name, reason=reason)
        self.held.clear()
