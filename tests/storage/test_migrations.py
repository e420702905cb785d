"""Upgrades keep data: a database at every past revision, with rows in every table it has,
upgrades to head with each row intact and readable; a step down and up again works too."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, insert, inspect, select, text
from sqlalchemy import table as light_table

from bot.campaigns import registry
from bot.orgs.directory import OrgDirectory
from bot.service.ports import Applied, Loaded, Writes
from bot.storage.database import alembic_config, make_engine, migrate, schema_state
from bot.storage.revisions import behind, revisions
from bot.storage.tables import metadata
from bot.testing.database import EmptyDatabase, database_urls, empty_database

REVISIONS = [
    script.revision
    for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]
"""Every revision, oldest first; the last is head."""
HEAD = REVISIONS[-1]
MADE = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
DAY = MADE.date()
ANA = "a" * 64
"""The key of the user with a saved conversation (keys are 64 hex characters)."""
STATE = {"tree": "signs", "node": "q2", "answers": [1, 0], "place": "US-AZ"}


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows for one table, valid from revision `since` until (not at) `until`; `later` holds
    the columns a later revision adds, with the values the migration gives these rows."""

    since: str
    table: str
    rows: tuple[dict[str, Any], ...]
    until: str | None = None
    later: Mapping[str, Any] = field(default_factory=dict)

    def at(self, revision: str) -> bool:
        """Say whether these rows can be inserted into a database at `revision`."""
        number = REVISIONS.index
        return number(self.since) <= number(revision) and (
            self.until is None or number(revision) < number(self.until)
        )


ORGANIZATION = {
    "name": "City", "headcount": 10, "target_percent": 80, "course": "signs",
    "refresher_days": 365, "onboarding_days": 30, "asks_employee_id": True, "created_at": MADE,
}  # fmt: skip
ROWS = (
    Rows("0001", "users", (
        {"id": 1, "user_key": ANA, "locale": "es", "created_at": MADE, "last_seen_at": MADE,
         "active": True},
        {"id": 2, "user_key": "b" * 64, "locale": None, "created_at": MADE,
         "last_seen_at": MADE, "active": False},
    )),
    Rows("0001", "conversations", (
        {"user_id": 1, "revision": 3, "state": STATE, "updated_at": MADE},
    )),
    Rows("0001", "processed_updates", ({"update_key": "u" * 64, "processed_at": MADE},)),
    Rows("0001", "quiz_answers", (
        {"id": 1, "user_id": 1, "tree": "signs", "node": "q1", "option": 2, "correct": True,
         "answered_at": MADE},
    )),
    Rows("0001", "resource_view_counts", ({"resource_id": "us-hotline", "day": DAY, "views": 7},),
         until="0002", later={"shard": 0}),
    Rows("0002", "resource_view_counts", (
        {"resource_id": "mx-hotline", "day": DAY, "shard": 3, "views": 2},
    )),
    Rows("0003", "reminders", (
        {"user_id": 1, "chat": "telegram:1", "plan": {"step": 1, "every_days": 7},
         "next_at": MADE, "language": "es"},
    )),
    Rows("0004", "certificates", (
        {"id": 1, "user_id": 1, "course": "signs", "name": "Ana", "language": "es",
         "issued_at": MADE},
    )),
    Rows("0005", "exit_messages", ({"chat_key": "c" * 64, "message_id": 2**40, "sent_at": MADE},)),
    Rows("0006", "campaigns", ({"name": "fair", "entry": "report", "locale": "es",
                                "created_at": MADE},)),
    Rows("0006", "campaign_counts", ({"campaign": "fair", "metric": "starts", "day": DAY,
                                      "count": 4},)),
    Rows("0007", "organizations", ({"id": 1, **ORGANIZATION},),
         later={"id_pattern": None, "id_example": None}),
    Rows("0009", "organizations", (
        {"id": 2, **ORGANIZATION, "name": "County", "id_pattern": r"E-\d{6}",
         "id_example": "E-123456"},
    )),
    Rows("0007", "departments", ({"id": 1, "organization_id": 1, "name": "Parks",
                                  "join_code": "PARKS2345"},)),
    Rows("0007", "org_admins", ({"organization_id": 1, "user_key": ANA},)),
    Rows("0007", "memberships", (
        {"user_id": 1, "organization_id": 1, "department_id": 1, "employee_id": "E-1",
         "joined_at": MADE, "completed_at": None},
    )),
    Rows("0008", "outbox", (
        {"id": 1, "platform": "telegram", "payload": "{}", "sent": 0, "attempts": 1,
         "created_at": MADE, "next_at": MADE},
    ), later={"claimed_by": None, "user_key": None}),
    Rows("0012", "outbox", (
        {"id": 2, "platform": "web", "payload": "{}", "sent": 1, "attempts": 0,
         "created_at": MADE, "next_at": MADE, "claimed_by": "host-1/0"},
    ), later={"user_key": None}),
    Rows("0013", "outbox", (
        {"id": 3, "platform": "telegram", "payload": "{}", "sent": 0, "attempts": 0,
         "created_at": MADE, "next_at": MADE, "claimed_by": "host-1/1", "user_key": ANA},
    )),
    Rows("0008", "beacon_meta", ({"key": "user_key_fingerprint", "value": "f" * 64},)),
    Rows("0008", "campaign_starts", ({"marker": "m" * 64, "day": DAY},)),
    Rows("0010", "web_sessions", (
        {"session_key": "s" * 64, "keep": True, "last_seen_at": MADE, "history": None},
    )),
    Rows("0011", "job_leases", (
        {"name": "reminders", "holder": "host-1:4242:0a1b2c3d", "expires_at": MADE},
    )),
)  # fmt: skip
"""Representative rows for every table, in an order that satisfies the foreign keys."""


