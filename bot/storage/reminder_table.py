"""The reminders table for the scheduler: due reminders, and moving one on once it is sent."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.reminders import DueReminder
from bot.storage.tables import Reminder, User, table
from bot.storage.timestamps import as_utc

REMINDERS = table(Reminder)
USERS = table(User)


class SqlReminderTable:
    """The reminders table, on SQLite or PostgreSQL through SQLAlchemy."""

    DUE = (
        select(
            REMINDERS.c.user_id,
            REMINDERS.c.chat,
            REMINDERS.c.plan,
            REMINDERS.c.next_at,
            USERS.c.locale,
            REMINDERS.c.language,
        )
        .join_from(REMINDERS, USERS, USERS.c.id == REMINDERS.c.user_id)
        .where(REMINDERS.c.next_at <= bindparam("now"))
        .order_by(REMINDERS.c.next_at)
        .limit(bindparam("limit"))
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
        """Return up to `limit` reminders due at `now`, earliest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(self.DUE, {"now": self.stamp(now), "limit": limit})
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

    async def sent(self, user_id: int, was: dt.datetime, next_at: dt.datetime | None) -> bool:
        """Move a reminder on from `was` (or drop it); False if it changed meanwhile."""
        values = {"user": user_id, "was": self.stamp(was)}
        async with self.engine.begin() as connection:
            if next_at is None:
                result = await connection.execute(self.DROP, values)
            else:
                result = await connection.execute(
                    self.MOVE, {**values, "next": self.stamp(next_at)}
                )
            return bool(result.rowcount == 1)
