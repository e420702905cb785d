"""The SQLite store: each update is one transaction run whole on one database thread.

SQLite has one writer at a time, so a single thread with a single connection does every write;
an update costs one hop to that thread instead of several per statement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.service.ports import Decide, Loaded, R, StateConflict, Writes
from bot.storage.tables import VIEW_SHARDS

CLAIM = (
    "INSERT INTO processed_updates (update_key, processed_at) VALUES (?, ?) "
    "ON CONFLICT (update_key) DO NOTHING"
)
UPSERT_USER = (
    "INSERT INTO users (user_key, created_at, last_seen_at, active) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (user_key) DO UPDATE SET last_seen_at = excluded.last_seen_at, active = 1 "
    "RETURNING id, locale"
)
LOAD_STATE = "SELECT state, revision FROM conversations WHERE user_id = ?"
INSERT_STATE = (
    "INSERT INTO conversations (user_id, revision, state, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_id) DO NOTHING"
)
UPDATE_STATE = (
    "UPDATE conversations SET revision = ?, state = ?, updated_at = ? "
    "WHERE user_id = ? AND revision = ?"
)
INSERT_ANSWER = (
    "INSERT INTO quiz_answers (user_id, tree, node, option, correct, answered_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
COUNT_VIEW = (
    "INSERT INTO resource_view_counts (resource_id, day, shard, views) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (resource_id, day, shard) DO UPDATE SET views = views + 1"
)


def timestamp(moment: dt.datetime) -> str:
    """Return a UTC time in the text form SQLAlchemy uses for SQLite DATETIME columns."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_path(url: str) -> str:
    """Return the file path of a `sqlite+aiosqlite:///path` URL."""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix):
        raise ValueError("not a sqlite+aiosqlite:/// URL")
    return url[len(prefix) :] or ":memory:"


def write(
    connection: sqlite3.Connection, user_id: int, loaded: Loaded, writes: Writes, now: str
) -> None:
    """Apply an update's writes; raise StateConflict when the revision moved on."""
    if writes.forget:
        connection.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return
    if writes.state is not None:
        state = json.dumps(writes.state, separators=(",", ":"))
        if loaded.revision is None:
            cursor = connection.execute(INSERT_STATE, (user_id, writes.revision, state, now))
        else:
            values = (writes.revision, state, now, user_id, loaded.revision)
            cursor = connection.execute(UPDATE_STATE, values)
        if cursor.rowcount != 1:
            raise StateConflict
    for answer in writes.answers:
        values_a = (user_id, answer.tree, answer.node, answer.option, answer.correct, now)
        connection.execute(INSERT_ANSWER, values_a)
    day = now[:10]
    for resource_id in writes.views:
        connection.execute(COUNT_VIEW, (resource_id, day, user_id % VIEW_SHARDS))
    if writes.locale is not None:
        connection.execute("UPDATE users SET locale = ? WHERE id = ?", (writes.locale, user_id))


class SqliteStore:
    """Applies updates on a SQLite file through one dedicated thread."""

    def __init__(self, path: str) -> None:
        """Use the database file at `path` (already migrated)."""
        self.path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beacon-sqlite")
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        """Return the thread's connection, opening it with WAL and foreign keys on first use."""
        if self._connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._connection = connection
        return self._connection

    async def _run(self, work: Any, *args: Any) -> Any:
        """Run `work(connection, *args)` on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, lambda: work(self._connect(), *args))

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> R | None:
        """In one transaction: claim the update, load, decide, write; return decide's result."""
        result: R | None = await self._run(self._apply, user_key, update_key, now, decide)
        return result

    @staticmethod
    def _apply(
        connection: sqlite3.Connection,
        user_key: str,
        update_key: str | None,
        now: dt.datetime,
        decide: Decide[R],
    ) -> R | None:
        """The whole unit of work, on the database thread."""
        stamp = timestamp(now)
        connection.execute("BEGIN IMMEDIATE")
        try:
            claimed = update_key is None or connection.execute(CLAIM, (update_key, stamp)).rowcount
            if not claimed:
                connection.execute("ROLLBACK")
                return None
            user_id, locale = connection.execute(UPSERT_USER, (user_key, stamp, stamp)).fetchone()
            row = connection.execute(LOAD_STATE, (user_id,)).fetchone()
            state = json.loads(row[0]) if row else None
            loaded = Loaded(user_id, locale, state, row[1] if row else None)
            writes, result = decide(loaded)
            write(connection, user_id, loaded, writes, stamp)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not."""
        await self._run(_set_active, user_key, active)

    async def close(self) -> None:
        """Close the connection and stop the thread."""
        await self._run(_close)
        self._connection = None
        self._thread.shutdown(wait=True)


def _set_active(connection: sqlite3.Connection, user_key: str, active: bool) -> None:
    """Set a user's active flag (autocommit)."""
    connection.execute("UPDATE users SET active = ? WHERE user_key = ?", (active, user_key))


def _close(connection: sqlite3.Connection) -> None:
    """Close the connection."""
    connection.close()
