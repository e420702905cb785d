"""The SQLite store: each update is one unit of work on one writer thread.

SQLite has one writer at a time, so a single thread with a single connection does every write
(bot/storage/sqlite_writer.py), committing whatever is queued in one transaction. WAL
checkpoints (the only step that waits for the disk) run on a second thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from bot.orgs.writes import FORGET_ORG_ADMIN, write_sqlite
from bot.service.ports import Applied, Decide, Loaded, OutboxRow, R, StateConflict, Writes
from bot.storage.sqlite_writer import BatchWriter, Unit
from bot.storage.tables import VIEW_SHARDS
from bot.storage.timestamps import as_utc
from bot.storage.trouble import translated

BUSY_TIMEOUT = 5.0
"""Seconds a write waits for another process's lock before the update is retried later (so a
tap is answered while the database is locked)."""

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
COUNT_CAMPAIGN = (
    "INSERT INTO campaign_counts (campaign, metric, day, count) "
    "SELECT name, ?, ?, ? FROM campaigns WHERE name = ? "
    "ON CONFLICT (campaign, metric, day) DO UPDATE SET count = count + excluded.count"
)
"""Add to a registered campaign's metric for the day; an unregistered campaign counts nothing."""
MARK_START = (
    "INSERT INTO campaign_starts (marker, day) VALUES (?, ?) ON CONFLICT (marker) DO NOTHING"
)
"""A person's start of a campaign today, kept as a keyed marker: a second one counts nothing."""
INSERT_OUTBOX = (
    "INSERT INTO outbox (platform, payload, sent, attempts, created_at, next_at) "
    "VALUES (?, ?, 0, 0, ?, ?) RETURNING id"
)
DUE_OUTBOX = (
    "SELECT id, platform, payload, sent, attempts, created_at, next_at FROM outbox "
    "WHERE platform = ? AND (? IS NULL OR next_at <= ?) ORDER BY id LIMIT ?"
)

