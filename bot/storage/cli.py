"""`python -m bot db upgrade|current|backup PATH`: the database's schema and its backups."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.settings import SECRET_FILE, Settings
from bot.storage.database import (
    SchemaState,
    make_engine,
    migrate,
    refuse_ahead,
    schema_state,
)
from bot.storage.sqlite_store import sqlite_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `db` and its commands to the command line."""
    db = commands.add_parser("db", help="the database's schema and backups")
    actions = db.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="migrate the database to this Beacon's schema")
    actions.add_parser("current", help="print the database's schema revision and this Beacon's")
    backup = actions.add_parser(
        "backup", help="copy a SQLite database to a new file; for PostgreSQL, print pg_dump's line"
    )
    backup.add_argument("path", type=Path, help="the new backup file (never overwritten)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run a `db` command and return its exit status (2, with one line, when it cannot)."""
    match args.db_command:
        case "upgrade":
            return asyncio.run(upgrade(settings))
        case "current":
            return asyncio.run(current(settings))
        case _:
            return backup(settings, args.path)


async def upgrade(settings: Settings) -> int:
    """Migrate the database to head, printing its revision before and after."""
    engine = make_engine(settings.database_url)
    try:
        before = await schema_state(engine)
        refuse_ahead(before)
        await migrate(engine)
        after = await schema_state(engine)
    finally:
        await engine.dispose()
    if before.current == after.current:
        print(f"database is at head ({after.head}); nothing to do")
    else:
        print(f"database upgraded: {before.current or 'empty'} -> {after.current}")
    return 0


async def current(settings: Settings) -> int:
    """Print the database's revision, this Beacon's head, and where the one stands."""
    engine = make_engine(settings.database_url)
    try:
        state = await schema_state(engine)
    finally:
        await engine.dispose()
    print(state_lines(state))
    return 0


def state_lines(state: SchemaState) -> str:
    """Return the lines `db current` prints for a schema state."""
    lines = [f"database: {state.current or '-'}", f"head: {state.head}", state.describe()]
    if state.empty or state.behind:
        lines[-1] += "; back it up, then run: python -m bot db upgrade"
    if state.ahead:
        lines[-1] += "; this Beacon refuses to use it"
    return "\n".join(lines)


def backup(settings: Settings, target: Path) -> int:
    """Copy a SQLite database with SQLite's online backup, or print the pg_dump line."""
    url = make_url(settings.database_url)
    if target.exists():
        return refused(f"{target} exists; a backup never overwrites a file, name a new one")
    if url.drivername.startswith("sqlite"):
        made = backup_sqlite(sqlite_path(settings.database_url), target)
        if made is not None:
            return refused(made)
        print(f"backed up {url.database} to {target} ({target.stat().st_size} bytes)")
    else:
        print(pg_dump_line(url, target))
        print(
            "Beacon does not run pg_dump: run the line above where it reaches the server, with "
            "the password in PGPASSWORD or ~/.pgpass",
            file=sys.stderr,
        )
    print(f"keep {secret_source(settings)} too: without it the backup cannot be read")
    return 0


def refused(problem: str) -> int:
    """Print why `db backup` cannot run, on one line; return 2."""
    print(f"db backup: {problem}", file=sys.stderr)
    return 2


def backup_sqlite(source: str, target: Path) -> str | None:
    """Copy the SQLite file at `source` into the new file `target` (readable by its owner
    only) with SQLite's online backup, while Beacon may be writing; return a problem or None."""
    if source in ("", ":memory:") or not Path(source).is_file():
        return f"there is no SQLite file at {source or '(memory)'} to back up"
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return f"{target} exists; a backup never overwrites a file, name a new one"
    except OSError as failure:
        return f"cannot write {target}: {failure.strerror}"
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as database,
            closing(sqlite3.connect(target)) as copy,
        ):
            database.backup(copy)
    except sqlite3.Error as failure:
        target.unlink(missing_ok=True)
        return f"cannot back up {source}: {failure}"
    return None


def pg_dump_line(url: URL, target: Path) -> str:
    """Return the pg_dump command that dumps the database of a PostgreSQL URL into `target`
    (custom format, for pg_restore), without the password."""
    words = ["pg_dump", "--format=custom", f"--file={target}"]
    if url.host:
        words.append(f"--host={url.host}")
    if url.port:
        words.append(f"--port={url.port}")
    if url.username:
        words.append(f"--username={url.username}")
    words.append(f"--dbname={url.database or 'postgres'}")
    return shlex.join(words)


def secret_source(settings: Settings) -> str:
    """Name where the user-key secret is kept: USER_KEY_SECRET, or the file in DATA_DIR."""
    if settings.user_key_secret is not None:
        return "USER_KEY_SECRET (the user-key secret)"
    return f"{(settings.data_dir / SECRET_FILE).absolute()} (the user-key secret)"
