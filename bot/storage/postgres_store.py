"""The PostgreSQL store: each update is one transaction of a few round trips on asyncpg.

Claiming the update, upserting the user and loading the state are one statement; the writes
follow in the same transaction. Writers for different users run concurrently.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg

from bot.orgs.writes import FORGET_ORG_ADMIN_PG, write_postgres
from bot.service.ports import Applied, Decide, Loaded, OutboxRow, R, StateConflict, Writes
from bot.storage.tables import VIEW_SHARDS
from bot.storage.trouble import translated

LOAD = """
WITH claimed AS (
    INSERT INTO processed_updates (update_key, processed_at)
    SELECT $1::varchar, $2::timestamptz WHERE $1::varchar IS NOT NULL
    ON CONFLICT (update_key) DO NOTHING
    RETURNING 1
), person AS (
    INSERT INTO users (user_key, created_at, last_seen_at, active)
    VALUES ($3, $2, $2, true)
    ON CONFLICT (user_key) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, active = true
    RETURNING id, locale
)
SELECT (SELECT count(*) FROM claimed) AS claimed, person.id, person.locale,
       conversations.state::text AS state, conversations.revision
FROM person LEFT JOIN conversations ON conversations.user_id = person.id
"""
INSERT_STATE = """
INSERT INTO conversations (user_id, revision, state, updated_at) VALUES ($1, $2, $3::json, $4)
ON CONFLICT (user_id) DO NOTHING
"""
UPDATE_STATE = """
UPDATE conversations SET revision = $2, state = $3::json, updated_at = $4
WHERE user_id = $1 AND revision = $5
"""
INSERT_ANSWER = """
INSERT INTO quiz_answers (user_id, tree, node, option, correct, answered_at)
VALUES ($1, $2, $3, $4, $5, $6)
"""
COUNT_VIEWS = """
INSERT INTO resource_view_counts (resource_id, day, shard, views)
SELECT unnest($1::varchar[]), $2::date, $3::int, 1
ON CONFLICT (resource_id, day, shard) DO UPDATE SET views = resource_view_counts.views + 1
"""
COUNT_CAMPAIGNS = """
INSERT INTO campaign_counts (campaign, metric, day, count)
SELECT campaigns.name, counted.metric, $4::date, counted.amount
FROM unnest($1::varchar[], $2::varchar[], $3::int[]) AS counted(campaign, metric, amount)
JOIN campaigns ON campaigns.name = counted.campaign
ON CONFLICT (campaign, metric, day) DO UPDATE SET count = campaign_counts.count + EXCLUDED.count
"""
"""Add to registered campaigns' metrics for the day; an unregistered campaign counts nothing."""
MARK_START = (
    "INSERT INTO campaign_starts (marker, day) VALUES ($1, $2) ON CONFLICT (marker) DO NOTHING"
)
"""A person's start of a campaign today, kept as a keyed marker: a second one counts nothing."""
INSERT_OUTBOX = """
INSERT INTO outbox (platform, payload, sent, attempts, created_at, next_at)
VALUES ($1, $2, 0, 0, $3, $4) RETURNING id
"""
DUE_OUTBOX = """
SELECT id, platform, payload, sent, attempts, created_at, next_at FROM outbox
WHERE platform = $1 AND ($2::timestamptz IS NULL OR next_at <= $2) ORDER BY id LIMIT $3
"""
MARKS = {"synchronous_commit": "off"}
"""Delivery marks commit without waiting for the disk: a server crash may repeat a message
(never lose one), and marking costs one round trip."""


class _Duplicate(Exception):
    """The update was already handled: roll back and report None."""


def asyncpg_dsn(url: str) -> str:
    """Return a `postgresql+asyncpg://` URL as a plain `postgresql://` DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


FORGET_CERTIFICATE_NAMES = "UPDATE certificates SET name = NULL, user_id = NULL WHERE user_id = $1"
FORGET_EXIT_MESSAGES = (
    "DELETE FROM exit_messages WHERE chat_key = (SELECT user_key FROM users WHERE id = $1)"
)
RECORD_EXIT_MESSAGE = (
    "INSERT INTO exit_messages (chat_key, message_id, sent_at) "
    "SELECT user_key, $2, $3 FROM users WHERE user_key = $1 "
    "ON CONFLICT (chat_key, message_id) DO NOTHING"
)
UPSERT_REMINDER = (
    "INSERT INTO reminders (user_id, chat, plan, next_at, language) "
    "VALUES ($1, $2, $3::json, $4, $5) "
    "ON CONFLICT (user_id) DO UPDATE SET chat = excluded.chat, plan = excluded.plan, "
    "next_at = excluded.next_at, language = excluded.language"
)


async def write(
    connection: asyncpg.Connection, user_id: int, loaded: Loaded, writes: Writes, now: dt.datetime
) -> None:
    """Apply an update's writes; raise StateConflict when the revision moved on."""
    if writes.forget:
        await connection.execute(FORGET_CERTIFICATE_NAMES, user_id)
        await connection.execute(FORGET_EXIT_MESSAGES, user_id)
        await connection.execute(FORGET_ORG_ADMIN_PG, user_id)
        await connection.execute("DELETE FROM users WHERE id = $1", user_id)
        return
    if writes.state is not None:
        state = json.dumps(writes.state, separators=(",", ":"))
        if loaded.revision is None:
            status = await connection.execute(INSERT_STATE, user_id, writes.revision, state, now)
        else:
            status = await connection.execute(
                UPDATE_STATE, user_id, writes.revision, state, now, loaded.revision
            )
        if not status.endswith(" 1"):
            raise StateConflict
    for a in writes.answers:
        await connection.execute(INSERT_ANSWER, user_id, a.tree, a.node, a.option, a.correct, now)
    if writes.views:
        shard = user_id % VIEW_SHARDS
        await connection.execute(COUNT_VIEWS, list(writes.views), now.date(), shard)
    counts = [
        c
        for c in writes.campaign_counts
        if c.once is None
        or (await connection.execute(MARK_START, c.once, now.date())).endswith(" 1")
    ]
    if counts:
        await connection.execute(
            COUNT_CAMPAIGNS,
            [c.campaign for c in counts],
            [c.metric for c in counts],
            [c.amount for c in counts],
            now.date(),
        )
    if writes.locale is not None:
        await connection.execute(
            "UPDATE users SET locale = $1 WHERE id = $2", writes.locale, user_id
        )
    if writes.drop_reminder:
        await connection.execute("DELETE FROM reminders WHERE user_id = $1", user_id)
    if writes.reminder is not None:
        row = writes.reminder
        plan = json.dumps(row.plan)
        await connection.execute(
            UPSERT_REMINDER, user_id, row.chat, plan, row.next_at, row.language
        )
    await write_postgres(connection, user_id, writes.orgs, now)


