"""Shared fixtures: shipped content, a small fixture content set, and databases to test on."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.bundle import Content
from bot.content.loader import load_content
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, migrate

DIALOGUES = PROJECT_ROOT / "dialogues"
TODAY = dt.date(2026, 11, 22)


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


def database_urls() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names one."""
    urls = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture(params=database_urls())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await migrate(engine)
        yield engine
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
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
