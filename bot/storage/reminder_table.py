"""The reminders table for the scheduler: due reminders, and moving one on once it is sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.reminders import DueReminder
from bot.storage.timestamps import as_utc, stored_time


class SqlReminderTable:
    """The reminders table, on SQLite or PostgreSQL through SQLAlchemy."""

    DUE = text(
        "SELECT r.user_id, r.chat, r.plan, r.next_at, u.locale, r.language FROM reminders r "
        "JOIN users u ON u.id = r.user_id WHERE r.next_at <= :now "
        "ORDER BY r.next_at LIMIT :limit"
    )
    MOVE = text("UPDATE reminders SET next_at = :next WHERE user_id = :user AND next_at = :was")
    DROP = text("DELETE FROM reminders WHERE user_id = :user AND next_at = :was")

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine."""
        self.engine = engine

    def stamp(self, moment: dt.datetime) -> Any:
        """Return a time as the database stores it."""
        return stored_time(self.engine, moment)

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
