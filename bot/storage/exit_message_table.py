"""The exit_messages table: the message ids of each private chat that exit may still delete.

Ids are written in groups: those added while a write is under way go together in the next one,
so a burst of replies costs a few writes, not one per message, and each `add` still returns
only once its id is stored (or its write failed, logged).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import event
from bot.service.ports import Clock
from bot.service.user_keys import UserKeyer
from bot.storage.tables import ExitMessage, table
from bot.storage.timestamps import as_utc
from bot.storage.trouble import translated

log = logging.getLogger("beacon.storage")
EXIT_MESSAGES = table(ExitMessage)
DELETE_WINDOW = dt.timedelta(hours=48)
"""Telegram lets a bot delete both sides of a private chat for 48 hours after a message."""
WRITE_LIMIT = 500
"""Ids written at most in one write."""
KeptId = tuple[str, int, dt.datetime]
"""An id to keep: chat key, message id, when it was sent."""


@runtime_checkable
class ExitMessageWriter(Protocol):
    """Writes exit message ids on the store's own connection (the hot path, beside each reply)."""

    async def record_exit_messages(self, rows: Sequence[KeptId]) -> None:
        """Keep message ids under their chat keys, each only while its key is a stored user's."""
        ...


@dataclass(slots=True)
class _Group:
    """Ids that go in one write, and what their adders wait on."""

    rows: list[KeptId] = field(default_factory=list)
    written: asyncio.Event = field(default_factory=asyncio.Event)


class SqlMessageLog:
    """Exit's message ids on SQLite or PostgreSQL, under the chat's keyed hash, never its id."""

    TAKE = (
        delete(EXIT_MESSAGES)
        .where(EXIT_MESSAGES.c.chat_key == bindparam("chat"))
        .returning(EXIT_MESSAGES.c.message_id, EXIT_MESSAGES.c.sent_at)
    )

    def __init__(
        self,
        engine: AsyncEngine,
        keyer: UserKeyer,
        clock: Clock,
        writer: ExitMessageWriter,
        platform: str,
    ) -> None:
        """Read through the app's engine, write through the store; key and time as the service;
        chats are the `platform`'s (its private chats are its users)."""
        self.engine = engine
        self.keyer = keyer
        self.clock = clock
        self.writer = writer
        self.platform = platform
        self._groups: deque[_Group] = deque()
        self._writing: asyncio.Task[None] | None = None

    def chat_key(self, chat_id: int) -> str:
        """Return the keyed hash a chat is stored under (a private chat's is its user's key)."""
        return self.keyer.key(self.platform, str(chat_id))

    async def add(self, chat_id: int, message_id: int) -> None:
        """Remember a message of a chat, sent now, returning once it is stored (in one write
        with the ids added meanwhile); a failure is logged, never raised."""
        # Only a stored user's chat is kept: no group chat, no reply confirming /forget.
        groups = self._groups
        if not groups or len(groups[-1].rows) >= WRITE_LIMIT:
            groups.append(_Group())
        group = groups[-1]
        group.rows.append((self.chat_key(chat_id), message_id, self.clock.now()))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_groups())
        await group.written.wait()

    async def _write_groups(self) -> None:
        """Write the waiting groups one after another, until none is left."""
        try:
            while self._groups:
                group = self._groups.popleft()  # taken: later ids go in a new group
                try:
                    await self.writer.record_exit_messages(group.rows)
                except Exception as failure:  # recording must never stop a reply
                    reason = _name(failure)
                    event(log, "exit_message_not_recorded", level=logging.WARNING, reason=reason)
                finally:
                    group.written.set()
        finally:  # cancelled (shut down): nobody waits for what can no longer be written
            self._writing = None
            while self._groups:
                self._groups.popleft().written.set()

    async def take_recent(self, chat_id: int) -> list[int]:
        """Forget all of a chat's ids, returning those under 48 hours old, oldest id first;
        raises StoreUnavailable when the database cannot do it now (exit is tried again)."""
        cutoff = self.clock.now() - DELETE_WINDOW
        try:
            async with translated(), self.engine.begin() as connection:
                rows = (await connection.execute(self.TAKE, {"chat": self.chat_key(chat_id)})).all()
        except SQLAlchemyError as failure:
            event(log, "exit_messages_unreadable", level=logging.WARNING, reason=_name(failure))
            return []
        return sorted(int(message_id) for message_id, at in rows if as_utc(at) > cutoff)


def _name(failure: Exception) -> str:
    """Return the class of a database error (its text may hold parameters, so never that)."""
    return type(failure).__name__
