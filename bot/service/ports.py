"""Ports the service needs: a transactional store and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user as the store knows them: an internal id and their language choice."""

    id: int
    locale: str | None


class StoreSession(Protocol):
    """One transaction: everything in it commits together or not at all."""

    async def claim_update(self, update_key: str, now: dt.datetime) -> bool:
        """Mark an update as handled; False when it already was."""
        ...

    async def user(self, user_key: str, now: dt.datetime) -> StoredUser:
        """Return the user with this key, created if new; note that they were seen now."""
        ...

    async def load_state(self, user_id: int) -> tuple[dict[str, Any] | None, int | None]:
        """Return the stored conversation state and its revision, or (None, None)."""
        ...

    async def save_state(
        self,
        user_id: int,
        state: dict[str, Any],
        revision: int,
        expected: int | None,
        now: dt.datetime,
    ) -> bool:
        """Store the state if the stored revision is still `expected`; False on a conflict."""
        ...

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Store the user's language choice."""
        ...

    async def save_answer(
        self, user_id: int, tree: str, node: str, option: int, correct: bool, now: dt.datetime
    ) -> None:
        """Record a quiz answer."""
        ...

    async def count_views(self, resource_ids: Sequence[str], day: dt.date) -> None:
        """Add one anonymous view per resource for the day."""
        ...

    async def forget(self, user_id: int) -> None:
        """Delete the user and every row about them."""
        ...


class ConversationStore(Protocol):
    """Opens transactions."""

    def transaction(self) -> AbstractAsyncContextManager[StoreSession]:
        """Begin a transaction that commits on success and rolls back on any exception."""
        ...


class Clock(Protocol):
    """Tells the time."""

    def now(self) -> dt.datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(dt.UTC)
