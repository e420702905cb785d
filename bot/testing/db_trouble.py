"""The database locked or cut off while people tap and type: how fast their taps are answered,
and whether every update is handled once when the database is back. Used by the database fault
tests and by `bench/faults.py`.

SQLite is locked by another connection (`hold_lock`); PostgreSQL is reached through a proxy the
caller cuts (`bot.testing.tcp_proxy`), never by touching the server."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, make_url, select

from bot.app import App, build_app
from bot.settings import Settings
from bot.storage.tables import OutboxEntry, ProcessedUpdate, table
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import fresh_database
from bot.testing.fake_telegram import Call, FakeTelegram, FakeUser
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import TelegramUser, running

WATCH_STEPS = 12_000
"""Twenty-minute bound on watching for tap answers, in 50 ms steps."""
Trouble = Callable[[], Awaitable["asyncio.Future[None]"]]
"""Starts the database trouble; the future it returns ends with the trouble."""


@dataclass(frozen=True, slots=True)
class TroubleFigures:
    """What people met while the database was unavailable, and after."""

    taps: int
    taps_answered_during: int
    slowest_tap_answer: float
    """Seconds from a tap being queued to its answer, at worst."""
    answers: tuple[str | None, ...]
    """The texts the taps were answered with."""
    updates: int
    handled: int
    """Updates claimed in the database afterwards (each at most once, by its key)."""
    left_in_outbox: int
    transcripts: tuple[tuple[str, ...], ...]
    """Each person's replies after the trouble began, by their first line."""
    recovery_seconds: float
    """From the end of the trouble until every update was handled and delivered."""


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


def sqlite_lock(path: str, seconds: float) -> Trouble:
    """Return a trouble that locks the SQLite file at `path` for `seconds`."""

    async def begin() -> asyncio.Future[None]:
        """Take the lock in another thread; the future ends when it is released."""
        locked = threading.Event()
        held = asyncio.ensure_future(asyncio.to_thread(hold_lock, path, seconds, locked))
        await asyncio.to_thread(locked.wait, 10)
        return held

    return begin


async def taps_during_trouble(
    fake: FakeTelegram, app: App, kind: str, begin: Trouble, people: int = 8
) -> TroubleFigures:
    """Open Beacon for some people; while the trouble lasts have each tap a button and send a
    command; measure how their taps were answered, and what was handled after."""
    async with running(fake, app, kind, "polling") as runtime:
        users = [TelegramUser(fake, runtime, FakeUser(300_000 + n, f"D{n}")) for n in range(people)]
        for user in users:
            await user.act({"send": "/start"})
            fake.transcript_reset(user.user.id)
        trouble = await begin()
        taps = [user.start({"click": "About and privacy"}) for user in users]
        sends = [user.start({"send": "/help"}) for user in users]

        def answered() -> list[Call]:
            """Return the tap answers Telegram accepted."""
            return [c for c in fake.calls_to("answerCallbackQuery") if c.status == 200]

        for _ in range(WATCH_STEPS):  # bounded: the trouble ends by itself
            if trouble.done() or len(answered()) >= len(taps):
                break
            await asyncio.sleep(0.05)
        during = answered()
        queued = fake.update_times
        slowest = max((c.at - min(queued[u] for u in taps) for c in during), default=0.0)
        await trouble
        ended = time.monotonic()
        for update_id in taps + sends:
            await runtime.bridge.wait_handled(update_id, limit=180)
        recovery = time.monotonic() - ended
        transcripts = tuple(
            tuple(e["text"].split("\n")[0] for e in fake.transcript(u.user.id) if "text" in e)
            for u in users
        )
    async with app.database.connect() as connection:
        handled = await connection.scalar(select(func.count()).select_from(table(ProcessedUpdate)))
        left = await connection.scalar(select(func.count()).select_from(table(OutboxEntry)))
    return TroubleFigures(
        taps=len(taps), taps_answered_during=len(during), slowest_tap_answer=slowest,
        answers=tuple(c.params.get("text") for c in during), updates=len(taps + sends),
        handled=int(handled or 0) - people, left_in_outbox=int(left or 0),
        transcripts=transcripts, recovery_seconds=recovery,
    )  # fmt: skip


@asynccontextmanager
async def proxied_postgres(
    server_url: str, data_dir: Path, prefix: str
) -> AsyncIterator[tuple[App, CuttableProxy]]:
    """Yield Beacon on a fresh database of the PostgreSQL server of `server_url`, reached
    through a cuttable proxy (never touching the server); drop both afterwards."""
    async with fresh_database(server_url, prefix) as (name, host):
        target, _, port = host.partition(":")
        proxy = CuttableProxy(target, int(port or 5432))
        await proxy.start()
        try:
            through = make_url(server_url).set(host="127.0.0.1", port=proxy.port, database=name)
            url = through.render_as_string(hide_password=False)
            settings = Settings(
                database_url=url, user_key_secret=TEST_USER_KEY_SECRET, data_dir=data_dir
            )
            app = await build_app(settings, ManualClock(FIXED_NOW))
            try:
                yield app, proxy
            finally:
                await app.close()
        finally:
            await proxy.stop()
