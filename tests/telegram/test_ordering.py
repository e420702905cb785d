"""Per-user ordering: one user's work runs in call order, one at a time; users overlap."""

from __future__ import annotations

import asyncio
from functools import partial

from bot.transports.telegram.ordering import PerKeyOrder


async def test_same_key_runs_in_order_and_never_overlaps() -> None:
    """Work for one key runs strictly in the order it was submitted."""
    order = PerKeyOrder()
    log: list[tuple[str, int]] = []
    running = {"a": 0}

    async def work(i: int) -> int:
        running["a"] += 1
        assert running["a"] == 1
        await asyncio.sleep(0.001 * (5 - i % 5))
        log.append(("a", i))
        running["a"] -= 1
        return i

    results = await asyncio.gather(*(order.run("a", partial(work, i)) for i in range(20)))
    assert results == list(range(20))
    assert [i for _, i in log] == list(range(20))
    assert order.busy_keys() == 0


async def test_different_keys_run_concurrently() -> None:
    """Two users' work overlaps: the slow one does not hold up the other."""
    order = PerKeyOrder()
    finished: list[str] = []
    gate = asyncio.Event()

    async def slow() -> None:
        await gate.wait()
        finished.append("slow")

    async def fast() -> None:
        finished.append("fast")
        gate.set()

    await asyncio.gather(order.run("u1", slow), order.run("u2", fast))
    assert finished == ["fast", "slow"]


async def test_a_failure_does_not_block_the_next() -> None:
    """When one piece of work raises, the next for the same key still runs."""
    order = PerKeyOrder()

    async def boom() -> None:
        raise RuntimeError("x")

    async def fine() -> str:
        return "ok"

    first = asyncio.ensure_future(order.run("k", boom))
    second = asyncio.ensure_future(order.run("k", fine))
    assert isinstance((await asyncio.gather(first, return_exceptions=True))[0], RuntimeError)
    assert await second == "ok"