class PostgresStore:
    """Applies updates on PostgreSQL through an asyncpg connection pool."""

    def __init__(self, pool: asyncpg.Pool, marks: asyncpg.Pool | None = None) -> None:
        """Use a pool whose database is already migrated, and one for delivery marks."""
        self.pool = pool
        self.marks = marks or pool

    @classmethod
    async def connect(
        cls, url: str, *, max_size: int = 20, server_settings: dict[str, str] | None = None
    ) -> PostgresStore:
        """Open pools to the database at `url` (server settings such as search_path apply)."""
        settings = server_settings or {}
        async with translated():
            pool = await asyncpg.create_pool(
                asyncpg_dsn(url), min_size=1, max_size=max_size, server_settings=settings
            )
            marks = await asyncpg.create_pool(
                asyncpg_dsn(url), min_size=1, max_size=4, server_settings={**settings, **MARKS}
            )
        return cls(pool, marks)

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> Applied[R] | None:
        """In one transaction: claim the update, load, decide, write; return decide's result
        and the id of the update's outbox entry."""
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
        row = await connection.fetchrow(LOAD, update_key, now, user_key)
        if update_key is not None and row["claimed"] == 0:
            raise _Duplicate
        state = json.loads(row["state"]) if row["state"] is not None else None
        loaded = Loaded(row["id"], row["locale"], state, row["revision"])
        writes, result = decide(loaded)
        outbox_id = None
        if writes.outbox is not None:
            entry = writes.outbox
            outbox_id = await connection.fetchval(
                INSERT_OUTBOX, entry.platform, entry.payload, now, entry.next_at
            )
        await write(connection, row["id"], loaded, writes, now)
        return Applied(result, outbox_id)

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not."""
        async with translated():
            await self.pool.execute(
                "UPDATE users SET active = $1 WHERE user_key = $2", active, user_key
            )

    async def outbox_due(
        self, platform: str, now: dt.datetime | None, limit: int
    ) -> list[OutboxRow]:
        """Return up to `limit` entries of a platform due at `now` (all when None), oldest first."""
        async with translated():
            rows = await self.pool.fetch(DUE_OUTBOX, platform, now, limit)
        return [
            OutboxRow(
                r["platform"], r["payload"], r["next_at"], r["id"], r["sent"], r["attempts"],
                r["created_at"],
            )
            for r in rows
        ]  # fmt: skip

    async def outbox_progress(self, entry_id: int, sent: int) -> None:
        """Record how many of an entry's messages went out."""
        await self._mark("UPDATE outbox SET sent = $2 WHERE id = $1", entry_id, sent)

    async def outbox_done(self, entry_id: int) -> None:
        """Remove an entry."""
        await self._mark("DELETE FROM outbox WHERE id = $1", entry_id)

    async def outbox_retry(self, entry_id: int, attempts: int, next_at: dt.datetime) -> None:
        """Count a failed delivery and leave the entry until `next_at`."""
        sql = "UPDATE outbox SET attempts = $2, next_at = $3 WHERE id = $1"
        await self._mark(sql, entry_id, attempts, next_at)

    async def _mark(self, sql: str, *values: object) -> None:
        """Run one outbox statement on the marks pool."""
        async with translated():
            await self.marks.execute(sql, *values)

    async def record_exit_message(
        self, chat_key: str, message_id: int, sent_at: dt.datetime
    ) -> None:
        """Keep a message id for exit under a chat key, only while the key is a stored user's."""
        await self.pool.execute(RECORD_EXIT_MESSAGE, chat_key, message_id, sent_at)

    async def close(self) -> None:
        """Close the pools."""
        if self.marks is not self.pool:
            await self.marks.close()
        await self.pool.close()
