"""The database locked or cut off: every tap is answered at once, every update is handled once
when the database is back, and no reply is lost.

SQLite is locked by another connection for 40 seconds; PostgreSQL is reached through a TCP
proxy the test cuts (the shared server itself is never touched)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core import texts
from bot.storage.sqlite_store import sqlite_path
from bot.testing.db_trouble import TroubleFigures, sqlite_lock, taps_during_trouble
from bot.testing.db_trouble import proxied_postgres as proxied_postgres_app
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import RUNTIMES

LOCK_SECONDS = 40.0
CUT_SECONDS = 15.0
APOLOGY = "Something went wrong on our side. Please try again in a moment."


def check(figures: TroubleFigures) -> None:
    """Every tap answered while the trouble lasted; afterwards every update handled once, each
    person shown each reply once, in order, and nothing left in the outbox."""
    print(figures)  # the figures, for whoever reads the test output (-s)
    assert figures.taps_answered_during == figures.taps, "a tap waited for the database"
    assert set(figures.answers) == {APOLOGY}
    assert figures.handled == figures.updates, "an update was handled twice or not at all"
    assert figures.left_in_outbox == 0, "a reply is still waiting in the outbox"
    for seen in figures.transcripts:
        assert len(seen) == 2 and seen[0] == "About Beacon" != seen[1], seen


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_locked_sqlite_database_answers_taps_and_loses_nothing(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """SQLite locked by another connection for 40 s: taps answered at once, all handled after."""
    lock = sqlite_lock(sqlite_path(app.settings.database_url), LOCK_SECONDS)
    check(await taps_during_trouble(fake, app, kind, lock))


@pytest.fixture
async def proxied_postgres(
    tmp_path: Path, postgres_server: str
) -> AsyncIterator[tuple[App, CuttableProxy]]:
    """Beacon on a fresh PostgreSQL database reached through a cuttable proxy."""
    async with proxied_postgres_app(postgres_server, tmp_path, "beacon_cut") as proxied:
        yield proxied


async def restore_after(proxy: CuttableProxy, seconds: float) -> None:
    """Restore the proxy after `seconds`."""
    await asyncio.sleep(seconds)
    proxy.restore()


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_cut_postgresql_connection_answers_taps_and_loses_nothing(
    fake: FakeTelegram, proxied_postgres: tuple[App, CuttableProxy], kind: str
) -> None:
    """Every PostgreSQL connection cut and refused for 15 s: taps answered, all handled after."""
    app, proxy = proxied_postgres

    async def cut() -> asyncio.Future[None]:
        """Cut every connection now; the future ends when the proxy is restored."""
        proxy.cut()
        return asyncio.ensure_future(restore_after(proxy, CUT_SECONDS))

    check(await taps_during_trouble(fake, app, kind, cut))
    assert proxy.refused > 0, "the cut never refused a connection"


def test_the_apology_is_the_shipped_text() -> None:
    """The tests above look for the text Beacon ships for a tap it could not act on."""
    assert texts.TRY_AGAIN.text == APOLOGY
