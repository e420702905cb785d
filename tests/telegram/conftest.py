"""Fixtures for the Telegram tests: a fake Bot API server and a Beacon app on a fresh database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.settings import Settings
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.simulator import FIXED_NOW

RUNTIMES = ["aiogram", "ptb"]
MODES = ["polling", "webhook"]
_user_ids = itertools.count(10_001)


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
    )
    built = await build_app(settings, clock)
    yield built
    await built.close()


def new_user(language_code: str | None = "en") -> FakeUser:
    """Return a Telegram user nobody has used yet."""
    number = next(_user_ids)
    return FakeUser(number, f"User{number}", language_code)
