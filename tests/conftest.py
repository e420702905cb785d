"""Shared fixtures: shipped content, databases to test on, a fake Bot API server and a Beacon app
on a test clock. Helpers live in bot.testing; no test module imports another."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.content.bundle import Content
from bot.content.loader import load_content
from bot.i18n.catalogs import Catalogs
from bot.logs import PAYLOAD_LIBRARIES, QUIET_LIBRARIES
from bot.settings import PROJECT_ROOT, Settings
from bot.testing.clocks import FIXED_NOW, ManualClock, sleep_safely_under_faketime
from bot.testing.database import Database, database_urls, open_database
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.scale import ScaleError, current_scale
from bot.testing.shipped import DIALOGUES


def pytest_configure(config: pytest.Config) -> None:
    """Keep time.sleep working under CI's shifted clock; refuse a BEACON_TEST_SCALE other
    than `full` or `reduced` before any test runs."""
    sleep_safely_under_faketime()
    try:
        current_scale()
    except ScaleError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--rewrite-transcripts` to record golden transcripts anew, and
    `--write-screenshots` to write the web chat's screenshots into docs/images/web."""
    parser.addoption(
        "--rewrite-transcripts",
        action="store_true",
        help="write what Beacon answers into the golden transcripts instead of comparing",
    )
    parser.addoption(
        "--write-screenshots",
        action="store_true",
        help="write the browser suite's phone-size screenshots into docs/images/web",
    )


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put the root logger and the libraries' levels back as they were after each test (a command
    run in-process points the root logger at that test's captured stderr, closed afterwards)."""
    root = logging.getLogger()
    names = (*PAYLOAD_LIBRARIES, *QUIET_LIBRARIES)
    handlers, level = root.handlers[:], root.level
    levels = [logging.getLogger(name).level for name in names]
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in zip(names, levels, strict=True):
        logging.getLogger(name).setLevel(saved)


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


@pytest.fixture(params=database_urls())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, or a fresh schema on the PostgreSQL server."""
    async with open_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def postgres_server() -> str:
    """Return the PostgreSQL server's URL (TEST_DATABASE_URL); in CI a missing one fails, as
    CI always sets it; elsewhere the test is skipped."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set TEST_DATABASE_URL")
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server (CI always sets it)")
    return url


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API server; every request Beacon made must have passed the Bot API check."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert server.violations == [], server.violations


@pytest.fixture
def clock() -> ManualClock:
    """Beacon's clock in a test: noon UTC on the day the golden transcripts were recorded."""
    return ManualClock(FIXED_NOW)


@pytest.fixture
async def app(tmp_path: Path, clock: ManualClock) -> AsyncIterator[App]:
    """Beacon with the shipped content on a fresh SQLite database, on the test's clock."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}",
        user_key_secret=TEST_USER_KEY_SECRET,
        data_dir=tmp_path,
        bot_token=None,
        telegram_rate=0,  # no limits: tests of Telegram's limits set their own
    )
    built = await build_app(settings, clock)
    yield built
    await built.close()
