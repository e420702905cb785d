"""Aim the webhook attacks at a real `python -m bot run` process (with a 1,024 open-file limit)
while the fake Bot API server keeps pushing real updates to it: what the process's memory does
under oversized bodies, and whether Telegram still gets through trickling clients. Used by the
webhook process test and by `bench/faults.py`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from bot.testing.crash import WEBHOOK_PATH, BotProcess, wait_until
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.telegram import free_port
from bot.testing.webhook_attacks import BodyReport, Target, TrickleReport, large_bodies, trickle

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebhookFigures:
    """What a bot process met: large bodies, trickling clients, and its real updates meanwhile."""

    runtime: str
    bodies: BodyReport
    trickle: TrickleReport
    updates: int
    """Updates Telegram (the fake) pushed while the trickling went on."""
    answered: int
    """Of those, how many were answered."""
    slowest_reply: float
    """Seconds from an update being queued to its reply, at worst."""


async def attack_bot(
    workdir: Path,
    kind: str,
    *,
    bodies: int = 10,
    body_size: int = 50 * MIB,
    connections: int = 1100,
    seconds: float = 10.0,
) -> WebhookFigures:
    """Run the bot by webhook; send `bodies` oversized bodies with a wrong secret, then hold
    `connections` trickling clients for `seconds` while people send commands."""
    fake = FakeTelegram()
    await fake.start()
    port = free_port()
    bot = BotProcess(fake, workdir, kind, port)
    target = Target("127.0.0.1", port, WEBHOOK_PATH)
    try:
        await bot.start()
        assert bot.process is not None
        pid = bot.process.pid
        people = [FakeUser(200_000 + n, f"W{n}") for n in range(5)]
        warm = [fake.send_text(person, "/start") for person in people]
        await wait_until(lambda: all(fake.first_reply_after(u) for u in warm), 60, "warm-up")
        await large_bodies(target, secret="wrong-secret", count=2, size=MIB, watch_pid=pid)
        body_report = await large_bodies(
            target, secret="wrong-secret", count=bodies, size=body_size, watch_pid=pid
        )
        pushed: list[tuple[int, float]] = []

        async def people_talk() -> None:
            """Have each person send a command every second while the trickling lasts."""
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for person in people:
                    pushed.append((fake.send_text(person, "/help"), time.monotonic()))
                await asyncio.sleep(1.0)

        trickling, _ = await asyncio.gather(
            trickle(target, connections=connections, seconds=seconds, watch_pid=pid),
            people_talk(),
        )
        ids = [u for u, _ in pushed]
        with contextlib.suppress(TimeoutError):  # what is missing is counted below
            await wait_until(lambda: all(fake.first_reply_after(u) for u in ids), 60, "replies")
        queued = fake.update_times
        slowest = max((fake.first_reply_after(u) or time.monotonic()) - queued[u] for u in ids)
        answered = sum(1 for u in ids if fake.first_reply_after(u) is not None)
        status = await bot.stop()
        if status != 0:
            raise RuntimeError(f"the bot ended with {status}:\n{bot.log()[-2000:]}")
    finally:
        await bot.stop()
        await fake.stop()
    return WebhookFigures(kind, body_report, trickling, len(ids), answered, slowest)
