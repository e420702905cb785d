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
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from bot.service.ports import Applied, Decide, Loaded, OutboxClaim, OutboxRow, R, Writes
from bot.service.sessions import SessionRecord
from bot.storage.grouped import Grouped
from bot.storage.sqlite_writer import BatchWriter, Unit
from bot.storage.statements import (
    AHEAD_OUTBOX,
    CLAIM,
    CLAIM_OUTBOX,
    DUE_OUTBOX,
    INSERT_OUTBOX,
    LOAD_PAGE,
    LOAD_STATE,
    OUTBOX_DONE,
    OUTBOX_PROGRESS,
    OUTBOX_RETRY,
    RECORD_EXIT_MESSAGE,
    SET_ACTIVE,
    TAKE_OUTBOX,
    UPSERT_USER,
    Dialects,
    Step,
    claim_values,
    update_steps,
)
from bot.storage.timestamps import as_utc
from bot.storage.trouble import translated

BUSY_TIMEOUT = 5.0
"""Seconds a write waits for another process's lock before the update is retried later (so a
tap is answered while the database is locked)."""


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
    steps = update_steps(user_id, loaded, writes, now, now[:10], timestamp)
    with contextlib.suppress(StopIteration):
        step = next(steps)
        while True:
            step = steps.send(run(connection, step))


def execute(
    connection: sqlite3.Connection, statement: Dialects, values: Mapping[str, Any]
) -> sqlite3.Cursor:
    """Run one generated statement with named values."""
    return connection.execute(statement.sqlite.sql, statement.sqlite.args(values))


def run(connection: sqlite3.Connection, step: Step) -> int:
    """Run one step (a batched one once per row); return how many rows it changed."""
    statement = step.statement.sqlite
    if step.rows:
        values = step.values
        connection.executemany(
            statement.sql, [statement.args({**values, **row}) for row in step.rows]
        )
        return -1
    return int(execute(connection, step.statement, step.values).rowcount)


