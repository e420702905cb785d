"""Retention: delete everything about users inactive for the configured number of days, forget
handled update ids once no redelivery can come, and exit's message ids once past deleting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.ports import Clock
from bot.storage.exit_message_table import DELETE_WINDOW
from bot.storage.timestamps import stored_time

UPDATE_IDS_KEPT = dt.timedelta(days=2)
"""Telegram keeps undelivered updates for 24 hours, so an id older than this cannot return."""


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows a retention run deleted."""

    users: int
    update_ids: int
    exit_messages: int


class RetentionJob:
    """Deletes inactive users, old update ids, and exit message ids past Telegram's 48 hours."""

    # An inactive user's conversation, answers, reminder and exit message ids go with them and
    # their certificate loses its name; aggregate counts stay.

    UNNAME = text(
        "UPDATE certificates SET name = NULL, user_id = NULL WHERE user_id IN "
        "(SELECT id FROM users WHERE last_seen_at < :cutoff)"
    )
    UNLOG = text(
        "DELETE FROM exit_messages WHERE chat_key IN "
        "(SELECT user_key FROM users WHERE last_seen_at < :cutoff)"
    )
    USERS = text("DELETE FROM users WHERE last_seen_at < :cutoff")
    UPDATES = text("DELETE FROM processed_updates WHERE processed_at < :cutoff")
    EXIT_MESSAGES = text("DELETE FROM exit_messages WHERE sent_at <= :cutoff")

    def __init__(self, engine: AsyncEngine, clock: Clock, days: int) -> None:
        """Purge users inactive for `days` days, on the app's database."""
        self.engine = engine
        self.clock = clock
        self.days = days

    def stamp(self, moment: dt.datetime) -> object:
        """Return a time as the database stores it."""
        return stored_time(self.engine, moment)

    async def run_once(self) -> Purged:
        """Delete what is past its time; return the counts."""
        now = self.clock.now()
        users = {"cutoff": self.stamp(now - dt.timedelta(days=self.days))}
        updates = {"cutoff": self.stamp(now - UPDATE_IDS_KEPT)}
        messages = {"cutoff": self.stamp(now - DELETE_WINDOW)}
        async with self.engine.begin() as connection:
            await connection.execute(self.UNNAME, users)
            unlogged = (await connection.execute(self.UNLOG, users)).rowcount
            gone = (await connection.execute(self.USERS, users)).rowcount
            old = (await connection.execute(self.UPDATES, updates)).rowcount
            expired = (await connection.execute(self.EXIT_MESSAGES, messages)).rowcount
        return Purged(int(gone or 0), int(old or 0), int(unlogged or 0) + int(expired or 0))
