"""Run Beacon in one process: every configured transport side by side, and the background jobs
beside them, until SIGTERM or SIGINT; then stop in reverse order, letting work finish."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.app import App, jobs
from bot.service.channels import Channel, Channels
from bot.service.jobs import JobRunner, worker_id
from bot.transports.ops import ops_server

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Part(Protocol):
    """Something that runs in the background between `start` and `stop`."""

    async def start(self) -> None:
        """Begin running; return once running."""
        ...

    async def stop(self) -> None:
        """Stop, letting work in flight finish."""
        ...


async def serve(parts: Sequence[Part], stop: asyncio.Event) -> None:
    """Start the parts in order and run until `stop` is set, then stop them in reverse order;
    when one fails to start, those already started are stopped and the failure is raised."""
    async with contextlib.AsyncExitStack() as started:
        for part in parts:
            await part.start()
            started.push_async_callback(part.stop)
        await stop.wait()


async def serve_until_signalled(parts: Sequence[Part], stop: asyncio.Event | None = None) -> None:
    """Serve the parts until SIGTERM or SIGINT (or until `stop` is set, when given)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(parts, stop)
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


class Started:
    """A last part that says everything before it is running."""

    def __init__(self, say: Callable[[], None]) -> None:
        """Call `say` once started."""
        self.say = say

    async def start(self) -> None:
        """Say that Beacon is running."""
        self.say()

    async def stop(self) -> None:
        """Nothing to stop."""


async def run_until_signalled(
    app: App,
    channels: Sequence[Channel],
    stop: asyncio.Event | None = None,
    started: Callable[[], None] | None = None,
) -> None:
    """Start the ops endpoints (when OPS_PORT is set), every channel, then the app's jobs
    (reminders go out through the channel of each learner's platform; each job's rounds run
    only while this worker holds its lease), then call `started`; on SIGTERM or SIGINT stop
    the jobs, then the channels, then the ops endpoints."""
    routed = Channels(channels)
    runner = JobRunner(
        jobs(app, routed), app.leases(), app.service.clock,
        holder=worker_id(app.settings.worker_id), metrics=app.metrics,
    )  # fmt: skip
    parts: list[Part] = [*routed, runner]
    if app.settings.ops_port is not None:
        parts.insert(0, ops_server(app))
    if started is not None:
        parts.append(Started(started))
    await serve_until_signalled(parts, stop)