def test_the_start_up_check_knows_the_revisions_alembic_knows() -> None:
    """The migration files read without Alembic give Alembic's order, head and distances."""
    assert list(revisions()) == REVISIONS
    assert [behind(revision) for revision in REVISIONS] == list(range(len(REVISIONS) - 1, -1, -1))
    assert behind(None) == len(REVISIONS)
    assert behind("ffff") is None


def test_the_rows_cover_every_table_and_revision() -> None:
    """Every table at head has rows, and every revision adds or changes one the rows cover."""
    assert {rows.table for rows in ROWS} == set(metadata.tables)
    assert {rows.since for rows in ROWS} | {"0009"} >= set(REVISIONS)


def insert_rows(connection: Connection, revision: str) -> None:
    """Insert every row valid at `revision`, with Core statements naming its columns only."""
    for rows in ROWS:
        if rows.at(revision):
            types = metadata.tables[rows.table].c
            for row in rows.rows:
                target = light_table(rows.table, *(column(name, types[name].type) for name in row))
                connection.execute(insert(target).values(row))


def expected(revision: str) -> dict[str, list[dict[str, Any]]]:
    """Return what every head table holds after rows inserted at `revision` were upgraded."""
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in metadata.tables}
    for rows in ROWS:
        if rows.at(revision):
            found[rows.table] += [{**row, **rows.later} for row in rows.rows]
    return {name: sorted(map(normal, table_rows), key=repr) for name, table_rows in found.items()}


