"""Keeping a timed test's own process steady, and measuring how steady it was: the heap that
earlier tests left alive is frozen out of the garbage collector's way while the test measures
(as a worker does at start-up, `bot.cli.settle_heap`), and a watch records how late the event
loop ran. A full collection over a whole suite's heap stalled the test process for 0.5-0.8 s
under libfaketime (docs/testing.md); a fake Bot API server in that process then took the calls
that waited behind it all at once, and counted them as a burst."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Iterator


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect once, then keep every object alive now out of later collections until the block
    ends, so those collections look only at what the block makes."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class LateLoop:
    """Measures how late this event loop runs: wakes every TICK seconds and keeps the longest
    delay past the time it asked for."""

    TICK = 0.01

    def __init__(self) -> None:
        """Not measuring yet."""
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        """Sleep a tick at a time, keeping the longest overshoot."""
        while True:
            asked = time.monotonic() + self.TICK
            await asyncio.sleep(self.TICK)
            self.longest = max(self.longest, time.monotonic() - asked)

    def __enter__(self) -> LateLoop:
        """Start measuring (in the running loop)."""
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        """Stop measuring."""
        if self._task is not None:
            self._task.cancel()
