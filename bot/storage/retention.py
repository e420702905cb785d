"""Retention: delete everything about users inactive for the configured number of days (their
admin rights too), forget handled update ids once no redelivery can come, exit's message ids
once past deleting, campaign start markers once their day is over, and outbox entries no one
could deliver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import TextClause, text
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
    admin_rights: int = 0
    start_markers: int = 0
    outbox: int = 0

    def __str__(self) -> str:
        """Say what was deleted, for the purge command."""
        return (
            f"purged {self.users} inactive users (and {self.admin_rights} admin rights), "
            f"{self.update_ids} old update ids, {self.exit_messages} old exit message ids, "
            f"{self.start_markers} campaign start markers and {self.outbox} undeliverable "
            "outbox entries"
        )


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
    UNADMIN = text(
        "DELETE FROM org_admins WHERE user_key IN "
        "(SELECT user_key FROM users WHERE last_seen_at < :cutoff)"
    )
    MARKERS = text("DELETE FROM campaign_starts WHERE day < :today")
    OUTBOX = text("DELETE FROM outbox WHERE created_at < :cutoff")
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

            async def delete(statement: TextClause, values: dict[str, object]) -> int:
                """Run one deletion; return how many rows went."""
                return int((await connection.execute(statement, values)).rowcount or 0)

            await connection.execute(self.UNNAME, users)
            unlogged = await delete(self.UNLOG, users)
            unadmin = await delete(self.UNADMIN, users)
            gone = await delete(self.USERS, users)
            old = await delete(self.UPDATES, updates)
            expired = await delete(self.EXIT_MESSAGES, messages)
            markers = await delete(self.MARKERS, {"today": now.date()})
            outbox = await delete(self.OUTBOX, updates)
        return Purged(gone, old, unlogged + expired, unadmin, markers, outbox)
