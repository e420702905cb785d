"""The queue of updates waiting for the bot, with long-poll waiting and delivery tracking."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Iterable

from bot.testing.fake_telegram.models import JsonObject

# Telegram leaves these out unless allowed_updates names them.
OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_kind(update: JsonObject) -> str:
    """Return the kind of an update: the name of its one field besides update_id."""
    return next((key for key in update if key != "update_id"), "")


def update_chat(update: JsonObject) -> int | None:
    """Return the id of the chat an update concerns, if it concerns one."""
    body = update.get(update_kind(update))
    if not isinstance(body, dict):
        return None
    for holder in (body, body.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            return int(holder["chat"]["id"])
    for key in ("from", "user"):
        person = body.get(key)
        if isinstance(person, dict) and isinstance(person.get("id"), int):
            return int(person["id"])
    return None


class UpdateQueue:
    """Updates in id order; the bot confirms them with an offset, as with getUpdates."""

    def __init__(self) -> None:
        """Start empty; the first update gets id 1."""
        self._pending: deque[JsonObject] = deque()
        self._next_id = 1
        self._arrived = asyncio.Event()
        self._closed = False
        self._delivered: dict[int, float] = {}
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self.allowed: frozenset[str] | None = None
        self.update_times: dict[int, float] = {}
        self.update_chats: dict[int, int | None] = {}

    def put(self, update: JsonObject) -> int:
        """Give an update the next id, queue it and wake anyone waiting; return its id."""
        update_id = self._next_id
        self._next_id += 1
        update["update_id"] = update_id
        self.update_times[update_id] = time.monotonic()
        self.update_chats[update_id] = update_chat(update)
        self._pending.append(update)
        self._wake()
        return update_id

    def _wake(self) -> None:
        """Release everyone waiting for an update."""
        self._arrived.set()
        self._arrived = asyncio.Event()

    def set_allowed(self, kinds: Iterable[str] | None) -> None:
        """Limit the kinds of updates handed over (None or empty: Telegram's default)."""
        chosen = frozenset(kinds or ())
        self.allowed = chosen or None

    def _is_allowed(self, update: JsonObject) -> bool:
        """Return whether the current allowed_updates let this update through."""
        kind = update_kind(update)
        if self.allowed is None:
            return kind not in OPT_IN_KINDS
        return kind in self.allowed

    def confirm(self, offset: int) -> None:
        """Forget updates below offset (or all but the last -offset ones if negative)."""
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    def peek(self, limit: int) -> list[JsonObject]:
        """Return up to limit pending updates, forgetting ones the allowed kinds exclude."""
        if any(not self._is_allowed(update) for update in self._pending):
            self._pending = deque(u for u in self._pending if self._is_allowed(u))
        return [self._pending[index] for index in range(min(limit, len(self._pending)))]

    def remove(self, update_id: int) -> None:
        """Forget one pending update (delivered or given up on)."""
        if self._pending and self._pending[0]["update_id"] == update_id:
            self._pending.popleft()
            return
        self._pending = deque(u for u in self._pending if u["update_id"] != update_id)

    def drop_all(self) -> None:
        """Forget every pending update, as drop_pending_updates does."""
        self._pending.clear()

    @property
    def pending_count(self) -> int:
        """Return how many updates are waiting."""
        return len(self._pending)

    async def wait(self, within: float | None) -> None:
        """Return once an update is pending, the queue closes, or within seconds pass."""
        if self._pending or self._closed:
            return
        arrived = self._arrived
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), within)

    async def arrival(self) -> None:
        """Return once the next update is put (or the queue closes)."""
        if not self._closed:
            await self._arrived.wait()

    def close(self) -> None:
        """Stop all waiting, as when the server shuts down."""
        self._closed = True
        self._wake()

    @property
    def closed(self) -> bool:
        """Return whether the queue was closed."""
        return self._closed

    def mark_delivered(self, update_id: int, at: float) -> None:
        """Record when an update was first handed to the bot and release its waiters."""
        if update_id in self._delivered:
            return
        self._delivered[update_id] = at
        for waiter in self._waiters.pop(update_id, []):
            if not waiter.done():
                waiter.set_result(None)

    def delivered_at(self, update_id: int) -> float | None:
        """Return when an update was first handed over, if it was."""
        return self._delivered.get(update_id)

    async def wait_delivered(self, update_id: int, within: float) -> None:
        """Return once an update is handed over; raise TimeoutError after within seconds."""
        if update_id in self._delivered:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(update_id, []).append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), within)
        except TimeoutError:
            raise TimeoutError(f"update {update_id} not delivered within {within} s") from None
        finally:
            waiters = self._waiters.get(update_id, [])
            if waiter in waiters:
                waiters.remove(waiter)
