"""Long polling that confirms an update to Telegram only once Beacon has handled it.

Telegram forgets an update when getUpdates is next called with a higher offset. So a batch is
fetched, every update in it is handled (stored with its replies) and only then is the next
batch asked for past it: a crash at any moment leaves the unhandled updates with Telegram. At
most one batch (`limit` updates) is being handled at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.logs import event
from bot.transports.telegram.api import ApiRetryAfter, UpdateSource

log = logging.getLogger("beacon.telegram")
T = TypeVar("T")
Feed = Callable[[Any], Awaitable[bool]]
BACKOFF_FIRST = 0.25
BACKOFF_CAP = 5.0


class _Stopped(Exception):
    """Polling was told to stop while waiting."""


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T:
    """Return what `work` returns, or cancel it and raise _Stopped when `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise _Stopped


def update_ids(batch: list[Any]) -> list[int]:
    """Return the readable update ids of a batch."""
    ids = (u.get("update_id") if isinstance(u, dict) else None for u in batch)
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


async def poll_updates(
    source: UpdateSource,
    feed: Feed,
    stop: asyncio.Event,
    *,
    limit: int = 100,
    wait: int = 10,
) -> None:
    """Fetch updates until `stop` is set, hand each batch to `feed` and wait until every update
    in it is handled before confirming the batch (by the next fetch's offset)."""
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            batch = await _unless_stopped(source.get_updates(offset, limit, wait), stop)
        except _Stopped:
            break
        except Exception as failure:  # polling must outlive any failure of one request
            failures += 1
            pause = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** (failures - 1))
            if isinstance(failure, ApiRetryAfter):
                pause = failure.seconds
            reason = type(failure).__name__
            event(log, "poll_failed", level=logging.WARNING, reason=reason, attempt=failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            continue
        failures = 0
        if not batch:
            continue
        await asyncio.gather(*(feed(update) for update in batch))
        ids = update_ids(batch)
        if ids:
            offset = max(ids) + 1
        else:
            event(log, "batch_without_ids", level=logging.WARNING, updates=len(batch))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    await _confirm(source, offset)


async def _confirm(source: UpdateSource, offset: int | None) -> None:
    """Tell Telegram the last batch was handled, so a restart does not fetch it again."""
    if offset is None:
        return
    try:
        await source.get_updates(offset, 1, 0)
    except Exception as failure:  # a redelivered update is recognised and changes nothing
        event(log, "confirm_failed", level=logging.WARNING, reason=type(failure).__name__)
