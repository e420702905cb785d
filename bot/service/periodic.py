"""Run a job again and again on an interval until told to stop; a failed round is logged, and
every round is counted with its result and duration."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.logs import event
from bot.service.metrics import Metrics
from bot.service.ports import StoreUnavailable

log = logging.getLogger("beacon.jobs")


@dataclass(frozen=True, slots=True)
class NotHolder:
    """The result of a round not run here: another worker holds the job's lease."""

    job: str


async def repeat(
    job: Callable[[], Awaitable[object]],
    every: float,
    stop: asyncio.Event,
    name: str,
    metrics: Metrics | None = None,
) -> None:
    """Run `job` now and then every `every` seconds until `stop` is set; count each round in
    `metrics` as ok, failed or skipped (another worker holds the lease), and a database failure
    that may pass among the database errors."""
    metrics = metrics or Metrics()
    while not stop.is_set():
        began = metrics.timer()
        result = "ok"
        try:
            if isinstance(await job(), NotHolder):
                result = "skipped"
        except Exception as failure:
            result = "failed"
            if isinstance(failure, StoreUnavailable):
                metrics.database_error(failure)
            reason = type(failure).__name__
            event(log, "job_failed", level=logging.ERROR, job=name, reason=reason)
        metrics.job_ran(name, result, metrics.timer() - began)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            continue
