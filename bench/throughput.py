"""Measure how fast Beacon handles conversations: the pure engine, then the service on a database.

Usage: python bench/throughput.py [--users 20] [--rounds 3] [--database-url URL]
Prints figures; bounded (a fixed number of conversations), binds nothing, reaches no network.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bot.content.loader import load_content
from bot.core.events import Event, Start, Tap
from bot.i18n.catalogs import Catalogs
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Outbound
from bot.service.ports import SystemClock
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, migrate, open_store
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.simulator import CoreChat, Keyboard

REPEATS = 5
"""Each simulated user plays the conversation this many times (as different platform users)."""
CONVERSATION = [
    "Report or get help",
    "United States",
    "Arizona",
    "A child or teen (maybe under 18)",
    "Continue",
    "Continue",
    "Home",
    "Learn the signs",
    "Recognize the signs",
    "Start",
    "Yes, it's a clear sign",
]


def engine_rate(rounds: int) -> float:
    """Return engine steps per second over `rounds` full scripted conversations."""
    content = load_content(PROJECT_ROOT / "dialogues").content
    assert content is not None
    steps = 0
    started = time.perf_counter()
    for _ in range(rounds * 50):
        chat = CoreChat(content)
        chat.event(Start())
        for label in CONVERSATION:
            chat.click(label)
        steps += 1 + len(CONVERSATION)
    return steps / (time.perf_counter() - started)


async def converse(
    service: ConversationService,
    run: str,
    user: int,
    latencies: list[float],
    first_update: int | None = None,
) -> None:
    """Play the scripted conversation as one user, recording each update's latency; its update
    ids follow `first_update` (by default the user's number times 1000)."""
    keyboard = Keyboard()
    update = user * 1000 if first_update is None else first_update

    async def send(event: Event) -> list[Outbound]:
        nonlocal update
        update += 1
        began = time.perf_counter()
        out = await service.handle(Inbound(run, str(user), event, "en", update))
        latencies.append(time.perf_counter() - began)
        keyboard.update(out)
        return out

    await send(Start())
    for label in CONVERSATION:
        await send(Tap(keyboard.data_for(label)))


async def service_rate(url: str, users: int) -> tuple[float, float, float]:
    """Return (updates per second, median ms, p95 ms) for `users` concurrent conversations."""
    engine = make_engine(url)
    await migrate(engine)
    content = load_content(PROJECT_ROOT / "dialogues").content
    assert content is not None
    store = await open_store(url)
    service = ConversationService(
        content,
        store,
        SystemClock(),
        Catalogs(PROJECT_ROOT / "locales"),
        UserKeyer(TEST_USER_KEY_SECRET.encode()),
    )
    warm: list[float] = []
    warm_run = f"warm-{uuid.uuid4().hex[:8]}"
    await asyncio.gather(*(converse(service, warm_run, u, warm) for u in range(users)))
    latencies: list[float] = []
    started = time.perf_counter()
    runs = [f"bench-{uuid.uuid4().hex[:8]}-{r}" for r in range(REPEATS)]
    await asyncio.gather(
        *(converse(service, run, u, latencies) for u in range(users) for run in runs)
    )
    elapsed = time.perf_counter() - started
    await store.close()
    await engine.dispose()
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return len(latencies) / elapsed, statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="also measure this database (e.g. PostgreSQL)")
    args = parser.parse_args()
    rates = [engine_rate(1) for _ in range(args.rounds)]
    print(f"engine: {statistics.median(rates):,.0f} steps/s (median of {args.rounds})")
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")]
        if args.database_url:
            urls.append(("given", args.database_url))
        for name, url in urls:
            for users in args.users:
                rate, median, p95 = asyncio.run(service_rate(url, users))
                print(
                    f"service on {name}: {rate:,.0f} updates/s with {users * REPEATS} concurrent "
                    "conversations; "
                    f"latency median {median:.1f} ms, p95 {p95:.1f} ms"
                )


if __name__ == "__main__":
    main()
