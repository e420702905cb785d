"""Every bad setting or unusable dependency at start-up ends in one line that names the setting
and the problem, and exit status 2: each case runs `python -m bot` as a real process, in a
clean environment and its own folder, all of them at once."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from bot.settings import PROJECT_ROOT, SECRET_FILE, secret_fingerprint
from bot.storage.database import keep_fingerprint, make_engine, migrate
from bot.storage.revisions import behind, head
from bot.testing.keys import OTHER_USER_KEY_SECRET, TEST_USER_KEY_SECRET

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"
PASSWORD = "pw-" + uuid.uuid4().hex
"""Put in every PostgreSQL URL (the server trusts local logins); no line may show it."""
SERVER = os.environ.get("TEST_DATABASE_URL", "")
"""The PostgreSQL server to make a database and a role on; its cases are skipped without it."""
LINE = "Beacon will not start: "


@dataclass(frozen=True, slots=True)
class Case:
    """A start-up that must be refused: its command and settings, and what its line says."""

    name: str
    command: tuple[str, ...]
    settings: Mapping[str, str]
    setting: str
    words: str
    hidden: tuple[str, ...] = ()
    server: bool = False
    """Needs the PostgreSQL server of TEST_DATABASE_URL."""
    logs: bool = False
    """Runs on Telegram, where log lines (such as each retry) come before the one line."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a refused start left: its exit status, its stderr and the folder it ran in."""

    status: int
    stderr: str
    folder: Path


@dataclass(frozen=True, slots=True)
class Places:
    """Where the cases run: a folder each, a port nobody serves, the name of a rightless role."""

    root: Path
    free_port: int
    rightless: str

    @property
    def made(self) -> Path:
        """The SQLite database made in advance with TEST_USER_KEY_SECRET."""
        return self.root / "made" / "beacon.db"

    @property
    def behind(self) -> Path:
        """A SQLite database whose schema is two revisions behind head."""
        return self.root / "made" / "behind.db"

    @property
    def ahead(self) -> Path:
        """A SQLite database migrated by a newer Beacon (at a revision this one lacks)."""
        return self.root / "made" / "ahead.db"

    @property
    def elsewhere(self) -> Path:
        """A folder without that database's secret file."""
        return self.root / "elsewhere"


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_address() -> str:
    """Return TEST_DATABASE_URL's host:port (the usual one when it is not set)."""
    return SERVER.split("@", 1)[1].split("/", 1)[0] if "@" in SERVER else "127.0.0.1:5432"


def server_dsn(database: str = "postgres") -> str:
    """Return an asyncpg DSN for a database on TEST_DATABASE_URL's server, as postgres."""
    return f"postgresql://postgres@{server_address()}/{database}"


def pg_url(database: str, user: str = "postgres", port: int | None = None) -> str:
    """Return Beacon's URL for a database, with PASSWORD in it, on the server or a port."""
    host = f"127.0.0.1:{port}" if port else server_address()
    return f"postgresql+asyncpg://{user}:{PASSWORD}@{host}/{database}"


