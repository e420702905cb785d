"""`python -m bot db current|upgrade|backup` and the schema check every other command makes:
an empty database is made at head, one behind head is migrated only with AUTO_MIGRATE=true,
one ahead of head is refused; backups are new files holding every row."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.app import build_app
from bot.cli import main
from bot.errors import StartupError
from bot.settings import SECRET_FILE, Settings
from bot.storage.database import alembic_config, make_engine, migrate, schema_state
from bot.testing.keys import TEST_USER_KEY_SECRET

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
OLD = "0008"
"""A past revision, some behind head."""
BEHIND = int(str(HEAD)) - int(OLD)
"""How many revisions OLD is behind head (revisions are numbered one after another)."""
PASSWORD = "pw-not-shown-4821"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch working directory whose SQLite database is beacon.db, with no other settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}")
    for name in ("AUTO_MIGRATE", "USER_KEY_SECRET", "DATA_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def at_revision(path: Path, revision: str, *statements: str) -> None:
    """Migrate the SQLite file at `path` to `revision`, then run the statements on it."""

    async def make() -> None:
        """Migrate and run the statements."""
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(engine, revision)
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(make())


def revision_of(path: Path) -> str | None:
    """Return the schema revision the SQLite file at `path` is at."""
    with closing(sqlite3.connect(path)) as database:
        found = database.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if found is None else str(found[0])


def db(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """Run `python -m bot db <args>`; return its status and its stdout and stderr lines."""
    capsys.readouterr()
    status = main(["db", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), [line for line in err.splitlines() if " beacon." not in line]


def test_current_and_upgrade_take_an_empty_database_to_head(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`db current` calls a new database empty; `db upgrade` says what it migrated from and
    to, then that there is nothing to do; `db current` then says it is at head."""
    assert db(capsys, "current") == (
        0,
        ["database: -", f"head: {HEAD}",
         "empty (no schema yet); back it up, then run: python -m bot db upgrade"],
        [],
    )  # fmt: skip
    assert db(capsys, "upgrade") == (0, [f"database upgraded: empty -> {HEAD}"], [])
    assert db(capsys, "upgrade") == (0, [f"database is at head ({HEAD}); nothing to do"], [])
    assert db(capsys, "current") == (0, [f"database: {HEAD}", f"head: {HEAD}", "at head"], [])


