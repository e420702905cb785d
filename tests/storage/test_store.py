"""The stores on SQLite and PostgreSQL: migrations, units of work, revisions, dedupe, cascades."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.orgs.directory import OrgDirectory
from bot.orgs.stats import Organization
from bot.service.ports import Applied, Loaded, QuizAnswerRow, StateConflict, Writes
from bot.storage import postgres_store, sqlite_store
from bot.storage.database import alembic_config, make_engine, migrate
from bot.storage.postgres_store import PostgresStore
from bot.storage.sqlite_store import SqliteStore, sqlite_path
from bot.storage.tables import metadata
from bot.testing.database import Database

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)


def keep(loaded: Loaded) -> tuple[Writes, Loaded]:
    """Decide to write nothing; return what was loaded."""
    return Writes(), loaded


def save(state: dict[str, Any], revision: int, **more: Any) -> Any:
    """Return a decide function that saves a state at a revision (plus other writes)."""

    def decide(loaded: Loaded) -> tuple[Writes, Loaded]:
        return Writes(state=state, revision=revision, **more), loaded

    return decide


def test_postgresql_is_tested_in_ci() -> None:
    """In CI the storage tests must also run on PostgreSQL, never silently skip it."""
    if os.environ.get("CI"):
        assert os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql+asyncpg://")


async def test_migrations_match_the_models(database: Database) -> None:
    """The Alembic migrations create exactly the tables the models describe."""
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diff == []


async def test_first_update_creates_the_user_and_state(database: Database) -> None:
    """A new key becomes a user; its first state is saved; the next update loads it."""
    store = database.store
    applied = await store.apply("k" * 64, "t:1", NOW, save({"a": 1}, 1))
    assert applied is not None and applied.outbox_id is None
    first = applied.result
    assert first.state is None and first.revision is None
    applied = await store.apply("k" * 64, "t:2", NOW + dt.timedelta(days=1), keep)
    assert applied is not None
    second = applied.result
    assert (second.user_id, second.state, second.revision) == (first.user_id, {"a": 1}, 1)
    [user] = await database.rows("users")
    assert str(user[4])[:10] == "2026-11-23"  # last seen moved on


async def test_a_claimed_update_is_not_applied_again(database: Database) -> None:
    """The same update key twice: the second returns None and writes nothing."""
    store = database.store
    assert await store.apply("k" * 64, "t:1", NOW, save({"a": 1}, 1)) is not None
    assert await store.apply("k" * 64, "t:1", NOW, save({"a": 2}, 2)) is None
    [conversation] = await database.rows("conversations")
    assert conversation[1] == 1


async def test_a_failed_unit_of_work_leaves_nothing(database: Database) -> None:
    """An exception inside decide rolls back the claim, the user and everything else."""

    def explode(loaded: Loaded) -> tuple[Writes, None]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await database.store.apply("k" * 64, "t:9", NOW, explode)
    assert set((await database.counts()).values()) == {0}
    assert await database.store.apply("k" * 64, "t:9", NOW, keep) is not None


async def write_against(database: Database, loaded: Loaded, writes: Writes) -> None:
    """Write with the store's own write step, as if `loaded` were what this transaction read."""
    store = database.store
    if isinstance(store, SqliteStore):
        stamp = sqlite_store.timestamp(NOW)

        def run(connection: sqlite3.Connection) -> None:
            sqlite_store.write(connection, loaded.user_id, loaded, writes, stamp)

        await store.run_unit(run)
        return
    assert isinstance(store, PostgresStore)
    async with store.pool.acquire() as connection, connection.transaction():
        await postgres_store.write(connection, loaded.user_id, loaded, writes, NOW)


async def test_a_moved_revision_is_a_conflict(database: Database) -> None:
    """Writing against a revision that moved on (a lost race) raises StateConflict."""
    store = database.store
    await store.apply("k" * 64, "t:1", NOW, save({"r": 1}, 1))
    await store.apply("k" * 64, "t:2", NOW, save({"r": 2}, 2))
    applied = await store.apply("k" * 64, "t:3", NOW, keep)
    assert applied is not None and applied.result.revision == 2
    current = applied.result
    with pytest.raises(StateConflict):
        await write_against(database, replace(current, revision=1), Writes({"r": 9}, 9))
    with pytest.raises(StateConflict):
        await write_against(database, replace(current, revision=None), Writes({"r": 9}, 9))
    [conversation] = await database.rows("conversations")
    assert conversation[1] == 2


