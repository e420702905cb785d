"""Web sessions as the web channel sees them: a keyed row per session with its sealed page
history, loaded, saved and ended through this port (the storage layer implements it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored web session: kept on its device or not, its sealed page history, and when it
    was last used (as loaded; a save stores its own time)."""

    keep: bool
    history: str | None
    seen: dt.datetime | None = None


class SessionStore(Protocol):
    """Where web sessions live, under the keyed hash of their id (the id is never stored)."""

    async def load(self, key: str) -> SessionRecord | None:
        """Return the session stored under `key`, or None when there is none."""
        ...

    async def save(self, key: str, record: SessionRecord, now: dt.datetime) -> bool:
        """Store the session under `key` (made when new), last used `now`, while its user is
        stored; when the user is gone (/forget), keep the session empty (not kept on its device,
        no history) and return False."""
        ...

    async def end(self, key: str) -> bool:
        """Delete the session and everything about its user; False when there was none."""
        ...
