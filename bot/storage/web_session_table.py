"""The web_sessions table: each web chat session under its keyed hash, with its sealed page
history; ending a session deletes its user as /forget does, and a job ends idle ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.service.ports import Clock
from bot.service.sessions import SessionRecord
from bot.storage.tables import Certificate, ExitMessage, OrgAdmin, User, WebSession, table
from bot.storage.timestamps import as_utc

SESSIONS = table(WebSession)
USERS = table(User)
CERTIFICATES = table(Certificate)
EXIT_MESSAGES = table(ExitMessage)
ORG_ADMINS = table(OrgAdmin)
EXPIRE_BATCH = 500
"""How many idle sessions one round of the expiry job ends at most."""


def _utc(moment: dt.datetime) -> dt.datetime:
    """Return a time in UTC, as the typed columns take it."""
    return moment.astimezone(dt.UTC)


async def _end_users(connection: AsyncConnection, keys: Sequence[str]) -> None:
    """Delete the users and sessions under `keys` as /forget does: certificates lose their
    name, exit ids and admin rights go, and everything else cascades with the user row."""
    if not keys:
        return
    ids = select(USERS.c.id).where(USERS.c.user_key.in_(keys))
    await connection.execute(
        update(CERTIFICATES).values(name=None, user_id=None).where(CERTIFICATES.c.user_id.in_(ids))
    )
    await connection.execute(delete(EXIT_MESSAGES).where(EXIT_MESSAGES.c.chat_key.in_(keys)))
    await connection.execute(delete(ORG_ADMINS).where(ORG_ADMINS.c.user_key.in_(keys)))
    await connection.execute(delete(USERS).where(USERS.c.user_key.in_(keys)))
    await connection.execute(delete(SESSIONS).where(SESSIONS.c.session_key.in_(keys)))


@runtime_checkable
class PageReader(Protocol):
    """Reads a page session on the store's own connection (the hot path, before each turn)."""

    async def load_page(self, key: str) -> SessionRecord | None:
        """Return the page session stored under `key`, or None."""
        ...


class SqlWebSessions:
    """Web sessions on SQLite or PostgreSQL (see `SessionStore`); a turn's session is written
    by the store with the turn (`Writes.page`)."""

    LOAD = select(SESSIONS.c.keep, SESSIONS.c.history, SESSIONS.c.last_seen_at).where(
        SESSIONS.c.session_key == bindparam("key")
    )
    UPDATE = (
        update(SESSIONS)
        .where(SESSIONS.c.session_key == bindparam("key"))
        .values(keep=bindparam("keep"), history=bindparam("history"), last_seen_at=bindparam("now"))
    )
    INSERT = insert(SESSIONS).values(
        session_key=bindparam("key"),
        keep=bindparam("keep"),
        history=bindparam("history"),
        last_seen_at=bindparam("now"),
    )

    USER = select(USERS.c.id).where(USERS.c.user_key == bindparam("key"))

    def __init__(self, engine: AsyncEngine, reader: PageReader | None = None) -> None:
        """Use the app's database, reading sessions through the store's `reader` when given."""
        self.engine = engine
        self.reader = reader

    async def load(self, key: str) -> SessionRecord | None:
        """Return the session stored under `key` with when it was last used, or None."""
        if self.reader is not None:
            return await self.reader.load_page(key)
        async with self.engine.connect() as connection:
            row = (await connection.execute(self.LOAD, {"key": key})).first()
        if row is None:
            return None
        return SessionRecord(bool(row.keep), row.history, as_utc(row.last_seen_at))

    async def save(self, key: str, record: SessionRecord, now: dt.datetime) -> bool:
        """Update the session under `key`, or add it when new, while its user is stored; when
        the user is gone (/forget deleted it), empty the session (not kept, no history), as a
        Telegram chat goes on after /forget with nothing kept, and return False."""
        values = {"key": key, "keep": record.keep, "history": record.history, "now": _utc(now)}
        async with self.engine.begin() as connection:
            user = (await connection.execute(self.USER, {"key": key})).first()
            if user is None:
                values.update(keep=False, history=None)
            changed = (await connection.execute(self.UPDATE, values)).rowcount
            if not changed:
                await connection.execute(self.INSERT, values)
        return user is not None

    async def end(self, key: str) -> bool:
        """Delete the session and its user (as /forget does); False when there was none."""
        async with self.engine.begin() as connection:
            found = (await connection.execute(self.LOAD, {"key": key})).first() is not None
            await _end_users(connection, [key])
        return found

    async def expire(self, idle_before: dt.datetime, kept_before: dt.datetime) -> int:
        """End sessions not kept and idle since `idle_before`, and kept ones idle since
        `kept_before`; return how many ended."""
        idle = or_(
            (SESSIONS.c.keep.is_(False)) & (SESSIONS.c.last_seen_at < _utc(idle_before)),
            (SESSIONS.c.keep.is_(True)) & (SESSIONS.c.last_seen_at < _utc(kept_before)),
        )
        ended = 0
        while True:
            async with self.engine.begin() as connection:
                found = select(SESSIONS.c.session_key).where(idle).limit(EXPIRE_BATCH)
                keys = [str(key) for key in (await connection.execute(found)).scalars()]
                await _end_users(connection, keys)
            ended += len(keys)
            if len(keys) < EXPIRE_BATCH:
                return ended


@dataclass(frozen=True, slots=True)
class WebSessionExpiry:
    """The job that ends idle web sessions: after `minutes` unless kept on the device, after
    `days` (the retention of every user) when kept."""

    sessions: SqlWebSessions
    clock: Clock
    minutes: int
    days: int

    async def run_once(self) -> int:
        """End the sessions idle past their time; return how many."""
        now = self.clock.now()
        return await self.sessions.expire(
            now - dt.timedelta(minutes=self.minutes), now - dt.timedelta(days=self.days)
        )
