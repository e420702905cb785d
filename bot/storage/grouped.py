"""Group commit for small writes made once per reply: the items given while a write is under
way go together in the next one, so a burst costs a few writes instead of one per item, and a
quiet moment costs no wait at all (the first item is written at once)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
GROUP_LIMIT = 500
"""Items written at most in one write."""


@dataclass(slots=True)
class _Group(Generic[T]):
    """Items that go in one write, and the outcome their callers wait on."""

    done: asyncio.Future[None]
    items: list[T] = field(default_factory=list)


class Grouped(Generic[T]):
    """Writes items through `write(items)` in groups; `add` returns once the write holding its
    item is done, raising what that write raised."""

    def __init__(
        self, write: Callable[[list[T]], Awaitable[None]], limit: int = GROUP_LIMIT
    ) -> None:
        """Write groups of at most `limit` items with `write`."""
        self.write = write
        self.limit = limit
        self._waiting: deque[_Group[T]] = deque()
        self._writing: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        """Write `item` with the others given meanwhile; return when it is written."""
        waiting = self._waiting
        if not waiting or len(waiting[-1].items) >= self.limit:
            waiting.append(_Group(asyncio.get_running_loop().create_future()))
        group = waiting[-1]
        group.items.append(item)
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all())
        await asyncio.shield(group.done)  # one caller cancelled never cancels the others' write

    async def _write_all(self) -> None:
        """Write the waiting groups one after another, until none is left."""
        try:
            while self._waiting:
                group = self._waiting.popleft()  # taken: later items go in a new group
                try:
                    await self.write(group.items)
                except asyncio.CancelledError:
                    group.done.cancel()
                    raise
                except Exception as failure:
                    group.done.set_exception(failure)
                    group.done.exception()  # its callers may all be gone: never "unretrieved"
                else:
                    group.done.set_result(None)
        finally:  # cancelled (shut down): what can no longer be written fails its callers
            self._writing = None
            while self._waiting:
                self._waiting.popleft().done.cancel()
