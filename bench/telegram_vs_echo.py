"""Beacon against a bare echo bot of the same library, on the same fake Bot API server.

Usage: python bench/telegram_vs_echo.py [--runtimes aiogram ptb] [--users 500] [--rate 100]
                                        [--seconds 10] [--postgres URL | --no-postgres]

For each runtime, in one run: the echo bot, then Beacon on SQLite, then Beacon on PostgreSQL,
each as its own process (`python -m bot run` for Beacon) against a fresh fake server in this
process. Two loads each: a burst of users x 10 updates (throughput: updates/s until the last
reply), and a paced load (latency from an update being queued to its first reply, p50/p99).
It also prints the bot process's CPU time per update in the burst (user + system, read from
/proc): on a shared, busy machine it moves much less than updates/s does.
Every update is answered by exactly one sendMessage, from Beacon and from the echo bot alike;
the burst only counts as done when all of them arrived. Everything is bounded and local.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.settings import PROJECT_ROOT
from bot.storage.postgres_store import asyncpg_dsn
from bot.testing.fake_telegram import FakeTelegram, FakeUser

SCRIPT = [
    ("send", "/start"), ("tap", "1.1.c1"), ("tap", "1.2.pUS"), ("tap", "1.3.pUS_AZ"),
    ("tap", "1.4.c1"), ("tap", "1.5.n"), ("send", "/menu"), ("tap", "1.7.c0"),
    ("tap", "1.8.c0"), ("tap", "1.9.h"),
]  # fmt: skip
"""One user's updates: report flow (United States, Arizona) to the child channels, then the
course, then home.

Each step is valid for Beacon at the revision it carries, so every one gets a full reply."""
DONE_LIMIT = 300.0


@dataclass(frozen=True)
class Figures:
    """What one bot did: burst throughput and paced latency."""

    updates_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    """The bot's CPU time per update in the burst (NaN where /proc cannot tell)."""


