"""The PostgreSQL store: each update is one transaction of a few round trips on asyncpg.

Claiming the update, upserting the user and loading the state are one statement; the state and
the outbox entry are written in a second, which also says whether the entry is its person's
first (then delivery need not look for earlier ones); other writes follow in the same
transaction. Writers for different users run concurrently.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg

from bot.service.ports import (
    Applied,
    Decide,
    Loaded,
    OutboxClaim,
    OutboxRow,
    R,
    StateConflict,
    Writes,
)
from bot.service.sessions import SessionRecord
from bot.storage.grouped import Grouped
from bot.storage.statements import (
    AHEAD_OUTBOX,
    CLAIM_OUTBOX,
    DUE_OUTBOX,
    INSERT_OUTBOX,
    LOAD,
    LOAD_PAGE,
    OUTBOX_DONE,
    OUTBOX_PROGRESS,
    OUTBOX_RETRY,
    RECORD_EXIT_MESSAGE,
    SET_ACTIVE,
    TAKE_OUTBOX,
    Dialects,
    Step,
    claim_values,
    outbox_values,
    state_with_outbox,
    update_steps,
)
from bot.storage.trouble import translated

MARKS = {"synchronous_commit": "off"}
"""Delivery marks commit without waiting for the disk: a server crash may repeat a message
(never lose one), and marking costs one round trip."""


async def keep_session(connection: asyncpg.Connection) -> None:
    """Return a connection to its pool as it is, saving asyncpg's reset round trip (RESET ALL,
    UNLISTEN, CLOSE ALL, advisory unlock). asyncpg still rolls back an open transaction first.

    Safe because nothing on the store's pools leaves session state: every statement runs in a
    transaction or alone, with no SET, LISTEN, cursor kept open or session advisory lock (take
    transaction-scoped ones, pg_advisory_xact_lock, on these pools)."""


class _Duplicate(Exception):
    """The update was already handled: roll back and report None."""


def sql(statement: Dialects, values: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return a generated statement's PostgreSQL text followed by its values in order."""
    return (statement.postgres.sql, *statement.postgres.args(values))


