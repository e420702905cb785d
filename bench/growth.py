"""Does Beacon slow down or grow as people accumulate? Per-update cost, memory and database size
with few and with many stored users, and the time a new process takes to be ready.

Usage: python bench/growth.py [--sizes 10000 1000000] [--users 20] [--startups 3]
                              [--postgres URL | --no-postgres] [--startup-only]

For each database (SQLite, and PostgreSQL when given) and each size: a fresh database is seeded
with that many users, each with a conversation state copied from a real one (ids keyed as the
service keys them); then a separate process plays the scripted conversation (bench/throughput.py)
as `--users` of those stored users at once, several times, and reports updates/s, the median and
p95 per update, and its peak memory. Database size is read from the database itself, per stored
user. Last, `python -m bot web` is started `--startups` times on a migrated SQLite database and
timed until its page answers (all content and every language loaded): the wall time, and the
CPU time the process used until then (steadier than the wall time on a shared machine).
`--startup-only` measures only that. Bounded and local.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.loader import load_content
from bot.core.events import Start
from bot.i18n.catalogs import Catalogs
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound
from bot.service.ports import SystemClock
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, migrate, open_store
from bot.storage.tables import Conversation, User
from bot.testing.clocks import sleep_safely_under_faketime
from bot.testing.keys import TEST_USER_KEY_SECRET

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from throughput import converse

PLATFORM = "growth"
"""The platform name the seeded users are keyed under (the scripted conversations use it)."""
BATCH = 20_000
"""Rows inserted per statement while seeding."""
ROUNDS = 10
"""The measuring process plays the conversation this many times, each time as `--users` other
stored users (after one round to warm up)."""
STARTUP_TIMEOUT = 60.0
"""A start that takes longer than this many seconds is reported as failed."""


def service_for(store: Any) -> ConversationService:
    """Return the conversation service over a store, with the shipped content and languages."""
    content = load_content(PROJECT_ROOT / "dialogues").content
    assert content is not None
    keyer = UserKeyer(TEST_USER_KEY_SECRET.encode())
    return ConversationService(
        content, store, SystemClock(), Catalogs(PROJECT_ROOT / "locales"), keyer
    )


async def seed(url: str, search_path: str | None, size: int) -> float:
    """Fill a fresh database with `size` users, each with a real conversation's state; return
    the seconds it took."""
    started = time.perf_counter()
    engine = make_engine(url, **connect_args(search_path))
    await migrate(engine)
    store = await open_store(url, search_path)
    service = service_for(store)
    await service.handle(Inbound("template", "0", Start(), "en", 1))
    await store.close()
    users, conversations = User.__table__, Conversation.__table__  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        state = (await connection.execute(select(conversations.c.state))).scalar_one()
    keyer = UserKeyer(TEST_USER_KEY_SECRET.encode())
    now = SystemClock().now()
    for first in range(0, size, BATCH):
        ids = range(first, min(size, first + BATCH))
        async with engine.begin() as connection:
            rows = [
                {"id": 10 + i, "user_key": keyer.key(PLATFORM, str(i)), "locale": "en",
                 "created_at": now, "last_seen_at": now, "active": True}
                for i in ids
            ]  # fmt: skip
            await connection.execute(insert(users), rows)
            await connection.execute(
                insert(conversations),
                [
                    {"user_id": 10 + i, "revision": 1, "state": state, "updated_at": now}
                    for i in ids
                ],
            )
    async with engine.begin() as connection:
        if url.startswith("postgresql"):
            await connection.execute(
                text("SELECT setval('users_id_seq', :top)"), {"top": size + 10}
            )
    await settle(engine, url)
    await engine.dispose()
    return time.perf_counter() - started


async def settle(engine: AsyncEngine, url: str) -> None:
    """Do now the upkeep a bulk load leaves due, so it does not run during the measurement:
    PostgreSQL's vacuum and statistics (autovacuum would start them on its own), SQLite's WAL
    checkpoint."""
    if not url.startswith("postgresql"):
        await engine.dispose()  # the checkpoint needs the database to itself
        with closing(sqlite3.connect(url.split("///", 1)[1])) as database:
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    async with engine.connect() as connection:
        automatic = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("users", "conversations"):
            await automatic.execute(text(f"VACUUM (ANALYZE) {table}"))


def connect_args(search_path: str | None) -> dict[str, Any]:
    """Return engine options that put PostgreSQL sessions in a schema (nothing for SQLite)."""
    if search_path is None:
        return {}
    return {"connect_args": {"server_settings": {"search_path": search_path}}}


async def measure(url: str, search_path: str | None, size: int, users: int) -> dict[str, float]:
    """Play the scripted conversation as `users` stored users, ROUNDS times; return the rate,
    per-update median and p95 (ms) and this process's peak memory (MB)."""
    store = await open_store(url, search_path)
    service = service_for(store)
    step = max(1, size // (users * (ROUNDS + 1)))
    rounds = [[(r * users + i) * step for i in range(users)] for r in range(ROUNDS + 1)]
    latencies: list[float] = []
    warm: list[float] = []
    await asyncio.gather(*(converse(service, PLATFORM, u, warm, u * 100) for u in rounds[0]))
    started = time.perf_counter()
    for chosen in rounds[1:]:
        await asyncio.gather(*(converse(service, PLATFORM, u, latencies, u * 100) for u in chosen))
    elapsed = time.perf_counter() - started
    await store.close()
    ordered = sorted(latencies)
    return {
        "rate": len(ordered) / elapsed,
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def size_per_user(url: str, search_path: str | None, path: Path | None, size: int) -> float:
    """Return the database's bytes per stored user (SQLite: the file; PostgreSQL: the schema's
    tables with their indexes and TOAST)."""
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / size
    engine = make_engine(url, **connect_args(search_path))
    query = text(
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema "
        "AND c.relkind = 'r'"
    )
    async with engine.connect() as connection:
        total = (await connection.execute(query, {"schema": search_path})).scalar_one()
        counted = (await connection.execute(select(func.count()).select_from(User))).scalar_one()
    await engine.dispose()
    assert counted == size + 1, counted  # the seeded users and the template
    return float(total) / size


def measured_in_child(url: str, search_path: str | None, size: int, users: int) -> dict[str, float]:
    """Run `measure` in a new process (so its peak memory is its own) and return its figures."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", url, search_path or "", str(size), str(users)],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        raise RuntimeError(f"the measuring process failed: {child.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return figures


class Schema:
    """A fresh PostgreSQL schema, dropped on close."""

    def __init__(self, url: str) -> None:
        """Name a new schema on the server of `url`."""
        self.url = url
        self.name = f"growth_{uuid.uuid4().hex[:10]}"

    async def run(self, statement: str) -> None:
        """Run one statement outside any schema."""
        engine = make_engine(self.url)
        async with engine.begin() as connection:
            await connection.execute(text(statement))
        await engine.dispose()


async def database_row(kind: str, url: str, size: int, users: int, folder: Path) -> dict[str, Any]:
    """Seed and measure one database at one size; return its row of figures."""
    schema: Schema | None = None
    path: Path | None = None
    if kind == "SQLite":
        path = folder / f"growth-{size}.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        schema = Schema(url)
        await schema.run(f'CREATE SCHEMA "{schema.name}"')
    search_path = schema.name if schema else None
    try:
        seconds = await seed(url, search_path, size)
        figures = measured_in_child(url, search_path, size, users)
        per_user = await size_per_user(url, search_path, path, size)
    finally:
        if schema is not None:
            await schema.run(f'DROP SCHEMA "{schema.name}" CASCADE')
        if path is not None:
            for file in path.parent.glob(path.name + "*"):
                file.unlink()
    return {"kind": kind, "size": size, "seed_s": seconds, "bytes_per_user": per_user, **figures}


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) a running process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def startup_seconds(folder: Path) -> tuple[float, float]:
    """Start `python -m bot web` on a migrated SQLite database and return the wall and CPU
    seconds until its page answers; stop it."""
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(PROJECT_ROOT),
        "HOME": str(folder), "DATA_DIR": str(folder), "WEB_PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'ready.db'}",
        "USER_KEY_SECRET": TEST_USER_KEY_SECRET, "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web"], env=environment, cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < STARTUP_TIMEOUT:
            if process.poll() is not None:
                raise RuntimeError(f"python -m bot web ended with status {process.returncode}")
            page = f"http://127.0.0.1:{port}/"
            with suppress(OSError), urllib.request.urlopen(page, timeout=1) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started, cpu_seconds(process.pid)
            time.sleep(0.005)
        raise RuntimeError(f"not ready after {STARTUP_TIMEOUT:.0f} s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def startups(count: int) -> Iterator[tuple[float, float]]:
    """Yield the wall and CPU seconds to ready of `count` starts (the first one migrates a new
    database)."""
    with tempfile.TemporaryDirectory() as folder:
        yield startup_seconds(Path(folder))  # creates and migrates the database: not counted
        for _ in range(count):
            yield startup_seconds(Path(folder))


async def rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Measure every database at every size."""
    kinds = [("SQLite", "")] + ([] if args.no_postgres else [("PostgreSQL", args.postgres)])
    found = []
    with tempfile.TemporaryDirectory() as folder:
        for kind, url in kinds:
            for size in args.sizes:
                found.append(await database_row(kind, url, size, args.users, Path(folder)))
    return found


def main() -> None:
    """Parse the arguments, measure, print the tables."""
    if sys.argv[1:2] == ["--child"]:
        url, search_path, size, users = sys.argv[2:6]
        figures = asyncio.run(measure(url, search_path or None, int(size), int(users)))
        print(json.dumps(figures))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--startups", type=int, default=3)
    parser.add_argument(
        "--postgres", default=os.environ.get("TEST_DATABASE_URL",
                                             "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
    )  # fmt: skip
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--startup-only", action="store_true")
    args = parser.parse_args()
    sleep_safely_under_faketime()
    found = [] if args.startup_only else asyncio.run(rows(args))
    if found:
        print_growth(found)
    starts = list(startups(args.startups))[1:]
    walls, cpus = [wall for wall, _ in starts], [cpu for _, cpu in starts]
    print(
        f"start-up to ready (python -m bot web, SQLite, all content and languages): median "
        f"{statistics.median(walls):.2f} s, slowest {max(walls):.2f} s of {len(walls)} starts; "
        f"CPU time to ready median {statistics.median(cpus):.2f} s"
    )


def print_growth(found: list[dict[str, Any]]) -> None:
    """Print the per-size table and each database's large-against-small ratios."""
    print("| database | stored users | seeding | updates/s | per update median | p95 | "
          "peak memory | database per user |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in found:
        print(
            f"| {row['kind']} | {row['size']:,} | {row['seed_s']:.1f} s | {row['rate']:,.0f} | "
            f"{row['median_ms']:.2f} ms | {row['p95_ms']:.2f} ms | {row['peak_mb']:.0f} MB | "
            f"{row['bytes_per_user']:,.0f} B |"
        )
    for kind in dict.fromkeys(row["kind"] for row in found):
        mine = [row for row in found if row["kind"] == kind]
        small, large = mine[0], mine[-1]
        print(
            f"{kind}: {large['size']:,} against {small['size']:,} stored users: per-update "
            f"median x{large['median_ms'] / small['median_ms']:.2f}, updates/s "
            f"x{large['rate'] / small['rate']:.2f}, peak memory "
            f"x{large['peak_mb'] / small['peak_mb']:.2f}"
        )


if __name__ == "__main__":
    main()