def test_a_database_behind_head_is_migrated_only_when_asked(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind head, `db current` counts the revisions; `purge` refuses with one line naming
    the revision, head and both ways forward; with AUTO_MIGRATE=true it migrates and runs."""
    at_revision(workdir / "beacon.db", OLD)
    status, out, _ = db(capsys, "current")
    assert (status, out[0], out[2]) == (
        0, f"database: {OLD}", f"behind by {BEHIND}; back it up, then run: python -m bot db upgrade"
    )  # fmt: skip
    assert main(["purge"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"Beacon will not start: DATABASE_URL: the database's schema is at revision {OLD}, "
        f"{BEHIND} behind this Beacon's {HEAD}; back it up, then run `python -m bot db upgrade` "
        "(or set AUTO_MIGRATE=true to migrate at start)"
    ]
    assert revision_of(workdir / "beacon.db") == OLD
    monkeypatch.setenv("AUTO_MIGRATE", "true")
    assert main(["purge"]) == 0
    assert revision_of(workdir / "beacon.db") == HEAD


async def test_a_worker_starts_on_a_database_behind_head_only_with_auto_migrate(
    tmp_path: Path,
) -> None:
    """build_app (every serving command) refuses a schema behind head, and migrates it when
    AUTO_MIGRATE is true."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}"
    engine = make_engine(url)
    await migrate(engine, OLD)
    settings = Settings(database_url=url, user_key_secret=TEST_USER_KEY_SECRET, data_dir=tmp_path)
    with pytest.raises(StartupError, match=f"at revision {OLD}, {BEHIND} behind"):
        await build_app(settings)
    assert (await schema_state(engine)).current == OLD
    app = await build_app(settings.model_copy(update={"auto_migrate": True}))
    await app.close()
    assert (await schema_state(engine)).current == HEAD
    await engine.dispose()


def test_a_database_ahead_of_head_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revision this Beacon does not know: `db current` says a newer Beacon migrated it;
    `db upgrade` and `purge` (even with AUTO_MIGRATE=true) refuse in one line, changing nothing."""
    at_revision(workdir / "beacon.db", "head", "UPDATE alembic_version SET version_num = '0099'")
    status, out, _ = db(capsys, "current")
    assert (status, out) == (
        0,
        ["database: 0099", f"head: {HEAD}",
         "ahead: a newer Beacon migrated it; this Beacon refuses to use it"],
    )  # fmt: skip
    refusal = (
        "Beacon will not start: DATABASE_URL: the database's schema is at revision 0099, which "
        f"this Beacon does not know (its newest is {HEAD}): a newer Beacon migrated it; run "
        "that version, or restore the backup made before the upgrade"
    )
    assert db(capsys, "upgrade") == (2, [], [refusal])
    monkeypatch.setenv("AUTO_MIGRATE", "true")
    assert main(["purge"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [refusal]
    assert revision_of(workdir / "beacon.db") == "0099"


def test_backup_copies_a_database_in_use_to_a_new_file_only(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Beacon's engine still holding the file (rows still in its write-ahead log), `db
    backup` writes a new SQLite file, readable by its owner only, holding every row; it names
    the secret file to keep with it, and refuses to overwrite a file."""
    target = workdir / "backups" / "beacon-1.db"
    target.parent.mkdir()

    async def back_up_while_open() -> tuple[int, list[str], list[str]]:
        """Write a row and back up while the engine is still open."""
        engine = make_engine(f"sqlite+aiosqlite:///{workdir / 'beacon.db'}")
        await migrate(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO beacon_meta (key, value) VALUES ('user_key_fingerprint', 'f1')")
            )
        try:
            return await asyncio.to_thread(db, capsys, "backup", str(target))
        finally:
            await engine.dispose()

    status, out, err = asyncio.run(back_up_while_open())
    assert (status, err) == (0, [])
    assert out[0].startswith(f"backed up {workdir / 'beacon.db'} to {target} (")
    assert out[1] == (
        f"keep {workdir / SECRET_FILE} (the user-key secret) too: without it the backup "
        "cannot be read"
    )
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT key, value FROM beacon_meta").fetchall() == [
        ("user_key_fingerprint", "f1")
    ]
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    copy.close()
    assert target.stat().st_mode & 0o777 == 0o600
    before = target.read_bytes()
    assert db(capsys, "backup", str(target)) == (
        2, [], [f"db backup: {target} exists; a backup never overwrites a file, name a new one"]
    )  # fmt: skip
    assert target.read_bytes() == before


def test_backup_of_a_missing_sqlite_file_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Backing up a database that was never made is one line and status 2, leaving no file."""
    status, out, err = db(capsys, "backup", "copy.db")
    assert (status, out) == (2, [])
    assert err == [f"db backup: there is no SQLite file at {workdir / 'beacon.db'} to back up"]
    assert not (workdir / "copy.db").exists()


def test_backup_on_postgresql_prints_the_pg_dump_line_without_the_password(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """For PostgreSQL, `db backup` prints the pg_dump line for the configured database, never
    its password, and runs nothing (no server is reached, no file is made)."""
    url = f"postgresql+asyncpg://beacon:{PASSWORD}@db.example.org:5433/beacon_city"
    monkeypatch.setenv("DATABASE_URL", url)
    target = workdir / "beacon.dump"
    status, out, err = db(capsys, "backup", str(target))
    assert (status, out[0]) == (
        0,
        f"pg_dump --format=custom --file={target} --host=db.example.org --port=5433 "
        "--username=beacon --dbname=beacon_city",
    )
    assert err == [
        "Beacon does not run pg_dump: run the line above where it reaches the server, with the "
        "password in PGPASSWORD or ~/.pgpass"
    ]
    assert PASSWORD not in " ".join(out + err)
    assert not target.exists()