def cases(places: Places) -> list[Case]:
    """Return every start-up that must be refused, for the folders and databases in places."""
    sqlite = f"sqlite+aiosqlite:///{places.made}"
    rightless = places.rightless
    weak = "changeme" * 5
    return [
        Case("secret_short", ("purge",), {"USER_KEY_SECRET": TEST_USER_KEY_SECRET[:20]},
             "USER_KEY_SECRET", "shorter than 32 characters", (TEST_USER_KEY_SECRET[:20],)),
        Case("secret_empty", ("purge",), {"USER_KEY_SECRET": ""},
             "USER_KEY_SECRET", "is empty; make a strong one with: python -c"),
        Case("secret_weak", ("purge",), {"USER_KEY_SECRET": weak},
             "USER_KEY_SECRET", "looks like a placeholder", (weak,)),
        Case("auto_migrate", ("purge",), {"AUTO_MIGRATE": "maybe"},
             "AUTO_MIGRATE", "must be true or false"),
        Case("schema_behind", ("verify", "BCN-0000-0000-0000"),
             {"DATABASE_URL": f"sqlite+aiosqlite:///{places.behind}",
              "USER_KEY_SECRET": TEST_USER_KEY_SECRET},
             "DATABASE_URL",
             f"is at revision 0008, {behind('0008')} behind this Beacon's {head()}; back it up, "
             "then run `python -m bot db upgrade` (or set AUTO_MIGRATE=true"),
        Case("schema_behind_campaign", ("campaign", "stats"),
             {"DATABASE_URL": f"sqlite+aiosqlite:///{places.behind}"},
             "DATABASE_URL", f"is at revision 0008, {behind('0008')} behind"),
        Case("schema_ahead", ("verify", "BCN-0000-0000-0000"),
             {"DATABASE_URL": f"sqlite+aiosqlite:///{places.ahead}", "AUTO_MIGRATE": "true",
              "USER_KEY_SECRET": TEST_USER_KEY_SECRET},
             "DATABASE_URL", "is at revision 0099, which this Beacon does not know"),
        Case("log_level", ("purge",), {"LOG_LEVEL": "chatty"},
             "LOG_LEVEL", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        Case("sqlite_folder", ("db", "upgrade"),
             {"DATABASE_URL": f"sqlite+aiosqlite:///{places.root / 'missing' / 'b.db'}"},
             "DATABASE_URL", f"the folder {places.root / 'missing'} for the SQLite file"),
        Case("postgres_refuses", ("db", "upgrade"),
             {"DATABASE_URL": pg_url("beacon", port=places.free_port)},
             "DATABASE_URL", f"127.0.0.1:{places.free_port} (connection refused)", (PASSWORD,)),
        Case("postgres_no_database", ("db", "upgrade"),
             {"DATABASE_URL": pg_url(f"beacon_does_not_exist_{uuid.uuid4().hex[:8]}")},
             "DATABASE_URL", "does not exist", (PASSWORD,), server=True),
        Case("postgres_no_rights", ("purge",),
             {"DATABASE_URL": pg_url(rightless, user=rightless)},
             "DATABASE_URL", f"the role {rightless!r} lacks rights", (PASSWORD,), server=True),
        Case("default_locale", ("verify", "BCN-0000-0000-0000"),
             {"DEFAULT_LOCALE": "de", "DATABASE_URL": sqlite},
             "DEFAULT_LOCALE", "'de' is not a shipped language"),
        Case("default_place", ("verify", "BCN-0000-0000-0000"),
             {"DEFAULT_PLACE": "ZZ-QQ", "DATABASE_URL": sqlite},
             "DEFAULT_PLACE", "'ZZ-QQ' is not a place the hotline directory covers"),
        Case("campaign_place", ("campaign", "create", "fair", "--entry", "report"),
             {"DEFAULT_PLACE": "ZZ", "BOT_USERNAME": "BeaconTestBot", "DATABASE_URL": sqlite},
             "DEFAULT_PLACE", "'ZZ' is not a place"),
        Case("webhook_http", ("run",),
             {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://beacon.example.org/telegram",
              "BOT_API_URL": f"http://127.0.0.1:{places.free_port}"},
             "WEBHOOK_URL", "must start with https://", (TOKEN,)),
        Case("telegram_unreachable", ("run",),
             {"BOT_TOKEN": TOKEN, "BOT_API_URL": f"http://127.0.0.1:{places.free_port}",
              "USER_KEY_SECRET": TEST_USER_KEY_SECRET},
             "BOT_API_URL", f"Telegram is unreachable at 127.0.0.1:{places.free_port}", (TOKEN,),
             logs=True),
        Case("secret_mismatch", ("verify", "BCN-0000-0000-0000"),
             {"USER_KEY_SECRET": OTHER_USER_KEY_SECRET, "DATABASE_URL": sqlite},
             "USER_KEY_SECRET", "is not the secret this database was made with",
             (OTHER_USER_KEY_SECRET, TEST_USER_KEY_SECRET)),
        Case("org_secret_mismatch", ("org", "stats", "City"),
             {"USER_KEY_SECRET": OTHER_USER_KEY_SECRET, "DATABASE_URL": sqlite},
             "USER_KEY_SECRET", "is not the secret this database was made with",
             (OTHER_USER_KEY_SECRET, TEST_USER_KEY_SECRET)),
        Case("workers_polling", ("run", "--workers", "3"), {"BOT_TOKEN": TOKEN},
             "WEBHOOK_URL", "long polling is one process; set WEBHOOK_URL for --workers 3",
             (TOKEN,)),
        Case("workers_redis", ("run", "--workers", "2"), {"WEB_PORT": str(places.free_port)},
             "REDIS_URL", "--workers 2 share their rate limits"),
        Case("workers_sqlite", ("run", "--workers", "2"),
             {"WEB_PORT": str(places.free_port), "REDIS_URL": "redis://127.0.0.1:6379/0"},
             "DATABASE_URL", "--workers 2 need PostgreSQL (SQLite has one writer)"),
        Case("worker_id", ("run",), {"WORKER_ID": "-1"},
             "WORKER_ID", "greater than or equal to 0"),
        Case("web_port", ("web",), {"WEB_PORT": "eighty"},
             "WEB_PORT", "Input should be a valid integer"),
        Case("web_port_range", ("run",), {"WEB_PORT": "70000"},
             "WEB_PORT", "less than or equal to 65535"),
        Case("web_exit_url", ("web",), {"WEB_EXIT_URL": "http://weather.example.org/"},
             "WEB_EXIT_URL", "must be an https:// URL of a neutral site"),
        Case("public_url", ("web",), {"PUBLIC_URL": "http://beacon.example.org"},
             "PUBLIC_URL", "must start with https:// (the session cookie"),
        Case("web_title", ("web",), {"WEB_TITLE": "B" * 61},
             "WEB_TITLE", "must be 1-60 printable characters on one line"),
        Case("web_session_minutes", ("web",), {"WEB_SESSION_MINUTES": "0"},
             "WEB_SESSION_MINUTES", "greater than or equal to 1"),
        Case("kiosk_idle_seconds", ("web",), {"KIOSK_IDLE_SECONDS": "0"},
             "KIOSK_IDLE_SECONDS", "greater than or equal to 1"),
        Case("kiosk_idle_seconds_text", ("run",), {"KIOSK_IDLE_SECONDS": "ninety"},
             "KIOSK_IDLE_SECONDS", "Input should be a valid integer"),
        Case("redis_url", ("web",), {"REDIS_URL": "http://127.0.0.1:6379"},
             "REDIS_URL", "must be a redis:// or rediss:// URL"),
        Case("telegram_rate", ("web",), {"TELEGRAM_RATE": "-5"},
             "TELEGRAM_RATE", "greater than or equal to 0"),
        Case("telegram_chat_burst", ("web",), {"TELEGRAM_CHAT_BURST": "0"},
             "TELEGRAM_CHAT_BURST", "greater than or equal to 1"),
        Case("telegram_group_per_minute", ("web",), {"TELEGRAM_GROUP_PER_MINUTE": "many"},
             "TELEGRAM_GROUP_PER_MINUTE", "Input should be a valid number"),
        Case("secret_file_missing", ("web",), {"USER_KEY_SECRET_FILE": "/run/secrets/absent"},
             "USER_KEY_SECRET_FILE", "cannot read /run/secrets/absent: No such file or directory"),
        Case("web_trusted_proxies", ("web",), {"WEB_TRUSTED_PROXIES": "10.0.0.0/8,proxy.lan"},
             "WEB_TRUSTED_PROXIES", "'proxy.lan' is not an IP address or CIDR"),
        Case("web_port_is_the_webhook_s", ("run",),
             {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://beacon.example.org/telegram",
              "WEB_PORT": "8080", "BOT_API_URL": f"http://127.0.0.1:{places.free_port}",
              "USER_KEY_SECRET": TEST_USER_KEY_SECRET},
             "WEB_PORT", "8080 is the Telegram webhook's port too", (TOKEN,), logs=True),
        Case("ops_port", ("run",), {"OPS_PORT": "metrics"},
             "OPS_PORT", "Input should be a valid integer"),
        Case("ops_port_range", ("web",), {"OPS_PORT": "0"},
             "OPS_PORT", "greater than or equal to 1"),
        Case("ops_port_is_the_web_s", ("web",),
             {"OPS_PORT": "8080", "USER_KEY_SECRET": TEST_USER_KEY_SECRET},
             "OPS_PORT", "8080 is the web chat's port too", logs=True),
        Case("log_format", ("purge",), {"LOG_FORMAT": "xml"},
             "LOG_FORMAT", "must be text or json"),
        Case("prometheus_multiproc_dir", ("purge",),
             {"PROMETHEUS_MULTIPROC_DIR": str(places.root / "no-metrics-here")},
             "PROMETHEUS_MULTIPROC_DIR", "does not exist; create it first"),
        Case("no_secret_elsewhere", ("verify", "BCN-0000-0000-0000"), {"DATABASE_URL": sqlite},
             "USER_KEY_SECRET", f"is not set and there is no {places.elsewhere / SECRET_FILE}"),
    ]  # fmt: skip


def environment(settings: Mapping[str, str], home: Path) -> dict[str, str]:
    """Return a clean environment: the interpreter's path, Beacon on PYTHONPATH, the settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "HOME": str(home),
        **settings,
    }


async def start(case: Case, folder: Path) -> Outcome:
    """Run `python -m bot <command>` for a case in its folder; return how it ended."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *case.command,
        cwd=folder, env=environment(case.settings, folder),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Outcome(process.returncode, stderr.decode(), folder)


@asynccontextmanager
async def rightless_role(name: str) -> AsyncIterator[None]:
    """Make a database and a login role of that name with no rights in it; drop both after."""
    if not SERVER:
        yield
        return
    admin = await asyncpg.connect(server_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.execute(f'CREATE ROLE "{name}" LOGIN')
        inside = await asyncpg.connect(server_dsn(name))
        try:  # PostgreSQL 15 does this by default; older servers let everyone create tables
            await inside.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        finally:
            await inside.close()
        yield
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()


async def made_with_test_secret(path: Path) -> None:
    """Make a migrated SQLite database that records TEST_USER_KEY_SECRET's fingerprint."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
        await keep_fingerprint(engine, secret_fingerprint(TEST_USER_KEY_SECRET.encode()))
    finally:
        await engine.dispose()


async def made_at(path: Path, revision: str, *statements: str) -> None:
    """Make a SQLite database migrated to `revision`, then run the statements on it."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine, revision)
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def folder_of(places: Places, case: Case) -> Path:
    """Return the folder a case runs in: its own, or the one without the secret file."""
    return places.elsewhere if case.name == "no_secret_elsewhere" else places.root / case.name


async def run_all(places: Places) -> dict[str, Outcome]:
    """Start every case at once and return how each ended, by name."""
    await made_with_test_secret(places.made)
    await made_at(places.behind, "0008")
    await made_at(places.ahead, "head", "UPDATE alembic_version SET version_num = '0099'")
    async with rightless_role(places.rightless):
        chosen = [c for c in cases(places) if SERVER or not c.server]
        ended = await asyncio.gather(*(start(c, folder_of(places, c)) for c in chosen))
    return {case.name: outcome for case, outcome in zip(chosen, ended, strict=True)}


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Places:
    """The folders, databases and free port every case uses."""
    rightless = f"beacon_rightless_{uuid.uuid4().hex[:8]}"
    return Places(tmp_path_factory.mktemp("startup"), free_port(), rightless)


@pytest.fixture(scope="module")
def outcomes(places: Places) -> Iterator[dict[str, Outcome]]:
    """How every case ended (all run together, once per module)."""
    for folder in [places.made.parent, *(folder_of(places, c) for c in cases(places))]:
        folder.mkdir()
    yield asyncio.run(run_all(places))


CASE_NAMES = [case.name for case in cases(Places(Path("/"), 0, ""))]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_bad_start_is_one_line_naming_the_setting(
    name: str, places: Places, outcomes: dict[str, Outcome]
) -> None:
    """The process exits with status 2 and prints exactly one line, `Beacon will not start:
    SETTING: problem`, with no secret, password or token in it."""
    case = next(c for c in cases(places) if c.name == name)
    if case.server and not SERVER:
        pytest.skip("needs TEST_DATABASE_URL (a PostgreSQL server to make a database on)")
    outcome = outcomes[name]
    lines = outcome.stderr.strip().splitlines()
    if case.logs:  # only event lines before it: `<date> <time> LEVEL beacon.<name> <event> ...`
        *before, last = lines
        assert all(line.split()[3].startswith("beacon.") for line in before), outcome.stderr
        assert "Traceback" not in outcome.stderr
        lines = [last]
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith(f"{LINE}{case.setting}: "), lines[0]
    assert case.words in lines[0], lines[0]
    for hidden in case.hidden:
        assert hidden not in outcome.stderr
    assert outcome.status == 2, outcome.stderr


def test_a_command_elsewhere_makes_no_new_secret(
    places: Places, outcomes: dict[str, Outcome]
) -> None:
    """Run from another folder against a database made with a secret, Beacon refuses (above)
    and leaves no new secret file behind; so do the cases that were refused on a setting."""
    assert outcomes["no_secret_elsewhere"].status == 2
    assert not (places.elsewhere / SECRET_FILE).exists()
    assert not any((outcome.folder / SECRET_FILE).exists() for outcome in outcomes.values())