async def test_views_answers_and_language(database: Database) -> None:
    """Views count per resource and day; answers and the language choice are stored."""
    store = database.store
    answer = QuizAnswerRow("learn", "q1", 0, True)
    for number in range(3):
        await store.apply(
            "k" * 64, f"t:{number}", NOW, save({"n": number}, number + 1, views=("nhth", "ncmec"))
        )
    await store.apply(
        "k" * 64, "t:9", NOW + dt.timedelta(days=1),
        save({"n": 9}, 9, views=("nhth",), answers=(answer,), locale="es"),
    )  # fmt: skip
    totals: dict[tuple[str, str], int] = {}
    for resource_id, day, _shard, count in await database.rows("resource_view_counts"):
        totals[(resource_id, str(day))] = totals.get((resource_id, str(day)), 0) + count
    views = sorted((resource_id, day, count) for (resource_id, day), count in totals.items())
    assert views == [
        ("ncmec", "2026-11-22", 3),
        ("nhth", "2026-11-22", 3),
        ("nhth", "2026-11-23", 1),
    ]
    [user] = await database.rows("users")
    assert user[2] == "es"
    [row] = await database.rows("quiz_answers")
    assert row[2:5] == ("learn", "q1", 0) and bool(row[5]) is True


async def test_forget_deletes_every_row_about_the_user(database: Database) -> None:
    """Forgetting deletes the user, and their conversation and answers cascade with them."""
    store = database.store
    answer = QuizAnswerRow("learn", "q1", 0, True)
    await store.apply("b" * 64, "t:1", NOW, save({}, 1, answers=(answer,), locale="es"))
    await store.apply("b" * 64, "t:2", NOW, lambda loaded: (Writes(forget=True), None))
    counts = await database.counts()
    assert counts["users"] == counts["conversations"] == counts["quiz_answers"] == 0


async def test_set_active(database: Database) -> None:
    """A user can be marked inactive and active again; an unknown key changes nothing."""
    store = database.store
    await store.apply("c" * 64, None, NOW, keep)
    await store.set_active("c" * 64, False)
    await store.set_active("unknown", False)
    [user] = await database.rows("users")
    assert not user[5]
    await store.set_active("c" * 64, True)
    [user] = await database.rows("users")
    assert user[5]


async def test_a_failing_unit_does_not_undo_its_batch_neighbours(tmp_path: Path) -> None:
    """Units queued together commit together, except the one that failed, which leaves nothing."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}"
    engine = make_engine(url)
    await migrate(engine)
    store = SqliteStore(sqlite_path(url))

    def failing(loaded: Loaded) -> tuple[Writes, None]:
        raise RuntimeError("this unit fails")

    outcomes = await asyncio.gather(
        *(store.apply(f"{n:064d}", f"t:{n}", NOW, save({"n": n}, 1)) for n in range(20)),
        store.apply("f" * 64, "t:fail", NOW, failing),
        return_exceptions=True,
    )
    await store.close()
    assert isinstance(outcomes[-1], RuntimeError)
    assert all(isinstance(o, Applied) and isinstance(o.result, Loaded) for o in outcomes[:-1])
    database = Database(engine, store)
    counts = await database.counts()
    assert counts["users"] == counts["conversations"] == counts["processed_updates"] == 20
    await engine.dispose()


async def test_the_id_format_migration_goes_down_and_up(database: Database) -> None:
    """0009 adds the employee id format to organizations and takes it away again, keeping the
    organizations; upgrading again gives them no format."""
    directory = OrgDirectory(database.engine)
    org = Organization(0, "City", 10, asks_employee_id=True, id_pattern=r"E-\d{6}")
    await directory.create(replace(org, id_example="E-123456"), NOW)
    found = await directory.get("City")
    assert (found.id_pattern, found.id_example) == (r"E-\d{6}", "E-123456")

    def columns(sync: Any) -> set[str]:
        """Return the organizations table's column names."""
        return {c["name"] for c in inspect(sync).get_columns("organizations")}

    def downgrade(sync: Any) -> None:
        """Take the database back to before 0009."""
        command.downgrade(alembic_config(sync), "0008")

    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade)
    async with database.engine.connect() as connection:
        assert not {"id_pattern", "id_example"} & await connection.run_sync(columns)
        names = (await connection.execute(text("SELECT name FROM organizations"))).all()
    assert [tuple(n) for n in names] == [("City",)]
    await migrate(database.engine)
    again = await directory.get("City")
    assert again.asks_employee_id and (again.id_pattern, again.id_example) == ("", "")
