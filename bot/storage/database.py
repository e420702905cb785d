"""Create the async engine and bring the schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.service.ports import ConversationStore
from bot.storage.postgres_store import PostgresStore
from bot.storage.sqlite_store import SqliteStore, sqlite_path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """Return an async engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)
        _serialise_sqlite_writes(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def _serialise_sqlite_writes(engine: AsyncEngine) -> None:
    """Make every SQLite transaction take the write lock at BEGIN, so none fails half-way."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        """Let SQLAlchemy's begin event issue BEGIN; WAL (synced at checkpoints), foreign keys."""
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        """Begin with the write lock held."""
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic config for Beacon's migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to `revision` (creating every table on a new database)."""

    def _upgrade(connection: Connection) -> None:
        """Run Alembic's upgrade on the given connection."""
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def open_store(url: str, search_path: str | None = None) -> ConversationStore:
    """Return the store for a database URL: SQLite through its own thread, or PostgreSQL."""
    if url.startswith("sqlite"):
        return SqliteStore(sqlite_path(url))
    settings = {"search_path": search_path} if search_path else {}
    return await PostgresStore.connect(url, server_settings=settings)
