"""Beacon's fault figures, each from a real run: replies lost and repeated after SIGKILL,
taps answered while the database is locked or cut off, memory under oversized webhook bodies,
and Telegram's updates answered while clients trickle.

Usage: python bench/faults.py [--runtimes aiogram ptb] [--tiny] [--no-postgres]
`--tiny` runs every scenario at a small size (CI runs it so this script cannot rot); the full
size is what the tests check. Everything binds to 127.0.0.1 and every scenario ends by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.app import build_app
from bot.logs import configure
from bot.settings import Settings
from bot.storage.postgres_store import asyncpg_dsn
from bot.storage.sqlite_store import sqlite_path
from bot.testing.clocks import ManualClock
from bot.testing.crash import crash_and_restart
from bot.testing.db_trouble import Trouble, TroubleFigures, sqlite_lock, taps_during_trouble
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.simulator import FIXED_NOW
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.webhook_process import attack_bot

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Sizes:
    """How large each scenario is."""

    crash: dict[str, tuple[int, int]]
    """Updates and users of the burst, per receiving mode."""
    lock: float
    cut: float
    bodies: int
    body_size: int
    connections: int
    trickle_seconds: float


FULL = Sizes({"polling": (2000, 200), "webhook": (600, 60)}, 40.0, 15.0, 10, 50 * MIB, 1100, 10.0)
TINY = Sizes({"polling": (100, 10), "webhook": (40, 4)}, 6.0, 3.0, 2, 2 * MIB, 50, 2.0)


def trouble_line(label: str, figures: TroubleFigures) -> str:
    """Return one line of the database table."""
    return (
        f"{label:<34} {figures.taps_answered_during:>3}/{figures.taps:<3} "
        f"{figures.slowest_tap_answer:8.2f} {figures.handled:>4}/{figures.updates:<4} "
        f"{figures.left_in_outbox:>6} {figures.recovery_seconds:9.2f}"
    )


async def database_trouble(kind: str, url: str | None, seconds: float, tmp: Path) -> str:
    """Run the lock (SQLite) or cut (PostgreSQL through a proxy) scenario; return its line."""
    fake = FakeTelegram()
    await fake.start()
    proxy: CuttableProxy | None = None
    name = f"beacon_faults_{uuid.uuid4().hex[:8]}"
    try:
        if url is None:
            database = f"sqlite+aiosqlite:///{tmp / f'{kind}-lock.db'}"
        else:
            admin = await asyncpg.connect(asyncpg_dsn(url))
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
            proxy = CuttableProxy("127.0.0.1", 5432)
            await proxy.start()
            database = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}"
        settings = Settings(
            database_url=database,
            user_key_secret=TEST_USER_KEY_SECRET,
            data_dir=tmp,
            telegram_rate=0,
        )
        app = await build_app(settings, ManualClock(FIXED_NOW))
        try:
            trouble: Trouble
            if proxy is None:
                trouble = sqlite_lock(sqlite_path(database), seconds)
            else:
                trouble = cut_for(proxy, seconds)
            figures = await taps_during_trouble(fake, app, kind, trouble)
        finally:
            await app.close()
    finally:
        await fake.stop()
        if proxy is not None:
            await proxy.stop()
            admin = await asyncpg.connect(asyncpg_dsn(url or ""))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    what = f"SQLite locked {seconds:g} s" if proxy is None else f"PostgreSQL cut {seconds:g} s"
    return trouble_line(f"{kind} {what}", figures)


def cut_for(proxy: CuttableProxy, seconds: float) -> Trouble:
    """Return a trouble that cuts the proxy for `seconds`."""

    async def restore_later() -> None:
        """Restore the proxy after the cut."""
        await asyncio.sleep(seconds)
        proxy.restore()

    async def begin() -> asyncio.Future[None]:
        """Cut now; the future ends when the proxy is restored."""
        proxy.cut()
        return asyncio.ensure_future(restore_later())

    return begin


async def main() -> None:
    """Run every scenario and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runtimes", nargs="+", default=["aiogram", "ptb"])
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    configure("ERROR")  # the scenarios provoke warnings on purpose; only figures are printed
    size = TINY if args.tiny else FULL
    print(f"{'SIGKILL mid-burst, then restart':<34} {'updates':>7} {'before kill':>11} "
          f"{'lost':>5} {'repeated':>8} {'most in a chat':>14}")  # fmt: skip
    for kind in args.runtimes:
        for mode, (updates, users) in size.crash.items():
            with tempfile.TemporaryDirectory() as tmp:
                c = await crash_and_restart(Path(tmp), kind, mode, updates, users)
            label = f"{kind} {mode}"
            print(f"{label:<34} {c.updates:>7} {c.replied_before_kill:>11} {c.lost:>5} "
                  f"{c.repeated:>8} {c.most_repeated_in_a_chat:>14}", flush=True)  # fmt: skip
    print(f"\n{'database trouble':<34} {'taps answered':>13} {'slowest s':>8} {'handled':>9} "
          f"{'outbox':>6} {'recovery s':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.runtimes:
            print(await database_trouble(kind, None, size.lock, Path(tmp)), flush=True)
            if not args.no_postgres:
                line = await database_trouble(kind, args.postgres, size.cut, Path(tmp))
                print(line, flush=True)
    print(f"\nwebhook process (1,024 files): {size.bodies} x {size.body_size // MIB} MB bodies "
          f"with a wrong secret; {size.connections} trickling clients for "
          f"{size.trickle_seconds:g} s")  # fmt: skip
    print(f"{'runtime':<10} {'statuses':>9} {'memory rise MB':>14} {'server files':>12} "
          f"{'answered':>9} {'slowest reply s':>15}")  # fmt: skip
    for kind in args.runtimes:
        with tempfile.TemporaryDirectory() as tmp:
            w = await attack_bot(
                Path(tmp), kind, bodies=size.bodies, body_size=size.body_size,
                connections=size.connections, seconds=size.trickle_seconds,
            )  # fmt: skip
        statuses = ",".join(sorted({str(s) for s in w.bodies.statuses}))
        rise = (w.bodies.rss_rise_kib or 0) / 1024
        print(f"{kind:<10} {statuses:>9} {rise:14.1f} {w.trickle.server_files_peak or 0:>12} "
              f"{w.answered:>4}/{w.updates:<4} {w.slowest_reply:15.2f}", flush=True)  # fmt: skip
    print(f"\n{os.cpu_count()} cores; figures from one run each")


if __name__ == "__main__":
    asyncio.run(main())
