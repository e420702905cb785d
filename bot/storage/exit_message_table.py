"""The exit_messages table: the message ids of each private chat that exit may still delete.

Ids are written in groups: those added while a write is under way go together in the next one,
so a burst of replies costs a few writes, not one per message, and each `add` still returns
only once its id is stored (or its write failed, logged).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import event
from bot.service.ports import Clock
from bot.service.user_keys import UserKeyer
from bot.storage.grouped import Grouped
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
        self._grouped: Grouped[KeptId] = Grouped(self._write, WRITE_LIMIT)

    def chat_key(self, chat_id: int) -> str:
        """Return the keyed hash a chat is stored under (a private chat's is its user's key)."""
        return self.keyer.key(self.platform, str(chat_id))

    async def add(self, chat_id: int, message_id: int) -> None:
        """Remember a message of a chat, sent now, returning once it is stored (in one write
        with the ids added meanwhile); a failure is logged, never raised."""
        # Only a stored user's chat is kept: no group chat, no reply confirming /forget.
        await self._grouped.add((self.chat_key(chat_id), message_id, self.clock.now()))

    async def _write(self, rows: list[KeptId]) -> None:
        """Write a group of ids; a failure is logged, never raised."""
        try:
            await self.writer.record_exit_messages(rows)
        except Exception as failure:  # recording must never stop a reply from being delivered
            event(log, "exit_message_not_recorded", level=logging.WARNING, reason=_name(failure))

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