def cpu_seconds(pid: int) -> float:
    """Return a process's CPU time so far (user + system) from /proc, or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Load:
    """Drives simulated users against a fake server and measures the replies."""

    def __init__(self, fake: FakeTelegram) -> None:
        """Load `fake`, numbering users from a fresh base."""
        self.fake = fake
        self.next_user = 1_000_000
        self._seen_calls = 0
        self._replies: list[float] = []

    def people(self, count: int) -> list[FakeUser]:
        """Return users nobody has used yet."""
        start, self.next_user = self.next_user, self.next_user + count
        return [FakeUser(n, f"U{n}") for n in range(start, start + count)]

    def queue(self, person: FakeUser, step: tuple[str, str]) -> int:
        """Queue one scripted update; return its id."""
        kind, value = step
        if kind == "send":
            return self.fake.send_text(person, value)
        return self.fake.tap(person, None, value)

    def replies(self) -> list[float]:
        """Return the arrival times of successful sendMessage calls so far (read incrementally)."""
        calls = self.fake.calls
        for call in calls[self._seen_calls :]:
            if call.method == "sendMessage" and call.status == 200:
                self._replies.append(call.at)
        self._seen_calls = len(calls)
        return self._replies

    async def wait_replies(self, count: int) -> float:
        """Wait until `count` replies arrived; return the arrival time of the last."""
        deadline = time.monotonic() + DONE_LIMIT
        while time.monotonic() < deadline:
            arrived = self.replies()
            if len(arrived) >= count:
                return sorted(arrived)[count - 1]
            await asyncio.sleep(0.02)
        raise TimeoutError(f"only {len(self.replies())} of {count} replies arrived")

    async def burst(self, users: int) -> float:
        """Queue users x 10 updates at once; return updates per second until the last reply."""
        people = self.people(users)
        before = len(self.replies())
        started = time.monotonic()
        ids = [self.queue(person, step) for step in SCRIPT for person in people]
        finished = await self.wait_replies(before + len(ids))
        return len(ids) / (finished - started)

    async def paced(self, rate: float, seconds: float) -> tuple[float, float]:
        """Queue updates at `rate` per second for `seconds`; return (p50, p99) latency in ms."""
        total = int(rate * seconds)
        people = self.people(max(1, total // len(SCRIPT)))
        schedule = [(person, step) for step in SCRIPT for person in people][:total]
        started = time.monotonic()
        ids = []
        for index, (person, step) in enumerate(schedule):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            ids.append(self.queue(person, step))
        deadline = time.monotonic() + DONE_LIMIT
        while any(self.fake.first_reply_after(u) is None for u in ids):
            if time.monotonic() > deadline:
                raise TimeoutError("paced replies did not all arrive")
            await asyncio.sleep(0.02)
        queued = self.fake.update_times
        latencies = sorted((self.fake.first_reply_after(u) or 0.0) - queued[u] for u in ids)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return statistics.median(latencies) * 1000, p99 * 1000


async def measure(command: list[str], env: dict[str, str], args: argparse.Namespace) -> Figures:
    """Start a bot process against a fresh fake server, load it, stop it, return its figures."""
    fake = FakeTelegram(strict=False)
    await fake.start()
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall the bot
        process = await asyncio.create_subprocess_exec(
            *command,
            env={**env, "BOT_API_URL": fake.base_url, "BOT_TOKEN": fake.token,
                 "TELEGRAM_RATE": "0"},
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            figures = await load_bot(fake, process, args)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
            await fake.stop()
        log.seek(0)
        stderr = log.read().decode(errors="replace")
    if fake.violations:
        raise RuntimeError(f"Bot API violations: {fake.violations[:3]}")
    if process.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(stderr[-2000:])
    return figures


async def load_bot(
    fake: FakeTelegram, process: asyncio.subprocess.Process, args: argparse.Namespace
) -> Figures:
    """Wait for the bot to poll, warm it up, then measure a burst and a paced load."""
    deadline = time.monotonic() + 120
    while not fake.calls_to("getUpdates"):
        if time.monotonic() > deadline or process.returncode is not None:
            raise RuntimeError("the bot did not start polling")
        await asyncio.sleep(0.05)
    load = Load(fake)
    await load.burst(max(10, args.users // 10))  # warm-up: connections, caches
    cpu_before = cpu_seconds(process.pid)
    throughput = await load.burst(args.users)
    cpu_ms = (cpu_seconds(process.pid) - cpu_before) * 1000 / (args.users * len(SCRIPT))
    p50, p99 = await load.paced(args.rate, args.seconds)
    return Figures(throughput, p50, p99, cpu_ms)


async def fresh_postgres(url: str) -> tuple[str, str]:
    """Create an empty database next to `url`; return (its URL, its name)."""
    name = f"beacon_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(asyncpg_dsn(url))
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return url.rsplit("/", 1)[0] + "/" + name, name


async def drop_postgres(url: str, name: str) -> None:
    """Drop a database made by fresh_postgres."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


def row(label: str, figures: Figures, ceiling: Figures | None) -> str:
    """Return one line of the results table."""
    ratio = (
        f"{figures.updates_per_second / ceiling.updates_per_second:5.2f}" if ceiling else "    -"
    )
    return (
        f"{label:<28} {figures.updates_per_second:9,.0f} {ratio}  "
        f"{figures.p50_ms:7.1f} {figures.p99_ms:7.1f} {figures.cpu_ms:7.2f}"
    )


async def main() -> None:
    """Run every configuration and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runtimes", nargs="+", default=["aiogram", "ptb"])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    base_env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "WARNING"}
    python = sys.executable
    print(f"burst: {args.users} users x {len(SCRIPT)} updates; paced: {args.rate:g}/s for "
          f"{args.seconds:g} s; {os.cpu_count()} cores")  # fmt: skip
    print(f"{'bot':<28} {'updates/s':>9} {'ratio':>5}  {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7}")
    for kind in args.runtimes:
        echo = await measure([python, str(PROJECT_ROOT / "bench" / "echo_bot.py"), kind],
                             base_env, args)  # fmt: skip
        print(row(f"{kind} echo", echo, None), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            env = {**base_env, "BOT_RUNTIME": kind, "DATA_DIR": tmp,
                   "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'beacon.db'}"}  # fmt: skip
            beacon = await measure([python, "-m", "bot", "run"], env, args)
            print(row(f"{kind} Beacon, SQLite", beacon, echo), flush=True)
            if not args.no_postgres:
                url, name = await fresh_postgres(args.postgres)
                try:
                    beacon = await measure([python, "-m", "bot", "run"],
                                           {**env, "DATABASE_URL": url}, args)  # fmt: skip
                finally:
                    await drop_postgres(args.postgres, name)
                print(row(f"{kind} Beacon, PostgreSQL", beacon, echo), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
