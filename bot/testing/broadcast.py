"""A broadcast across workers against the fake Bot API server enforcing Telegram's limits: N
due reminders sent by three workers at once while people chat with the bot; count the 429s,
the share of the configured rate the sends reached, and how long replies took.

The workers are three apps in one process (one event loop), each with its own Telegram client,
reminder scheduler and Redis limiter, sharing only PostgreSQL and Redis, as worker processes
do. All three run reminder rounds at once (each claims its own batches), a harder case for the
shared budget than production's single lease holder; the people's updates arrive by polling at
the first worker, whose replies share the same budget. The heap earlier work left alive is
frozen while they run (`bot.testing.steady`), as a worker process freezes its own. Used by
tests/telegram/test_limits.py and bench/broadcast.py."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis

from bot.app import App, build_app, reminder_scheduler
from bot.service.channels import Channels
from bot.settings import Settings
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import fresh_database
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.fake_telegram.flood import COUNTED, FloodLimits
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.redis import REDIS_URL, delete_prefix
from bot.testing.steady import frozen_heap
from bot.testing.telegram import QUICK_RETRIES, runtime_config
from bot.testing.workers import FIRST_CHAT, seed_due_reminders
from bot.transports.telegram.launch import TelegramChannel, make_runtime
from bot.transports.telegram.runtime import TelegramRuntime

FIRST_PERSON = 9_000_000
"""The user id of the first person chatting during the broadcast."""
THINK_SECONDS = 1.5
"""How long a person reads a reply before typing again."""
REPLY_LIMIT = 20.0
"""Seconds a person waits for a reply before it counts as lost."""
ROUND_LIMIT = 50
"""Reminder rounds a worker runs at most."""


@dataclass(frozen=True, slots=True)
class BroadcastFigures:
    """What the broadcast saw: reminders sent, seconds from the first to the last, every
    counted send in that time (reminders and replies), the 429s the server gave, the
    configured rate, and the replies' latencies (seconds, from the update to its first reply)."""

    reminders: int
    sent: int
    seconds: float
    all_sends: int
    refused: int
    rate: float
    latencies: tuple[float, ...]
    lost_replies: int

    @property
    def share(self) -> float:
        """Return the sends a second (all of them) as a share of the configured rate."""
        return (self.all_sends - 1) / self.seconds / self.rate if self.seconds > 0 else 0.0

    @property
    def reminder_share(self) -> float:
        """Return the reminders a second as a share of the configured rate."""
        return (self.sent - 1) / self.seconds / self.rate if self.seconds > 0 else 0.0

    def percentile(self, share: float) -> float:
        """Return a reply latency percentile (0.5, 0.99), in seconds; 0 with no replies."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[min(98, max(0, round(share * 100) - 1))]


@contextlib.asynccontextmanager
async def workers_on(
    fake: FakeTelegram, database_url: str, count: int, rate: float, prefix: str, data: Path
) -> AsyncIterator[list[tuple[App, TelegramRuntime]]]:
    """Yield `count` apps on one database and one Redis budget (under `prefix`), each with a
    runtime on the fake server; the first polls for updates, the others only send."""
    settings = Settings(
        database_url=database_url, user_key_secret=TEST_USER_KEY_SECRET, data_dir=data,
        redis_url=REDIS_URL, redis_prefix=prefix, telegram_rate=rate, auto_migrate=True,
    )  # fmt: skip
    built: list[tuple[App, TelegramRuntime]] = []
    try:
        for _ in range(count):
            app = await build_app(settings, ManualClock(FIXED_NOW))
            config = runtime_config(fake, "polling")
            built.append((app, make_runtime("aiogram", config, app, QUICK_RETRIES)))
        await built[0][1].start()
        yield built
    finally:
        for number, (app, runtime) in enumerate(built):
            if number == 0:
                await runtime.stop()
            else:
                await runtime.client.close()
            await app.close()


async def person(
    fake: FakeTelegram, user: FakeUser, done: asyncio.Event, latencies: list[float]
) -> int:
    """Chat until `done`: type, wait for the first reply, read; return replies never seen."""
    lost = 0
    chat = fake.world.chats.get(user.id)
    for turn in range(10_000):
        if done.is_set():
            break
        update_id = fake.send_text(user, "/help" if turn % 2 else "/start")
        queued = fake.update_times[update_id]
        for _ in range(int(REPLY_LIMIT / 0.01)):
            replied = chat.first_reply_from(queued)
            if replied is not None:
                latencies.append(replied - queued)
                break
            await asyncio.sleep(0.01)
        else:
            lost += 1
        await asyncio.sleep(THINK_SECONDS)
    return lost


async def broadcast(
    postgres_url: str, reminders: int, *, workers: int = 3, rate: float = 30.0, people: int = 8
) -> BroadcastFigures:
    """Send `reminders` due reminders across `workers` at `rate` a second against a fake
    server enforcing Telegram's limits at that rate, while `people` chat; return the figures."""
    fake = FakeTelegram()
    prefix = f"beacon-test:{uuid.uuid4().hex}:"
    async with fake, fresh_database(postgres_url, "beacon_broadcast") as (name, host):
        flood = fake.enforce_limits(FloodLimits(bot_per_second=rate))
        url = f"postgresql+asyncpg://postgres@{host}/{name}"
        with tempfile.TemporaryDirectory() as data, frozen_heap():
            async with workers_on(fake, url, workers, rate, prefix, Path(data)) as built:
                await seed_due_reminders(built[0][0].database, reminders, FIXED_NOW)
                done = asyncio.Event()
                latencies: list[float] = []
                chatting = [
                    asyncio.create_task(
                        person(fake, FakeUser(FIRST_PERSON + n, f"P{n}"), done, latencies)
                    )
                    for n in range(people)
                ]
                await asyncio.sleep(THINK_SECONDS)  # people are chatting when it begins
                await asyncio.gather(*(send_all(app, runtime) for app, runtime in built))
                done.set()
                lost = sum(await asyncio.gather(*chatting))
        await forget(prefix)
        return figures(fake, reminders, rate, flood.refused, latencies, lost)


async def send_all(app: App, runtime: TelegramRuntime) -> int:
    """Run reminder rounds on one worker until a round sends none; return how many it sent."""
    scheduler = reminder_scheduler(app, Channels([TelegramChannel(runtime)]))
    sent = 0
    for _ in range(ROUND_LIMIT):
        went = await scheduler.run_once()
        sent += went
        if went == 0:
            break
    return sent


def figures(
    fake: FakeTelegram,
    reminders: int,
    rate: float,
    refused: int,
    latencies: list[float],
    lost: int,
) -> BroadcastFigures:
    """Count, on the fake server's clock, the reminders and every send between the first
    reminder and the last."""
    ok = [call for call in fake.calls if call.status == 200 and call.method in COUNTED]
    chats = range(FIRST_CHAT, FIRST_CHAT + reminders)
    sent = [call.at for call in ok if call.chat_id in chats]
    if not sent:
        return BroadcastFigures(0, 0, 0.0, 0, refused, rate, tuple(latencies), lost)
    first, last = min(sent), max(sent)
    within = sum(1 for call in ok if first <= call.at <= last)
    return BroadcastFigures(
        reminders, len(sent), last - first, within, refused, rate, tuple(latencies), lost
    )


async def forget(prefix: str) -> None:
    """Delete a broadcast's keys from the test Redis."""
    redis = Redis.from_url(REDIS_URL)
    try:
        await delete_prefix(redis, prefix)
    finally:
        await redis.aclose()
