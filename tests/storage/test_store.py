"""The SQL store on SQLite and PostgreSQL: migrations, revisions, dedupe, counts, cascades."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.repository import USERS, VIEWS, SqlStore
from bot.storage.tables import metadata

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)


def test_postgresql_is_tested_in_ci() -> None:
    """In CI the storage tests must also run on PostgreSQL, never silently skip it."""
    if os.environ.get("CI"):
        assert os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql+asyncpg://")


async def test_migrations_match_the_models(database: AsyncEngine) -> None:
    """The Alembic migrations create exactly the tables the models describe."""
    async with database.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diff == []


async def test_user_upsert_keeps_one_row_and_touches_last_seen(database: AsyncEngine) -> None:
    """The same key twice is the same user; last_seen moves forward."""
    store = SqlStore(database)
    async with store.transaction() as tx:
        first = await tx.user("k" * 64, NOW)
    async with store.transaction() as tx:
        second = await tx.user("k" * 64, NOW + dt.timedelta(days=1))
    assert first == second
    async with database.connect() as connection:
        seen = list(await connection.scalars(select(USERS.c.last_seen_at)))
    assert len(seen) == 1 and seen[0].replace(tzinfo=dt.UTC).date() == dt.date(2026, 11, 23)


async def test_save_state_guards_the_revision(database: AsyncEngine) -> None:
    """A save against a revision that moved on is refused; so is a second first save."""
    store = SqlStore(database)
    async with store.transaction() as tx:
        user = await tx.user("a" * 64, NOW)
        assert await tx.save_state(user.id, {"revision": 1}, 1, None, NOW)
    async with store.transaction() as tx:
        assert not await tx.save_state(user.id, {"revision": 1}, 1, None, NOW)
    async with store.transaction() as tx:
        assert await tx.save_state(user.id, {"revision": 2}, 2, 1, NOW)
        assert not await tx.save_state(user.id, {"revision": 3}, 3, 1, NOW)
        assert await tx.load_state(user.id) == ({"revision": 2}, 2)


async def test_claim_update_once(database: AsyncEngine) -> None:
    """An update key can be claimed once; a rolled-back claim can be claimed again."""
    store = SqlStore(database)
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            assert await tx.claim_update("telegram:1", NOW)
            raise RuntimeError("roll back")
    async with store.transaction() as tx:
        assert await tx.claim_update("telegram:1", NOW)
    async with store.transaction() as tx:
        assert not await tx.claim_update("telegram:1", NOW)


async def test_view_counts_add_up_per_day(database: AsyncEngine) -> None:
    """Views are counted per resource and day."""
    store = SqlStore(database)
    for _ in range(3):
        async with store.transaction() as tx:
            await tx.count_views(["nhth", "ncmec"], NOW.date())
    async with store.transaction() as tx:
        await tx.count_views(["nhth"], NOW.date() + dt.timedelta(days=1))
    async with database.connect() as connection:
        rows = sorted(
            (r.resource_id, r.day, r.views) for r in await connection.execute(select(VIEWS))
        )
    assert rows == [
        ("ncmec", NOW.date(), 3),
        ("nhth", NOW.date(), 3),
        ("nhth", NOW.date() + dt.timedelta(days=1), 1),
    ]


async def test_deleting_a_user_deletes_their_rows(database: AsyncEngine) -> None:
    """Conversation and answers go with the user (ON DELETE CASCADE)."""
    store = SqlStore(database)
    async with store.transaction() as tx:
        user = await tx.user("b" * 64, NOW)
        await tx.save_state(user.id, {}, 1, None, NOW)
        await tx.save_answer(user.id, "learn", "q1", 0, True, NOW)
        await tx.set_locale(user.id, "es")
    async with database.begin() as connection:
        await connection.execute(delete(USERS))
    counts = await store.row_counts()
    assert counts["users"] == counts["conversations"] == counts["quiz_answers"] == 0
