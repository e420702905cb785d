"""The steady-process helpers of timed tests (bot/testing/steady.py)."""

from __future__ import annotations

import asyncio
import gc
import time

from bot.testing.steady import LateLoop, frozen_heap


def test_a_frozen_heap_keeps_what_lived_before_out_of_collections_until_the_block_ends() -> None:
    """Objects alive at the start are frozen during the block (and collections skip them), and
    given back to the collector after it, also when the block fails."""
    before = gc.get_freeze_count()
    kept = [[n] for n in range(1000)]
    try:
        with frozen_heap():
            assert gc.get_freeze_count() >= before + len(kept)
            raise RuntimeError("the block fails")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0


def block_the_loop(seconds: float) -> None:
    """Hold the running event loop (and everything else in this thread) for `seconds`, as a
    long collection does."""
    time.sleep(seconds)


async def test_late_loop_measures_a_stall_of_the_event_loop() -> None:
    """A loop blocked for 0.2 s is measured at least that late, and the watch stops with the
    block."""
    with LateLoop() as late:
        await asyncio.sleep(0.05)
        block_the_loop(0.2)
        await asyncio.sleep(0.05)
    assert late.longest >= 0.15
    measured = late.longest
    block_the_loop(0.3)
    await asyncio.sleep(0.05)
    assert late.longest == measured