def asyncpg_dsn(url: str) -> str:
    """Return a `postgresql+asyncpg://` URL as a plain `postgresql://` DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def write(
    connection: asyncpg.Connection,
    user_id: int,
    loaded: Loaded,
    writes: Writes,
    now: dt.datetime,
    *,
    state_written: bool = False,
) -> None:
    """Apply an update's writes (but the state when `state_written`); raise StateConflict when
    the revision moved on."""
    steps = update_steps(
        user_id, loaded, writes, now, now.date(), identity, state_written=state_written
    )
    try:
        step = next(steps)
        while True:
            step = steps.send(await run(connection, step))
    except StopIteration:
        return


async def run(connection: asyncpg.Connection, step: Step) -> int:
    """Run one step (a batched one in one round trip, its rows as arrays); return how many rows
    it changed."""
    statement = step.statement.postgres
    values = step.values
    if step.rows:
        values = {**values, **{name: [row[name] for row in step.rows] for name in step.rows[0]}}
    status = await connection.execute(statement.sql, *statement.args(values))
    return int(status.rsplit(" ", 1)[-1])


def outbox_row(r: Mapping[str, Any]) -> OutboxRow:
    """Return an outbox record as an OutboxRow."""
    return OutboxRow(
        r["platform"], r["payload"], r["next_at"], r["id"], r["sent"], r["attempts"],
        r["created_at"], r["claimed_by"], r["user_key"],
    )  # fmt: skip


def identity(moment: dt.datetime) -> dt.datetime:
    """Return a time as asyncpg takes it (as it is)."""
    return moment


class PostgresStore:
    """Applies updates on PostgreSQL through an asyncpg connection pool."""

    shared: bool = True
    """Many workers may share the database and its outbox."""

    def __init__(self, pool: asyncpg.Pool, marks: asyncpg.Pool | None = None) -> None:
        """Use a pool whose database is already migrated, and one for delivery marks."""
        self.pool = pool
        self.marks = marks or pool
        self._done: Grouped[int] = Grouped(self._remove_entries)

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        max_size: int = 20,
        server_settings: dict[str, str] | None = None,
        init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    ) -> PostgresStore:
        """Open pools to the database at `url` (server settings such as search_path apply);
        `init` runs on each new connection of both pools (a test counts statements with it)."""
        settings = server_settings or {}
        async with translated():
            pool = await asyncpg.create_pool(
                asyncpg_dsn(url),
                min_size=1,
                max_size=max_size,
                server_settings=settings,
                reset=keep_session,
                init=init,
            )
            marks = await asyncpg.create_pool(
                asyncpg_dsn(url), min_size=1, max_size=4, server_settings={**settings, **MARKS},
                reset=keep_session, init=init,
            )  # fmt: skip
        return cls(pool, marks)

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> Applied[R] | None:
        """In one transaction: claim the update, load, decide, write; return decide's result,
        the id of the update's outbox entry and whether it is its person's first."""
        try:
            async with translated(), self.pool.acquire() as connection, connection.transaction():
                return await self._apply(connection, user_key, update_key, now, decide)
        except _Duplicate:
            return None

    @staticmethod
    async def _apply(
        connection: Any,
        user_key: str,
        update_key: str | None,
        now: dt.datetime,
        decide: Decide[R],
    ) -> Applied[R]:
        """The unit of work inside an open transaction."""
        values = {"update_key": update_key, "now": now, "user_key": user_key}
        load = LOAD.postgres
        row = await connection.fetchrow(load.sql, *load.args(values))
        if update_key is not None and row["claimed"] == 0:
            raise _Duplicate
        state = json.loads(row["state"]) if row["state"] is not None else None
        loaded = Loaded(row["id"], row["locale"], state, row["revision"], row["state"])
        writes, result = decide(loaded)
        outbox_id, first = None, False
        together = state_with_outbox(row["id"], loaded, writes, now)
        if together is not None:
            statement, values = together
            saved = await connection.fetchrow(statement.sql, *statement.args(values))
            if saved["changed"] != 1:
                raise StateConflict
            outbox_id, first = saved["id"], saved["first"]
        elif writes.outbox is not None:
            values = outbox_values(writes.outbox, now)
            outbox_id = await connection.fetchval(*sql(INSERT_OUTBOX, values))
        await write(connection, row["id"], loaded, writes, now, state_written=together is not None)
        return Applied(result, outbox_id, first)

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not."""
        async with translated():
            await self.pool.execute(*sql(SET_ACTIVE, {"active": active, "user_key": user_key}))

    async def outbox_due(
        self, platform: str, now: dt.datetime | None, limit: int
    ) -> list[OutboxRow]:
        """Return up to `limit` entries of a platform due at `now` (all when None), oldest first."""
        async with translated():
            values = {"platform": platform, "due": now, "limit": limit}
            rows = await self.pool.fetch(*sql(DUE_OUTBOX, values))
        return [outbox_row(r) for r in rows]

    async def outbox_claim(self, claim: OutboxClaim) -> list[OutboxRow]:
        """Claim entries for one worker (skipping those another is claiming); oldest first."""
        async with translated():
            rows = await self.pool.fetch(*sql(CLAIM_OUTBOX, claim_values(claim)))
        return sorted((outbox_row(r) for r in rows), key=lambda row: row.id or 0)

    async def outbox_ahead(self, user_key: str, entry_id: int) -> list[OutboxRow]:
        """Return one person's entries before `entry_id` that have not failed, oldest first."""
        async with translated():
            values = {"user_key": user_key, "id": entry_id}
            rows = await self.marks.fetch(*sql(AHEAD_OUTBOX, values))
        return [outbox_row(r) for r in rows]

    async def outbox_take(
        self, entry_id: int, holder: str, now: dt.datetime, until: dt.datetime
    ) -> OutboxRow | None:
        """Claim one entry for `holder` when it is free; None when another holds it."""
        values = {"id": entry_id, "holder": holder, "mine": holder, "now": now, "until": until}
        async with translated():
            row = await self.pool.fetchrow(*sql(TAKE_OUTBOX, values))
        return None if row is None else outbox_row(row)

    async def outbox_progress(self, entry_id: int, sent: int) -> None:
        """Record how many of an entry's messages went out."""
        await self._mark(OUTBOX_PROGRESS, {"id": entry_id, "sent": sent})

    async def outbox_done(self, entry_id: int) -> None:
        """Remove an entry (in one pipelined statement with those removed meanwhile)."""
        await self._done.add(entry_id)

    async def _remove_entries(self, entry_ids: list[int]) -> None:
        """Remove entries in one pipelined statement on the marks pool."""
        statement = OUTBOX_DONE.postgres
        values = [statement.args({"id": entry_id}) for entry_id in entry_ids]
        async with translated():
            await self.marks.executemany(statement.sql, values)

    async def outbox_retry(self, entry_id: int, attempts: int, next_at: dt.datetime) -> None:
        """Count a failed delivery and leave the entry until `next_at`."""
        await self._mark(OUTBOX_RETRY, {"id": entry_id, "attempts": attempts, "next_at": next_at})

    async def _mark(self, statement: Dialects, values: dict[str, Any]) -> None:
        """Run one outbox statement on the marks pool."""
        async with translated():
            await self.marks.execute(*sql(statement, values))

    async def record_exit_messages(self, rows: Sequence[tuple[str, int, dt.datetime]]) -> None:
        """Keep message ids for exit under their chat keys (chat key, message id, sent at), each
        only while its key is a stored user's; one pipelined statement for all."""
        statement = RECORD_EXIT_MESSAGE.postgres
        values = [
            statement.args({"chat_key": key, "message_id": message_id, "sent_at": at})
            for key, message_id, at in rows
        ]
        await self.pool.executemany(statement.sql, values)

    async def load_page(self, key: str) -> SessionRecord | None:
        """Return the page session stored under `key`, or None."""
        async with translated():
            row = await self.pool.fetchrow(*sql(LOAD_PAGE, {"key": key}))
        if row is None:
            return None
        return SessionRecord(bool(row["keep"]), row["history"], row["last_seen_at"])

    async def close(self) -> None:
        """Close the pools."""
        if self.marks is not self.pool:
            await self.marks.close()
        await self.pool.close()