FORGET_CERTIFICATE_NAMES = "UPDATE certificates SET name = NULL, user_id = NULL WHERE user_id = ?"
FORGET_EXIT_MESSAGES = (
    "DELETE FROM exit_messages WHERE chat_key = (SELECT user_key FROM users WHERE id = ?)"
)
RECORD_EXIT_MESSAGE = (
    "INSERT INTO exit_messages (chat_key, message_id, sent_at) "
    "SELECT user_key, ?, ? FROM users WHERE user_key = ? "
    "ON CONFLICT (chat_key, message_id) DO NOTHING"
)
UPSERT_REMINDER = (
    "INSERT INTO reminders (user_id, chat, plan, next_at, language) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET chat = excluded.chat, plan = excluded.plan, "
    "next_at = excluded.next_at, language = excluded.language"
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
        connection.execute(FORGET_CERTIFICATE_NAMES, (user_id,))
        connection.execute(FORGET_EXIT_MESSAGES, (user_id,))
        connection.execute(FORGET_ORG_ADMIN, (user_id,))
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
    for count in writes.campaign_counts:
        if (
            count.once is not None
            and connection.execute(MARK_START, (count.once, day)).rowcount != 1
        ):
            continue
        connection.execute(COUNT_CAMPAIGN, (count.metric, day, count.amount, count.campaign))
    if writes.locale is not None:
        connection.execute("UPDATE users SET locale = ? WHERE id = ?", (writes.locale, user_id))
    if writes.drop_reminder:
        connection.execute("DELETE FROM reminders WHERE user_id = ?", (user_id,))
    if writes.reminder is not None:
        row = writes.reminder
        values_r = (user_id, row.chat, json.dumps(row.plan), timestamp(row.next_at), row.language)
        connection.execute(UPSERT_REMINDER, values_r)
    write_sqlite(connection, user_id, writes.orgs, now)


class SqliteStore:
    """Applies updates on a SQLite file through one writer thread that commits in batches."""

    def __init__(self, path: str, checkpoint_every: float = 1.0) -> None:
        """Use the database file at `path` (already migrated)."""
        self.path = path
        self.checkpoint_every = checkpoint_every
        self._writer = BatchWriter(partial(writer_connection, path))
        self._checkpoint_thread = ThreadPoolExecutor(1, thread_name_prefix="beacon-checkpoint")
        self._checkpointer: asyncio.Task[None] | None = None

    async def _checkpoint_forever(self) -> None:
        """Copy the WAL into the database every few seconds, off the writer thread."""
        loop = asyncio.get_running_loop()
        connection = await loop.run_in_executor(self._checkpoint_thread, open_connection, self.path)
        try:
            while True:
                await asyncio.sleep(self.checkpoint_every)
                await loop.run_in_executor(self._checkpoint_thread, checkpoint, connection)
        finally:
            await asyncio.shield(loop.run_in_executor(self._checkpoint_thread, connection.close))

    async def run_unit(self, unit: Unit) -> Any:
        """Run `unit(connection)` atomically on the writer thread (inside a transaction)."""
        if self._checkpointer is None:
            self._checkpointer = asyncio.create_task(self._checkpoint_forever())
        return await self._writer.run(unit)

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> Applied[R] | None:
        """In one transaction: claim the update, load, decide, write; return decide's result
        and the id of the update's outbox entry."""
        async with translated():
            result: Applied[R] | None = await self.run_unit(
                partial(
                    apply_unit, user_key=user_key, update_key=update_key, now=now, decide=decide
                )
            )
        return result

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not."""
        async with translated():
            await self.run_unit(partial(_set_active, user_key=user_key, active=active))

    async def outbox_due(
        self, platform: str, now: dt.datetime | None, limit: int
    ) -> list[OutboxRow]:
        """Return up to `limit` entries of a platform due at `now` (all when None), oldest first."""
        stamp = None if now is None else timestamp(now)
        async with translated():
            rows = await self.run_unit(
                partial(_fetch, sql=DUE_OUTBOX, values=(platform, stamp, stamp, limit))
            )
        return [
            OutboxRow(platform_, payload, as_utc(next_at), id_, sent, attempts, as_utc(created))
            for id_, platform_, payload, sent, attempts, created, next_at in rows
        ]

    async def outbox_progress(self, entry_id: int, sent: int) -> None:
        """Record how many of an entry's messages went out."""
        await self._outbox("UPDATE outbox SET sent = ? WHERE id = ?", (sent, entry_id))

    async def outbox_done(self, entry_id: int) -> None:
        """Remove an entry."""
        await self._outbox("DELETE FROM outbox WHERE id = ?", (entry_id,))

    async def outbox_retry(self, entry_id: int, attempts: int, next_at: dt.datetime) -> None:
        """Count a failed delivery and leave the entry until `next_at`."""
        sql = "UPDATE outbox SET attempts = ?, next_at = ? WHERE id = ?"
        await self._outbox(sql, (attempts, timestamp(next_at), entry_id))

    async def _outbox(self, sql: str, values: tuple[object, ...]) -> None:
        """Run one outbox statement on the writer thread."""
        async with translated():
            await self.run_unit(partial(_execute, sql=sql, values=values))

    async def record_exit_message(
        self, chat_key: str, message_id: int, sent_at: dt.datetime
    ) -> None:
        """Keep a message id for exit under a chat key, only while the key is a stored user's."""
        values = (message_id, timestamp(sent_at), chat_key)
        await self.run_unit(partial(_record_exit_message, values=values))

    async def close(self) -> None:
        """Stop checkpointing, finish queued writes, write the WAL back and close."""
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
        await self._writer.stop()
        self._checkpoint_thread.shutdown(wait=True)


def apply_unit(
    connection: sqlite3.Connection,
    *,
    user_key: str,
    update_key: str | None,
    now: dt.datetime,
    decide: Decide[R],
) -> Applied[R] | None:
    """The unit of work for one update (the writer wraps it in a transaction and a savepoint)."""
    stamp = timestamp(now)
    if update_key is not None and connection.execute(CLAIM, (update_key, stamp)).rowcount != 1:
        return None
    user_id, locale = connection.execute(UPSERT_USER, (user_key, stamp, stamp)).fetchone()
    row = connection.execute(LOAD_STATE, (user_id,)).fetchone()
    state = json.loads(row[0]) if row else None
    loaded = Loaded(user_id, locale, state, row[1] if row else None)
    writes, result = decide(loaded)
    outbox_id = None
    if writes.outbox is not None:
        entry = writes.outbox
        values = (entry.platform, entry.payload, stamp, timestamp(entry.next_at))
        (outbox_id,) = connection.execute(INSERT_OUTBOX, values).fetchone()
    write(connection, user_id, loaded, writes, stamp)
    return Applied(result, outbox_id)


def writer_connection(path: str) -> sqlite3.Connection:
    """Open the writer's connection: WAL, no automatic checkpoints, foreign keys on."""
    connection = open_connection(path)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def _set_active(connection: sqlite3.Connection, *, user_key: str, active: bool) -> None:
    """Set a user's active flag."""
    connection.execute("UPDATE users SET active = ? WHERE user_key = ?", (active, user_key))


def _execute(connection: sqlite3.Connection, *, sql: str, values: tuple[object, ...]) -> None:
    """Run one statement."""
    connection.execute(sql, values)


def _fetch(
    connection: sqlite3.Connection, *, sql: str, values: tuple[object, ...]
) -> list[tuple[Any, ...]]:
    """Run one query and return its rows."""
    return connection.execute(sql, values).fetchall()


def _record_exit_message(connection: sqlite3.Connection, *, values: tuple[int, str, str]) -> None:
    """Insert an exit message id (message id, time, chat key) if the key is a stored user's."""
    connection.execute(RECORD_EXIT_MESSAGE, values)


def open_connection(path: str) -> sqlite3.Connection:
    """Open a connection in autocommit mode with WAL, synced at checkpoints only."""
    connection = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA secure_delete=ON")
    return connection


def checkpoint(connection: sqlite3.Connection) -> None:
    """Copy what the WAL holds into the database without blocking the writer."""
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
