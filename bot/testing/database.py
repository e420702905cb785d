"""Databases to test on: a migrated SQLite file or a fresh PostgreSQL schema, and readers of it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.ports import ConversationStore
from bot.storage.database import make_engine, migrate, open_store
from bot.storage.postgres_store import asyncpg_dsn
from bot.storage.tables import metadata


@asynccontextmanager
async def fresh_database(server_url: str, prefix: str = "beacon") -> AsyncIterator[tuple[str, str]]:
    """Make an empty database named `prefix` and a random suffix on the PostgreSQL server of
    `server_url`; yield (its name, the server's host:port); drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        host = server_url.split("@", 1)[-1].split("/", 1)[0]
        yield name, host
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def database_urls() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names one."""
    urls = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append("postgresql")
    return urls


@dataclass
class Database:
    """A migrated test database: Beacon's store on it, an engine to read what was stored, and
    its URL with the search_path of its schema on PostgreSQL (for more engines on it)."""

    engine: AsyncEngine
    store: ConversationStore
    url: str = ""
    search_path: str | None = None

    def another_engine(self) -> AsyncEngine:
        """Return a new engine on this database (as another worker process would have one);
        the caller disposes of it."""
        if self.search_path is None:
            return make_engine(self.url)
        return make_engine(
            self.url, connect_args={"server_settings": {"search_path": self.search_path}}
        )

    async def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Return every row of a table."""
        async with self.engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(select(metadata.tables[table]))]

    async def counts(self) -> dict[str, int]:
        """Return the number of rows in every table."""
        return {name: len(await self.rows(name)) for name in metadata.tables}


async def campaign_counts(database: Database) -> dict[tuple[str, str, dt.date], int]:
    """Return every campaign count by (campaign, metric, day)."""
    rows = await database.rows("campaign_counts")
    return {
        (c, m, d if isinstance(d, dt.date) else dt.date.fromisoformat(d)): n for c, m, d, n in rows
    }


@dataclass(frozen=True, slots=True)
class EmptyDatabase:
    """A database without a schema: its URL, the search_path its schema needs on PostgreSQL,
    and an engine on it."""

    url: str
    search_path: str | None
    engine: AsyncEngine

    async def store(self) -> ConversationStore:
        """Open Beacon's store on this database."""
        return await open_store(self.url, search_path=self.search_path)


@asynccontextmanager
async def empty_database(kind: str, tmp_path: Path) -> AsyncIterator[EmptyDatabase]:
    """Open a database of `kind` with nothing in it ("sqlite": a new file in `tmp_path`;
    "postgresql": a fresh schema on TEST_DATABASE_URL, dropped afterwards)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        engine = make_engine(url)
        try:
            yield EmptyDatabase(url, None, engine)
        finally:
            await engine.dispose()
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield EmptyDatabase(url, schema, engine)
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def open_database(kind: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Open a migrated, empty database of `kind` (see empty_database)."""
    async with empty_database(kind, tmp_path) as empty:
        await migrate(empty.engine)
        store = await empty.store()
        try:
            yield Database(empty.engine, store, empty.url, empty.search_path)
        finally:
            await store.close()
