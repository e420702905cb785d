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
from bot.service.ports import Decide, Loaded, R, StateConflict, Writes
from bot.storage.tables import VIEW_SHARDS

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
    if writes.campaign_counts:
        counts = writes.campaign_counts
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

    def __init__(self, pool: asyncpg.Pool) -> None:
        """Use a pool whose database is already migrated."""
        self.pool = pool

    @classmethod
    async def connect(
        cls, url: str, *, max_size: int = 20, server_settings: dict[str, str] | None = None
    ) -> PostgresStore:
        """Open a pool to the database at `url` (server settings such as search_path apply)."""
        pool = await asyncpg.create_pool(
            asyncpg_dsn(url), min_size=1, max_size=max_size, server_settings=server_settings or {}
        )
        return cls(pool)

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> R | None:
        """In one transaction: claim the update, load, decide, write; return decide's result."""
        try:
            async with self.pool.acquire() as connection, connection.transaction():
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
    ) -> R:
        """The unit of work inside an open transaction."""
        row = await connection.fetchrow(LOAD, update_key, now, user_key)
        if update_key is not None and row["claimed"] == 0:
            raise _Duplicate
        state = json.loads(row["state"]) if row["state"] is not None else None
        loaded = Loaded(row["id"], row["locale"], state, row["revision"])
        writes, result = decide(loaded)
        await write(connection, row["id"], loaded, writes, now)
        return result

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not."""
        await self.pool.execute(
            "UPDATE users SET active = $1 WHERE user_key = $2", active, user_key
        )

    async def record_exit_message(
        self, chat_key: str, message_id: int, sent_at: dt.datetime
    ) -> None:
        """Keep a message id for exit under a chat key, only while the key is a stored user's."""
        await self.pool.execute(RECORD_EXIT_MESSAGE, chat_key, message_id, sent_at)

    async def close(self) -> None:
        """Close the pool."""
        await self.pool.close()
