"""Retention: delete everything about users inactive for the configured number of days (their
admin rights too), forget handled update ids once no redelivery can come, exit's message ids
once past deleting, campaign start markers once their day is over, and outbox entries no one
could deliver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Executable, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.ports import Clock
from bot.storage.exit_message_table import DELETE_WINDOW
from bot.storage.tables import (
    CampaignStart,
    Certificate,
    ExitMessage,
    OrgAdmin,
    OutboxEntry,
    ProcessedUpdate,
    User,
    table,
)

USER_TABLE = table(User)
CERTIFICATES = table(Certificate)
EXIT_TABLE = table(ExitMessage)
ORG_ADMINS = table(OrgAdmin)
STARTS = table(CampaignStart)
OUTBOX_ENTRIES = table(OutboxEntry)
PROCESSED = table(ProcessedUpdate)
INACTIVE = USER_TABLE.c.last_seen_at < bindparam("cutoff")
"""Users not seen since the cutoff."""
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

    UNNAME = (
        update(CERTIFICATES)
        .values(name=None, user_id=None)
        .where(CERTIFICATES.c.user_id.in_(select(USER_TABLE.c.id).where(INACTIVE)))
    )
    UNLOG = delete(EXIT_TABLE).where(
        EXIT_TABLE.c.chat_key.in_(select(USER_TABLE.c.user_key).where(INACTIVE))
    )
    UNADMIN = delete(ORG_ADMINS).where(
        ORG_ADMINS.c.user_key.in_(select(USER_TABLE.c.user_key).where(INACTIVE))
    )
    MARKERS = delete(STARTS).where(STARTS.c.day < bindparam("today"))
    OUTBOX = delete(OUTBOX_ENTRIES).where(OUTBOX_ENTRIES.c.created_at < bindparam("cutoff"))
    USERS = delete(USER_TABLE).where(INACTIVE)
    UPDATES = delete(PROCESSED).where(PROCESSED.c.processed_at < bindparam("cutoff"))
    EXIT_MESSAGES = delete(EXIT_TABLE).where(EXIT_TABLE.c.sent_at <= bindparam("cutoff"))

    def __init__(self, engine: AsyncEngine, clock: Clock, days: int) -> None:
        """Purge users inactive for `days` days, on the app's database."""
        self.engine = engine
        self.clock = clock
        self.days = days

    def stamp(self, moment: dt.datetime) -> dt.datetime:
        """Return a time in UTC, as the tables' typed columns take it."""
        return moment.astimezone(dt.UTC)

    async def run_once(self) -> Purged:
        """Delete what is past its time; return the counts."""
        now = self.clock.now()
        users = {"cutoff": self.stamp(now - dt.timedelta(days=self.days))}
        updates = {"cutoff": self.stamp(now - UPDATE_IDS_KEPT)}
        messages = {"cutoff": self.stamp(now - DELETE_WINDOW)}
        async with self.engine.begin() as connection:

            async def purge(statement: Executable, values: Mapping[str, object]) -> int:
                """Run one deletion; return how many rows went."""
                return int((await connection.execute(statement, values)).rowcount or 0)

            await connection.execute(self.UNNAME, users)
            unlogged = await purge(self.UNLOG, users)
            unadmin = await purge(self.UNADMIN, users)
            gone = await purge(self.USERS, users)
            old = await purge(self.UPDATES, updates)
            expired = await purge(self.EXIT_MESSAGES, messages)
            markers = await purge(self.MARKERS, {"today": now.date()})
            outbox = await purge(self.OUTBOX, updates)
        return Purged(gone, old, unlogged + expired, unadmin, markers, outbox)
