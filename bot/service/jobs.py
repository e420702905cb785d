"""Beacon's background jobs, whatever channels run: each is a round of work repeated on an
interval, and `JobRunner` runs them beside the transports until told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.service.metrics import Metrics
from bot.service.periodic import repeat

REMINDERS_EVERY = 30.0
"""How often (seconds) due learning reminders are looked for."""
RETENTION_EVERY = 3600.0
"""How often (seconds) inactive users, old update ids, exit's message ids past deleting,
campaign start markers and undeliverable outbox entries are purged."""
WEB_SESSIONS_EVERY = 60.0
"""How often (seconds) idle web sessions are looked for and ended."""


@dataclass(frozen=True, slots=True)
class Job:
    """A round of background work, its name in the logs, and how often it runs (seconds)."""

    name: str
    every: float
    run_once: Callable[[], Awaitable[object]]


class Round(Protocol):
    """Something that does one round of a job's work."""

    async def run_once(self) -> object:
        """Do the work due now."""
        ...


def beacon_jobs(reminders: Round, retention: Round) -> list[Job]:
    """Return Beacon's jobs: send due reminders every 30 s; purge what is past its time (the
    exit-message purge among it) every hour."""
    return [
        Job("reminders", REMINDERS_EVERY, reminders.run_once),
        Job("retention", RETENTION_EVERY, retention.run_once),
    ]


class JobRunner:
    """Runs jobs in the background; stopping lets every round under way finish (no reminder is
    left half-recorded)."""

    def __init__(self, jobs: Sequence[Job], metrics: Metrics | None = None) -> None:
        """Prepare to run `jobs`, counting their rounds in `metrics`; nothing runs until
        `start`."""
        self.jobs = list(jobs)
        self.metrics = metrics or Metrics()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start every job: each runs a round now and then again every `every` seconds."""
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(repeat(job.run_once, job.every, self._stop, job.name, self.metrics))
            for job in self.jobs
        ]

    async def stop(self) -> None:
        """Let the rounds under way finish, then return."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