def normal(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Return a row with its timestamps in UTC (SQLite gives them back without a zone)."""
    return {
        key: value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.datetime) and value.tzinfo is None
        else value
        for key, value in row.items()
    }


def stored(
    connection: Connection,
    tables: set[str] | None = None,
    columns: Mapping[str, set[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Return the rows of every head table (or of those in `tables`), selected with the head
    tables' columns (or those in `columns`)."""
    found = {}
    for name, t in metadata.tables.items():
        if tables is None or name in tables:
            chosen = [c for c in t.c if columns is None or c.name in columns[name]]
            rows = connection.execute(select(*chosen)).mappings()
            found[name] = sorted((normal(r) for r in rows), key=repr)
    return found


async def run(empty: EmptyDatabase, *steps: tuple[str, str]) -> None:
    """Run Alembic steps ("upgrade" or "downgrade", revision) on the database, in order."""

    def alembic(connection: Connection) -> None:
        """Run each step on the connection."""
        for action, revision in steps:
            getattr(command, action)(alembic_config(connection), revision)

    async with empty.engine.begin() as connection:
        await connection.run_sync(alembic)


async def at_revision(empty: EmptyDatabase, revision: str) -> None:
    """Migrate the empty database to `revision` and insert the rows valid there."""
    await migrate(empty.engine, revision)
    async with empty.engine.begin() as connection:
        await connection.run_sync(insert_rows, revision)


def keep(loaded: Loaded) -> tuple[Writes, Loaded]:
    """Decide to write nothing; return what was loaded."""
    return Writes(), loaded


async def test_a_database_at_each_past_revision_upgrades_keeping_its_rows(
    kind: str, revision: str, tmp_path: Path
) -> None:
    """Rows in every table at a past revision are all there at head (new columns holding what
    the migration gives them), and Beacon's store, directory and registry read them."""
    async with empty_database(kind, tmp_path) as empty:
        await at_revision(empty, revision)
        assert (await schema_state(empty.engine)).behind == len(REVISIONS) - 1 - (
            REVISIONS.index(revision)
        )
        await migrate(empty.engine)
        async with empty.engine.connect() as connection:
            assert await connection.run_sync(stored) == expected(revision)
        store = await empty.store()
        try:
            applied = await store.apply(ANA, None, MADE + dt.timedelta(days=1), keep)
        finally:
            await store.close()
        assert isinstance(applied, Applied)
        assert applied.result == Loaded(1, "es", STATE, 3)
        if REVISIONS.index(revision) >= REVISIONS.index("0007"):
            org = await OrgDirectory(empty.engine).get("City")
            assert (org.headcount, org.id_pattern, org.id_example) == (10, "", "")
        if REVISIONS.index(revision) >= REVISIONS.index("0006"):
            found = await registry.find(empty.engine, "fair")
            assert found is not None and found.spec.entry == "report"


async def test_head_steps_down_one_revision_and_up_again_keeping_its_rows(
    kind: str, tmp_path: Path
) -> None:
    """From head with rows everywhere, a downgrade by one step keeps every row its schema
    still has (without the columns it drops), and upgrading again gives back head with those
    rows (the columns added again empty)."""
    before = REVISIONS[-2]
    async with empty_database(kind, tmp_path) as empty:
        await at_revision(empty, HEAD)
        await run(empty, ("downgrade", "-1"))
        assert (await schema_state(empty.engine)).current == before
        async with empty.engine.connect() as connection:
            columns = await connection.run_sync(table_columns)
            held = await connection.run_sync(stored, set(columns), columns)
        head = expected(HEAD)
        kept = {name: project(head[name], columns[name], keep=True) for name in columns}
        assert held == kept
        await migrate(empty.engine)
        async with empty.engine.connect() as connection:
            again = await connection.run_sync(stored)
        assert again == {
            name: project(head[name], columns[name], keep=False) if name in columns else []
            for name in metadata.tables
        }


def table_columns(connection: Connection) -> dict[str, set[str]]:
    """Return each table's column names as the database has them."""
    found = inspect(connection)
    return {
        name: {column["name"] for column in found.get_columns(name)}
        for name in found.get_table_names()
        if name in metadata.tables
    }


def project(rows: list[dict[str, Any]], columns: set[str], *, keep: bool) -> list[dict[str, Any]]:
    """Return rows with only `columns` (keep) or with the others emptied (as re-added)."""
    made = [
        {key: value for key, value in row.items() if key in columns}
        if keep
        else {key: value if key in columns else None for key, value in row.items()}
        for row in rows
    ]
    return sorted(made, key=repr)


async def test_every_revision_steps_down_to_the_first_and_back_up(
    kind: str, tmp_path: Path
) -> None:
    """Each downgrade from head to the first revision runs, one step at a time, and upgrading
    again reaches head with the first revision's tables still holding their rows."""
    async with empty_database(kind, tmp_path) as empty:
        await at_revision(empty, HEAD)
        await run(empty, *(("downgrade", "-1") for _ in REVISIONS[1:]))
        assert (await schema_state(empty.engine)).current == REVISIONS[0]
        await migrate(empty.engine)
        async with empty.engine.connect() as connection:
            now = await connection.run_sync(stored)
        first = expected(REVISIONS[0])
        for name in ("users", "conversations", "processed_updates", "quiz_answers"):
            assert now[name] == first[name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run on every database kind, and from every past revision."""
    if "kind" in metafunc.fixturenames:
        metafunc.parametrize("kind", database_urls())
    if "revision" in metafunc.fixturenames:
        metafunc.parametrize("revision", REVISIONS[:-1])


async def test_workers_starting_together_on_an_empty_database_all_migrate_it(
    kind: str, tmp_path: Path
) -> None:
    """Three processes migrating one empty database at once all succeed (one creates the
    schema, the others wait for it and find it at head)."""
    async with empty_database(kind, tmp_path) as empty:
        options = {"connect_args": {"server_settings": {"search_path": empty.search_path}}}
        engines = [
            make_engine(empty.url, **(options if empty.search_path else {})) for _ in range(3)
        ]
        try:
            await asyncio.gather(*(migrate(engine) for engine in engines))
        finally:
            for engine in engines:
                await engine.dispose()
        assert (await schema_state(empty.engine)).current == HEAD


async def test_a_new_sqlite_file_turns_wal_once_another_connection_lets_go_of_its_write_lock(
    tmp_path: Path,
) -> None:
    """Switching a file to WAL while another connection holds its write lock fails at once in
    SQLite (no busy wait); the engine's first connection waits for the lock instead of failing."""
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("CREATE TABLE held (n INTEGER)")
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO held VALUES (1)")
        try:
            connecting = asyncio.ensure_future(engine.connect().start())
            await asyncio.sleep(0.3)
            assert not connecting.done(), "the first connection did not wait for the lock"
            other.execute("COMMIT")
            connection = await connecting
            mode = await connection.scalar(text("PRAGMA journal_mode"))
            await connection.close()
            assert mode == "wal"
        finally:
            await engine.dispose()
