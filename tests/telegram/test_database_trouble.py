"""The database locked or cut off: every tap is answered at once, every update is handled once
when the database is back, and no reply is lost.

SQLite is locked by another connection for 40 seconds; PostgreSQL is reached through a TCP
proxy the test cuts (the shared server itself is never touched)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.app import App, build_app
from bot.core import texts
from bot.settings import Settings
from bot.storage.postgres_store import asyncpg_dsn
from bot.storage.sqlite_store import sqlite_path
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import Call, FakeTelegram
from bot.testing.simulator import FIXED_NOW
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import TelegramUser, running
from tests.telegram.conftest import RUNTIMES, new_user

LOCK_SECONDS = 40.0
CUT_SECONDS = 15.0
PEOPLE = 8
SECRET = "database-trouble-test-secret-0123456789abcdef"
APOLOGY = "Something went wrong on our side. Please try again in a moment."


def hold_lock(path: str, seconds: float, locked: threading.Event) -> None:
    """Hold SQLite's exclusive lock on the file for `seconds` (another process's writer)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        threading.Event().wait(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()


Trouble = Callable[[], Awaitable["asyncio.Future[None]"]]
"""Starts the database trouble; the future it returns ends with the trouble."""


async def trouble_then_recovery(fake: FakeTelegram, app: App, kind: str, begin: Trouble) -> None:
    """Open Beacon for some people, then while the trouble lasts have each tap a button and
    send a command; check taps are answered during it and everything is handled once after."""
    async with running(fake, app, kind, "polling") as runtime:
        users = [TelegramUser(fake, runtime, new_user()) for _ in range(PEOPLE)]
        for user in users:
            await user.act({"send": "/start"})
            fake.transcript_reset(user.user.id)
        trouble = await begin()
        taps = [user.start({"click": "About and privacy"}) for user in users]
        sends = [user.start({"send": "/help"}) for user in users]

        def answers() -> list[Call]:
            """Return the tap answers Telegram accepted."""
            return [c for c in fake.calls_to("answerCallbackQuery") if c.status == 200]

        for _ in range(300):
            if len(answers()) >= PEOPLE:
                break
            await asyncio.sleep(0.1)
        assert not trouble.done(), "the trouble ended before the taps were answered"
        assert len(answers()) == PEOPLE, "a tap waited for the database"
        assert {c.params.get("text") for c in answers()} == {APOLOGY}
        await trouble
        for update_id in taps + sends:
            await runtime.bridge.wait_handled(update_id, limit=120)
        for user in users:
            seen = fake.transcript(user.user.id)
            firsts = [entry["text"].split("\n")[0] for entry in seen if "text" in entry]
            assert len(firsts) == 2 and firsts[0] == "About Beacon" != firsts[1], seen
    async with app.database.connect() as connection:
        claimed = (
            await connection.exec_driver_sql("SELECT count(*) FROM processed_updates")
        ).scalar()
        left = (await connection.exec_driver_sql("SELECT count(*) FROM outbox")).scalar()
    assert claimed == PEOPLE * 3, "an update was handled twice or not at all"
    assert left == 0, "a reply is still waiting in the outbox"


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_locked_sqlite_database_answers_taps_and_loses_nothing(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """SQLite locked by another connection for 40 s: taps answered at once, all handled after."""
    path = sqlite_path(app.settings.database_url)

    async def lock() -> asyncio.Future[None]:
        """Take the lock in another thread; the future ends when it is released."""
        locked = threading.Event()
        held = asyncio.ensure_future(asyncio.to_thread(hold_lock, path, LOCK_SECONDS, locked))
        await asyncio.to_thread(locked.wait, 10)
        return held

    await trouble_then_recovery(fake, app, kind, lock)


@pytest.fixture
async def proxied_postgres(tmp_path: Path) -> AsyncIterator[tuple[App, CuttableProxy]]:
    """Beacon on a fresh PostgreSQL database reached through a cuttable proxy."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server (CI always sets it)")
    name = f"beacon_cut_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    proxy = CuttableProxy("127.0.0.1", 5432)
    await proxy.start()
    settings = Settings(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}",
        user_key_secret=SECRET,
        data_dir=tmp_path,
    )
    app = await build_app(settings, ManualClock(FIXED_NOW))
    try:
        yield app, proxy
    finally:
        await app.close()
        await proxy.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


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

    await trouble_then_recovery(fake, app, kind, cut)
    assert proxy.refused > 0, "the cut never refused a connection"


def test_the_apology_is_the_shipped_text() -> None:
    """The tests above look for the text Beacon ships for a tap it could not act on."""
    assert texts.TRY_AGAIN.text == APOLOGY
