"""Group commit for per-reply writes: the first item goes at once, the items given while it is
being written go together next, and a write's failure reaches every caller of its group."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.grouped import Grouped


class Recorder:
    """A write that records each group and waits until released."""

    def __init__(self) -> None:
        """Start with no groups written and the gate open."""
        self.groups: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def write(self, items: list[int]) -> None:
        """Record a group, wait for the gate, then fail if told to."""
        self.groups.append(list(items))
        await self.gate.wait()
        if self.fail:
            raise OSError("disk trouble")


async def test_items_given_during_a_write_go_together_in_the_next() -> None:
    """One item alone is written at once; the nine given while it is written share one write."""
    recorder = Recorder()
    recorder.gate.clear()
    grouped: Grouped[int] = Grouped(recorder.write)
    first = asyncio.create_task(grouped.add(0))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert recorder.groups == [[0]]
    rest = [asyncio.create_task(grouped.add(n)) for n in range(1, 10)]
    await asyncio.sleep(0)
    assert not first.done()
    recorder.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *rest), 5)
    assert recorder.groups == [[0], list(range(1, 10))]


async def test_a_group_is_never_larger_than_its_limit() -> None:
    """Seven items with a limit of three go as three, three and one."""
    recorder = Recorder()
    grouped: Grouped[int] = Grouped(recorder.write, limit=3)
    await asyncio.wait_for(asyncio.gather(*(grouped.add(n) for n in range(7))), 5)
    assert sorted(len(group) for group in recorder.groups) == [1, 3, 3]
    assert sorted(n for group in recorder.groups for n in group) == list(range(7))


async def test_a_failed_write_raises_in_every_caller_of_its_group() -> None:
    """Each caller whose item was in the failing write gets its error; the next write works."""
    recorder = Recorder()
    recorder.fail = True
    grouped: Grouped[int] = Grouped(recorder.write)
    results = await asyncio.gather(*(grouped.add(n) for n in range(4)), return_exceptions=True)
    assert all(isinstance(result, OSError) for result in results)
    recorder.fail = False
    await asyncio.wait_for(grouped.add(99), 5)
    assert recorder.groups[-1] == [99]


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    """Cancelling one caller leaves the write, and the other callers, to finish."""
    recorder = Recorder()
    recorder.gate.clear()
    grouped: Grouped[int] = Grouped(recorder.write)
    leaving = asyncio.create_task(grouped.add(1))
    staying = asyncio.create_task(grouped.add(2))
    await asyncio.sleep(0)
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    recorder.gate.set()
    await asyncio.wait_for(staying, 5)
    assert recorder.groups == [[1, 2]]
