"""Shared fixtures: shipped content, a small fixture content set, and databases to test on."""

from __future__ import annotations

import datetime as dt
import os
import select as fd_select
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, SupportsIndex

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.bundle import Content
from bot.content.loader import load_content
from bot.i18n.catalogs import Catalogs
from bot.service.ports import ConversationStore
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, migrate, open_store
from bot.storage.tables import metadata

DIALOGUES = PROJECT_ROOT / "dialogues"
TODAY = dt.date(2026, 11, 22)


def relative_sleep(seconds: float | SupportsIndex) -> None:
    """Sleep for `seconds` with a relative time-out, as time.sleep does."""
    fd_select.select([], [], [], float(seconds))


def pytest_configure(config: pytest.Config) -> None:
    """Under libfaketime with the monotonic clock left real (the shifted runs, docs/testing.md),
    make time.sleep wait with a relative time-out: libfaketime before 0.9.11 moves the absolute
    monotonic deadline Python 3.11's time.sleep passes to clock_nanosleep, which then fails
    with EINVAL (subprocess.run(timeout=...) sleeps this way)."""
    preloaded = "libfaketime" in os.environ.get("LD_PRELOAD", "")
    if preloaded and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
        time.sleep = relative_sleep


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--rewrite-transcripts` to record golden transcripts anew."""
    parser.addoption(
        "--rewrite-transcripts",
        action="store_true",
        help="write what Beacon answers into the golden transcripts instead of comparing",
    )


@pytest.fixture(scope="session")
def content() -> Content:
    """The content Beacon ships."""
    loaded = load_content(DIALOGUES)
    assert loaded.content is not None, "\n".join(map(str, loaded.issues))
    return loaded.content


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The catalogs Beacon ships in locales/."""
    return Catalogs(PROJECT_ROOT / "locales")


@pytest.fixture(scope="session")
def shipped_content(catalogs: Catalogs) -> Content:
    """The shipped content with every shipped language, as a running Beacon loads it."""
    loaded = load_content(DIALOGUES, catalogs.languages())
    assert loaded.content is not None, "\n".join(map(str, loaded.issues))
    return loaded.content


def database_urls() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names one."""
    urls = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append("postgresql")
    return urls


@dataclass
class Database:
    """A migrated test database: Beacon's store on it, and an engine to read what was stored."""

    engine: AsyncEngine
    store: ConversationStore

    async def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Return every row of a table."""
        async with self.engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(select(metadata.tables[table]))]

    async def counts(self) -> dict[str, int]:
        """Return the number of rows in every table."""
        return {name: len(await self.rows(name)) for name in metadata.tables}


@pytest.fixture(params=database_urls())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        engine = make_engine(url)
        await migrate(engine)
        store = await open_store(url)
        yield Database(engine, store)
        await store.close()
        await engine.dispose()
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(engine)
        store = await open_store(url, search_path=schema)
        yield Database(engine, store)
        await store.close()
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
