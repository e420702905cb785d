"""Create the async engine, bring the schema up to date with Alembic, keep the secret's
fingerprint; a database that cannot be reached or changed is one StartupError line."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import StartupError
from bot.logs import event as log_event
from bot.service.ports import ConversationStore
from bot.storage.revisions import behind, current_revision, head
from bot.storage.sqlite_store import SqliteStore, sqlite_path
from bot.storage.tables import BeaconMeta, User, table

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger("beacon.storage")
SETTING = "DATABASE_URL"
FINGERPRINT_KEY = "user_key_fingerprint"
"""beacon_meta's key for the fingerprint of the user-key secret the database was made with."""
SQLITE_BUSY_TIMEOUT = 30
"""Seconds a SQLite connection waits for another's lock before it gives up."""
WAL_WAIT = 0.05
"""Seconds between tries to switch a new SQLite file to WAL while another connection does."""
WAL_TRIES = int(SQLITE_BUSY_TIMEOUT / WAL_WAIT)


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """Return an async engine whose errors never carry a statement's parameters (such as a
    certificate's name); SQLite gets WAL, a busy timeout and write-locking transactions."""
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, **options)
        _serialise_sqlite_writes(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def _journal_mode(cursor: Any) -> str:
    """Return a SQLite connection's journal mode (reading it takes no write lock)."""
    cursor.execute("PRAGMA journal_mode")
    return str(cursor.fetchone()[0]).lower()


def _use_wal(dbapi_connection: Any, cursor: Any) -> None:
    """Switch the database file to WAL; while another connection holds the lock the switch needs
    (SQLite answers SQLITE_BUSY at once there rather than waiting), wait and try again, up to
    the busy timeout."""
    for attempt in range(1, WAL_TRIES + 1):
        try:
            if _journal_mode(cursor) != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as failure:
            if failure.sqlite_errorname != "SQLITE_BUSY" or attempt == WAL_TRIES:
                raise
            dbapi_connection.run_async(lambda _connection: asyncio.sleep(WAL_WAIT))


def _serialise_sqlite_writes(engine: AsyncEngine) -> None:
    """Make every SQLite transaction take the write lock at BEGIN, so none fails half-way."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        """Let SQLAlchemy's begin event issue BEGIN; WAL (synced at checkpoints), foreign keys,
        and deleted rows overwritten with zeros (secure_delete)."""
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(dbapi_connection, cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        """Begin with the write lock held."""
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic config for Beacon's migrations, optionally bound to a connection."""
    from alembic.config import Config  # Alembic is imported only where a migration runs

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x6265_6163_6F6E
"""The PostgreSQL advisory lock a migration holds, so workers starting together on a new
database migrate one after another (the later ones find the schema at head)."""


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to `revision` (creating every table on a new database); log the
    revisions when it changed (Alembic's own lines are quiet, see bot.logs)."""

    def _upgrade(connection: Connection) -> None:
        """Run Alembic's upgrade on the given connection, after any other process's
        (PostgreSQL: a transaction lock; SQLite: the write lock taken at BEGIN)."""
        from alembic import command

        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        before = current_revision(connection)
        command.upgrade(alembic_config(connection), revision)
        after = current_revision(connection)
        if after != before:
            log_event(log, "database_migrated", before=before, after=after)

    with startup_errors(engine.url):
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)


UPGRADE = "python -m bot db upgrade"
"""The command that brings a database's schema to this Beacon's head."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's schema is: its revision (None when empty), this Beacon's head, and
    how many revisions it is behind (None when this Beacon does not know its revision)."""

    current: str | None
    head: str
    behind: int | None

    @property
    def empty(self) -> bool:
        """Say whether the database has no schema yet."""
        return self.current is None

    @property
    def ahead(self) -> bool:
        """Say whether a newer Beacon migrated the database (its revision is unknown here)."""
        return self.behind is None

    def describe(self) -> str:
        """Return where the schema stands against head, in a few words."""
        if self.empty:
            return "empty (no schema yet)"
        if self.ahead:
            return "ahead: a newer Beacon migrated it"
        return f"behind by {self.behind}" if self.behind else "at head"


def schema_state_of(connection: Connection) -> SchemaState:
    """Return the schema state of the database on a synchronous connection."""
    current = current_revision(connection)
    return SchemaState(current, head(), behind(current))


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Return where the database's schema stands against this Beacon's head."""
    with startup_errors(engine.url):
        async with engine.connect() as connection:
            return await connection.run_sync(schema_state_of)


def refuse_ahead(state: SchemaState) -> None:
    """Raise StartupError when a newer Beacon migrated the database."""
    if state.ahead:
        raise StartupError(
            SETTING,
            f"the database's schema is at revision {state.current}, which this Beacon does not "
            f"know (its newest is {state.head}): a newer Beacon migrated it; run that version, "
            "or restore the backup made before the upgrade",
        )


async def ready_schema(engine: AsyncEngine, auto_migrate: bool) -> None:
    """Create the schema of an empty database; migrate one behind head only when
    `auto_migrate`, else raise StartupError, as for one ahead of head (so an older Beacon
    never writes into a newer schema)."""
    state = await schema_state(engine)
    refuse_ahead(state)
    if state.empty or (state.behind and auto_migrate):
        await migrate(engine)
    elif state.behind:
        raise StartupError(
            SETTING,
            f"the database's schema is at revision {state.current}, {state.behind} behind this "
            f"Beacon's {state.head}; back it up, then run `{UPGRADE}` (or set "
            "AUTO_MIGRATE=true to migrate at start)",
        )


async def open_store(url: str, search_path: str | None = None) -> ConversationStore:
    """Return the store for a database URL: SQLite through its own thread, or PostgreSQL."""
    if url.startswith("sqlite"):
        return SqliteStore(sqlite_path(url))
    from bot.storage.postgres_store import PostgresStore  # asyncpg only when it is used

    settings = {"search_path": search_path} if search_path else {}
    with startup_errors(make_url(url)):
        return await PostgresStore.connect(url, server_settings=settings)


async def stored_fingerprint(engine: AsyncEngine) -> str | None:
    """Return the fingerprint of the user-key secret the database was made with, if recorded."""
    meta = table(BeaconMeta)
    with startup_errors(engine.url):
        async with engine.connect() as connection:
            found = await connection.scalar(
                select(meta.c.value).where(meta.c.key == FINGERPRINT_KEY)
            )
    return None if found is None else str(found)


async def keep_fingerprint(engine: AsyncEngine, fingerprint: str) -> str:
    """Record the fingerprint unless one is there already; return the one the database keeps."""
    meta = table(BeaconMeta)
    with startup_errors(engine.url), suppress(IntegrityError):  # another process was first
        async with engine.begin() as connection:
            await connection.execute(insert(meta).values(key=FINGERPRINT_KEY, value=fingerprint))
    kept = await stored_fingerprint(engine)
    assert kept is not None
    return kept


async def holds_users(engine: AsyncEngine) -> bool:
    """Say whether anyone is stored yet (a database from before fingerprints may be in use)."""
    users = table(User)
    with startup_errors(engine.url):
        async with engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(users))
    return bool(count)


@contextmanager
def startup_errors(url: URL) -> Iterator[None]:
    """Turn a failure to reach or change the database into a StartupError naming DATABASE_URL
    (never with its password); let every other failure through as it is."""
    try:
        yield
    except Exception as failure:
        sqlite = url.drivername.startswith("sqlite")
        problem = sqlite_problem(url, failure) if sqlite else postgres_problem(url, failure)
        if problem is None:
            raise
        raise StartupError(SETTING, problem) from failure


def causes(failure: BaseException) -> Iterator[BaseException]:
    """Yield a failure, then what SQLAlchemy wrapped and what the driver raised underneath."""
    seen: list[BaseException] = []
    current: BaseException | None = failure
    while current is not None and current not in seen and len(seen) < 6:
        seen.append(current)
        yield current
        current = getattr(current, "orig", None) or current.__cause__


POSTGRES_STATES = {
    "3D000": "the database {database!r} does not exist on {where}; create it or fix the name",
    "28P01": "password authentication failed for the role {role!r} on {where}",
    "28000": "the server at {where} refused the role {role!r}: {message}",
    "42501": (
        "the role {role!r} lacks rights in the database {database!r} ({message}); "
        "let it create tables there, or migrate as the database's owner"
    ),
    "57P03": "cannot connect to {where}: {message}",
    "53300": "cannot connect to {where}: {message}",
}
"""What each PostgreSQL error state (SQLSTATE) means for the operator, by code."""
REFUSED = f"[Errno {errno.ECONNREFUSED}]"
"""How asyncpg reports refused connections when it tried several addresses (OSError, no errno)."""


def postgres_problem(url: URL, failure: Exception) -> str | None:
    """Say in one line why PostgreSQL cannot be used, or None for an unrelated failure."""
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    names = {
        "where": where,
        "role": url.username or "(default)",
        "database": url.database or "(default)",
    }
    for cause in causes(failure):
        state = str(getattr(cause, "sqlstate", "") or "")
        if state in POSTGRES_STATES or state.startswith("08"):
            template = POSTGRES_STATES.get(state, "cannot connect to {where}: {message}")
            return template.format(message=one_line(cause), **names)
        if isinstance(cause, socket.gaierror):
            return f"the host {url.host!r} is not known (its name does not resolve)"
        if isinstance(cause, ConnectionRefusedError) or REFUSED in str(cause):
            return (
                f"nothing accepts connections at {where} (connection refused); "
                "is PostgreSQL running there?"
            )
        if isinstance(cause, TimeoutError):
            return f"no answer from {where} in time; are the host and port right?"
        if isinstance(cause, OSError):
            return f"cannot connect to {where}: {cause.strerror or one_line(cause)}"
    return None


SQLITE_TROUBLE = ("unable to open", "readonly", "disk i/o", "disk is full", "locked")
"""SQLite's words for a file it cannot use (as opposed to a mistake in a statement)."""


def sqlite_problem(url: URL, failure: Exception) -> str | None:
    """Say in one line why the SQLite file cannot be used, or None for an unrelated failure."""
    file = Path(url.database or "")
    folder = file.parent
    for cause in causes(failure):
        if not isinstance(cause, sqlite3.Error | OSError):
            continue
        message = one_line(cause)
        if not folder.is_dir():
            return (
                f"the folder {folder.absolute()} for the SQLite file does not exist; "
                "create it or fix the path"
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"Beacon may not write in {folder} (SQLite keeps its journal beside the file)"
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            return f"Beacon may not read and write the SQLite file {file}"
        if "not a database" in message:
            return f"{file} is not a SQLite database"
        if any(words in message.lower() for words in SQLITE_TROUBLE):
            return f"cannot use the SQLite file {file}: {message}"
    return None


def one_line(failure: BaseException) -> str:
    """Return a failure's message on one line, without SQLAlchemy's statement and link."""
    text = str(failure).split("\n[SQL:", 1)[0].split("\n(Background", 1)[0]
    return " ".join(text.split())
