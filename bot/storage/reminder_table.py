"""The reminders table for the scheduler: claiming due reminders, and moving one on once it is
sent. A claim moves a reminder's due time to the claim's end in one short transaction, which
PostgreSQL's `FOR UPDATE SKIP LOCKED` (and SQLite's single writer) keeps to one worker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.reminders import DueReminder
from bot.storage.statements import value
from bot.storage.tables import Reminder, User, table
from bot.storage.timestamps import as_utc

REMINDERS = table(Reminder)
USERS = table(User)
NOW = value("now", REMINDERS.c.next_at)
COLUMNS = (
    REMINDERS.c.user_id,
    REMINDERS.c.chat,
    REMINDERS.c.plan,
    REMINDERS.c.next_at,
    USERS.c.locale,
    REMINDERS.c.language,
)


class SqlReminderTable:
    """The reminders table, on SQLite or PostgreSQL through SQLAlchemy."""

    DUE = (
        select(*COLUMNS)
        .join_from(REMINDERS, USERS, USERS.c.id == REMINDERS.c.user_id)
        .where(REMINDERS.c.next_at <= NOW)
        .order_by(REMINDERS.c.next_at)
        .limit(bindparam("limit"))
    )
    CLAIMABLE = (
        select(REMINDERS.c.user_id)
        .where(REMINDERS.c.next_at <= NOW)
        .order_by(REMINDERS.c.next_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    """The earliest due reminders no other transaction holds (SQLite, which takes its one
    write lock at BEGIN, renders no FOR UPDATE and needs none)."""
    CLAIM = (
        update(REMINDERS)
        .values(next_at=value("until", REMINDERS.c.next_at))
        .where(REMINDERS.c.user_id.in_(CLAIMABLE), REMINDERS.c.next_at <= NOW)
        .returning(REMINDERS.c.user_id)
    )
    CLAIMED = (
        select(*COLUMNS)
        .join_from(REMINDERS, USERS, USERS.c.id == REMINDERS.c.user_id)
        .where(
            REMINDERS.c.user_id.in_(bindparam("users", expanding=True)),
            REMINDERS.c.next_at == value("until", REMINDERS.c.next_at),
        )
        .order_by(REMINDERS.c.user_id)
    )
    MOVE = (
        update(REMINDERS)
        .values(next_at=bindparam("next"))
        .where(REMINDERS.c.user_id == bindparam("user"), REMINDERS.c.next_at == bindparam("was"))
    )
    DROP = delete(REMINDERS).where(
        REMINDERS.c.user_id == bindparam("user"), REMINDERS.c.next_at == bindparam("was")
    )

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine."""
        self.engine = engine

    def stamp(self, moment: dt.datetime) -> dt.datetime:
        """Return a time in UTC, as the tables' typed columns take it."""
        return moment.astimezone(dt.UTC)

    async def due(self, now: dt.datetime, limit: int) -> list[DueReminder]:
        """Return up to `limit` reminders due at `now`, earliest first, claiming none."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(self.DUE, {"now": self.stamp(now), "limit": limit})
            return reminders(rows)

    async def claim(self, now: dt.datetime, until: dt.datetime, limit: int) -> list[DueReminder]:
        """Claim up to `limit` reminders due at `now` (earliest first; none that another round
        holds) by moving each to `until`, in one transaction; return them."""
        values = {"now": self.stamp(now), "until": self.stamp(until), "limit": limit}
        async with self.engine.begin() as connection:
            users = [user for (user,) in await connection.execute(self.CLAIM, values)]
            if not users:
                return []
            rows = await connection.execute(self.CLAIMED, {**values, "users": users})
            return reminders(rows)

    async def move(self, user_id: int, was: dt.datetime, next_at: dt.datetime | None) -> bool:
        """Move a reminder on from `was` to `next_at` (or drop it when None); False if it
        changed meanwhile."""
        values = {"user": user_id, "was": self.stamp(was)}
        async with self.engine.begin() as connection:
            if next_at is None:
                result = await connection.execute(self.DROP, values)
            else:
                result = await connection.execute(
                    self.MOVE, {**values, "next": self.stamp(next_at)}
                )
            return bool(result.rowcount == 1)


def reminders(rows: Iterable[Any]) -> list[DueReminder]:
    """Return the due reminders of rows selected with COLUMNS."""
    return [
        DueReminder(
            int(user_id),
            str(chat),
            plan if isinstance(plan, list) else json.loads(plan),
            as_utc(next_at),
            locale,
            language,
        )
        for user_id, chat, plan, next_at, locale, language in rows
    ]
