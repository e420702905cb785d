"""Run work for one key strictly in arrival order, and different keys concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class PerKeyOrder:
    """Serialises coroutines that share a key; the order is the order of `run` calls."""

    def __init__(self) -> None:
        """Start with no keys busy."""
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """Wait for earlier work on `key` to finish, then run `work`."""
        previous = self._tails.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = done
        try:
            if previous is not None:
                await asyncio.shield(previous)
            return await work()
        finally:
            done.set_result(None)
            if self._tails.get(key) is done:
                del self._tails[key]

    def busy_keys(self) -> int:
        """Return how many keys have work queued or running."""
        return len(self._tails)
