"""Run a job again and again on an interval until told to stop; a failed round is logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.logs import event

log = logging.getLogger("beacon.jobs")


async def repeat(
    job: Callable[[], Awaitable[object]], every: float, stop: asyncio.Event, name: str
) -> None:
    """Run `job` now and then every `every` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            await job()
        except Exception as failure:
            reason = type(failure).__name__
            event(log, "job_failed", level=logging.ERROR, job=name, reason=reason)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            continue