class SqliteStore:
    """Applies updates on a SQLite file through one writer thread that commits in batches."""

    shared: bool = False
    """One process owns the file: it delivers its outbox in order by itself."""

    def __init__(self, path: str, checkpoint_every: float = 1.0) -> None:
        """Use the database file at `path` (already migrated)."""
        self.path = path
        self.checkpoint_every = checkpoint_every
        self._writer = BatchWriter(partial(writer_connection, path))
        self._checkpoint_thread = ThreadPoolExecutor(1, thread_name_prefix="beacon-checkpoint")
        self._checkpointer: asyncio.Task[None] | None = None
        self._done: Grouped[int] = Grouped(self._remove_entries)

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
                partial(_fetch, values={"platform": platform, "due": stamp, "limit": limit})
            )
        return [outbox_row(row) for row in rows]

    async def outbox_claim(self, claim: OutboxClaim) -> list[OutboxRow]:
        """Claim entries for one worker (one writer: nothing else claims meanwhile); oldest
        first."""
        async with translated():
            rows = await self.run_unit(
                partial(_fetch, values=claim_values(claim, timestamp), statement=CLAIM_OUTBOX)
            )
        return sorted((outbox_row(row) for row in rows), key=lambda row: row.id or 0)

    async def outbox_ahead(self, user_key: str, entry_id: int) -> list[OutboxRow]:
        """Return one person's entries before `entry_id` that have not failed, oldest first."""
        values = {"user_key": user_key, "id": entry_id}
        async with translated():
            rows = await self.run_unit(partial(_fetch, values=values, statement=AHEAD_OUTBOX))
        return [outbox_row(row) for row in rows]

    async def outbox_take(
        self, entry_id: int, holder: str, now: dt.datetime, until: dt.datetime
    ) -> OutboxRow | None:
        """Claim one entry for `holder` when it is free (one writer: nothing else takes it
        meanwhile); None when another holds it or it is gone."""
        values = {"id": entry_id, "holder": holder, "mine": holder, "now": timestamp(now),
                  "until": timestamp(until)}  # fmt: skip
        async with translated():
            rows = await self.run_unit(partial(_fetch, values=values, statement=TAKE_OUTBOX))
        return outbox_row(rows[0]) if rows else None

    async def outbox_progress(self, entry_id: int, sent: int) -> None:
        """Record how many of an entry's messages went out."""
        await self._outbox(OUTBOX_PROGRESS, {"sent": sent, "id": entry_id})

    async def outbox_done(self, entry_id: int) -> None:
        """Remove an entry (in one unit with those removed meanwhile)."""
        await self._done.add(entry_id)

    async def _remove_entries(self, entry_ids: list[int]) -> None:
        """Remove entries in one unit."""
        statement = OUTBOX_DONE.sqlite
        values = [statement.args({"id": entry_id}) for entry_id in entry_ids]
        async with translated():
            await self.run_unit(partial(_execute_many, sql=statement.sql, values=values))

    async def outbox_retry(self, entry_id: int, attempts: int, next_at: dt.datetime) -> None:
        """Count a failed delivery and leave the entry until `next_at`."""
        values = {"attempts": attempts, "next_at": timestamp(next_at), "id": entry_id}
        await self._outbox(OUTBOX_RETRY, values)

    async def _outbox(self, statement: Dialects, values: dict[str, Any]) -> None:
        """Run one outbox statement on the writer thread."""
        async with translated():
            await self.run_unit(partial(_execute, statement=statement, values=values))

    async def record_exit_messages(self, rows: Sequence[tuple[str, int, dt.datetime]]) -> None:
        """Keep message ids for exit under their chat keys (chat key, message id, sent at), each
        only while its key is a stored user's; one unit for all."""
        statement = RECORD_EXIT_MESSAGE.sqlite
        values = [
            statement.args({"chat_key": key, "message_id": message_id, "sent_at": timestamp(at)})
            for key, message_id, at in rows
        ]
        await self.run_unit(partial(_execute_many, sql=statement.sql, values=values))

    async def load_page(self, key: str) -> SessionRecord | None:
        """Return the page session stored under `key`, or None (read on the writer thread, so
        it sees every committed turn)."""
        async with translated():
            rows = await self.run_unit(partial(_fetch, values={"key": key}, statement=LOAD_PAGE))
        if not rows:
            return None
        keep, history, seen = rows[0]
        return SessionRecord(bool(keep), history, as_utc(seen))

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
    if update_key is not None:
        claimed = execute(connection, CLAIM, {"update_key": update_key, "now": stamp})
        if claimed.rowcount != 1:
            return None
    user_id, locale = execute(
        connection, UPSERT_USER, {"user_key": user_key, "now": stamp}
    ).fetchone()
    row = execute(connection, LOAD_STATE, {"user": user_id}).fetchone()
    state = json.loads(row[0]) if row else None
    loaded = Loaded(user_id, locale, state, row[1] if row else None)
    writes, result = decide(loaded)
    outbox_id = None
    if writes.outbox is not None:
        entry = writes.outbox
        values = {"platform": entry.platform, "payload": entry.payload, "now": stamp,
                  "next_at": timestamp(entry.next_at), "claimed_by": entry.claimed_by,
                  "user_key": entry.user_key}  # fmt: skip
        (outbox_id,) = execute(connection, INSERT_OUTBOX, values).fetchone()
    write(connection, user_id, loaded, writes, stamp)
    return Applied(result, outbox_id)


def outbox_row(row: tuple[Any, ...]) -> OutboxRow:
    """Return an outbox row read with OUTBOX_ENTRY's columns as an OutboxRow."""
    id_, platform, payload, sent, attempts, made, next_at, claimed_by, user_key = row
    return OutboxRow(
        platform, payload, as_utc(next_at), id_, sent, attempts, as_utc(made), claimed_by,
        user_key,
    )  # fmt: skip


def writer_connection(path: str) -> sqlite3.Connection:
    """Open the writer's connection: WAL, no automatic checkpoints, foreign keys on."""
    connection = open_connection(path)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def _set_active(connection: sqlite3.Connection, *, user_key: str, active: bool) -> None:
    """Set a user's active flag."""
    execute(connection, SET_ACTIVE, {"active": active, "user_key": user_key})


def _execute(
    connection: sqlite3.Connection, *, statement: Dialects, values: Mapping[str, Any]
) -> None:
    """Run one statement."""
    execute(connection, statement, values)


def _execute_many(
    connection: sqlite3.Connection, *, sql: str, values: Sequence[tuple[Any, ...]]
) -> None:
    """Run one statement once for each set of values."""
    connection.executemany(sql, values)


def _fetch(
    connection: sqlite3.Connection,
    *,
    values: Mapping[str, Any],
    statement: Dialects = DUE_OUTBOX,
) -> list[tuple[Any, ...]]:
    """Return the outbox entries a statement selects or claims (by default, those due)."""
    return execute(connection, statement, values).fetchall()


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
