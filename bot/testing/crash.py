"""Kill Beacon with SIGKILL in the middle of a burst, restart it on the same database, and count
the replies lost and repeated. Used by the fault tests and by `bench/faults.py`.

Every update of the burst is a command with exactly one reply (`/help` and `/menu` in turn), so
each user's chat must end up showing exactly the expected sequence of texts; a lost reply is a
missing element, a repeat an extra copy next to its original.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.telegram import free_port

COMMANDS = ("/help", "/menu")
WEBHOOK_SECRET = "crash-test-webhook-secret"
WEBHOOK_PATH = "/telegram"
START_LIMIT = 90.0
FILE_LIMIT = 1024
"""The bot process runs with this many open files at most (a common default), as deployed."""


@dataclass(frozen=True, slots=True)
class CrashFigures:
    """What a crash run saw: updates sent, replies before the kill, lost and repeated ones."""

    runtime: str
    mode: str
    updates: int
    replied_before_kill: int
    lost: int
    repeated: int
    most_repeated_in_a_chat: int
    seconds: float


def count_gaps(expected: Sequence[str], seen: Sequence[str]) -> tuple[int, int]:
    """Return (lost, repeated): expected texts missing from `seen` in order, and extra copies
    of a text right after itself."""
    lost = repeated = 0
    position = 0
    for index, text in enumerate(seen):
        if position < len(expected) and text == expected[position]:
            position += 1
        elif index > 0 and text == seen[index - 1]:
            repeated += 1
        else:
            while position < len(expected) and expected[position] != text:
                lost += 1
                position += 1
            position += 1
    return lost + max(0, len(expected) - position), repeated


async def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll a condition every 100 ms; raise TimeoutError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds:g} s")
        await asyncio.sleep(0.1)


class BotProcess:
    """`python -m bot run` against a fake Bot API server, its log kept in a file."""

    def __init__(
        self,
        fake: FakeTelegram,
        workdir: Path,
        kind: str,
        webhook_port: int | None = None,
        log_level: str = "INFO",
        args: Sequence[str] = (),
    ) -> None:
        """Prepare to run Beacon with the `kind` runtime on a SQLite file in `workdir` (`args`
        follow `run`, such as `--workers 3`)."""
        self.fake = fake
        self.workdir = workdir
        self.args = tuple(args)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_"))},
            "BOT_TOKEN": fake.token,
            "BOT_API_URL": fake.base_url,
            "BOT_RUNTIME": kind,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'beacon.db'}",
            "USER_KEY_SECRET": TEST_USER_KEY_SECRET,
            "LOG_LEVEL": log_level,
            "PYTHONPATH": str(PROJECT_ROOT),
            "TELEGRAM_RATE": "0",  # the fake server does not limit unless told to
        }
        if webhook_port is not None:
            self.env |= {
                "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}{WEBHOOK_PATH}",
                "WEBHOOK_HOST": "127.0.0.1",
                "WEBHOOK_PORT": str(webhook_port),
                "WEBHOOK_PATH": WEBHOOK_PATH,
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0

    async def start(self) -> None:
        """Start the bot and wait until it receives updates."""
        self.runs += 1
        log = (self.workdir / f"bot-{self.runs}.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *self.args, cwd=self.workdir, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log, preexec_fn=_limit_files,
        )  # fmt: skip
        log.close()
        receiving = "setWebhook" if "WEBHOOK_URL" in self.env else "getUpdates"
        before = len(self.fake.calls_to(receiving))
        await wait_until(
            lambda: len(self.fake.calls_to(receiving)) > before or self._exited(),
            START_LIMIT, f"run {self.runs} receiving",
        )  # fmt: skip
        if self._exited():
            raise RuntimeError(f"the bot exited at start:\n{self.log()[-2000:]}")

    def _exited(self) -> bool:
        """Say whether the process has ended."""
        return self.process is not None and self.process.returncode is not None

    async def kill(self) -> None:
        """Kill the bot with SIGKILL (no chance to finish anything)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """Stop the bot with SIGTERM; return its exit status."""
        if self.process is None or self._exited():
            return self.process.returncode if self.process and self.process.returncode else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def log(self) -> str:
        """Return what every run of the bot logged."""
        return "".join(
            (self.workdir / f"bot-{run}.log").read_text(errors="replace")
            for run in range(1, self.runs + 1)
        )


def _limit_files() -> None:
    """Give the bot process at most FILE_LIMIT open files (run in the child before exec)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(FILE_LIMIT, hard), hard))


def replies(fake: FakeTelegram) -> dict[int, list[str]]:
    """Return the texts of successful sendMessage calls, per chat, in the order they came."""
    seen: dict[int, list[str]] = defaultdict(list)
    for call in fake.calls_to("sendMessage"):
        if call.status == 200 and call.chat_id is not None:
            seen[call.chat_id].append(str(call.params.get("text", "")))
    return seen


async def crash_and_restart(
    workdir: Path, kind: str, mode: str, updates: int, users: int, kill_at: float = 0.3
) -> CrashFigures:
    """Send `updates` one-reply commands from `users` people, SIGKILL the bot once `kill_at` of
    the replies arrived, restart it on the same database, and count what was lost or repeated."""
    started = time.monotonic()
    fake = FakeTelegram()
    await fake.start()
    port = free_port() if mode == "webhook" else None
    bot = BotProcess(fake, workdir, kind, port)
    try:
        await bot.start()
        sample = FakeUser(1, "Sample")
        texts: dict[str, str] = {}
        for command in COMMANDS:
            fake.send_text(sample, command)
            await wait_until(lambda: len(replies(fake)[sample.id]) > len(texts), 30, command)
            texts[command] = replies(fake)[sample.id][-1]
        people = [FakeUser(100_000 + n, f"P{n}") for n in range(users)]
        per_user = updates // users
        expected = {p.id: [texts[COMMANDS[i % 2]] for i in range(per_user)] for p in people}
        for index in range(per_user):
            for person in people:
                fake.send_text(person, COMMANDS[index % 2])
        total = per_user * users

        def burst() -> int:
            """Return how many replies of the burst arrived."""
            seen = replies(fake)
            return sum(len(seen.get(p.id, [])) for p in people)

        await wait_until(lambda: burst() >= total * kill_at, 120, "the first replies")
        await bot.kill()
        before_kill = burst()
        await bot.start()

        def settled() -> bool:
            """Say whether every update was taken, every expected reply (or more) arrived, and
            nothing more was sent for a second."""
            seen = replies(fake)
            quiet = not fake.calls or time.monotonic() - fake.calls[-1].at > 1.0
            done = all(len(seen.get(p.id, [])) >= len(expected[p.id]) for p in people)
            return done and quiet and fake.world.queue.pending_count == 0

        with contextlib.suppress(TimeoutError):  # what is missing is counted as lost below
            await wait_until(settled, 180, "all replies after the restart")
        status = await bot.stop()
        if status != 0:
            raise RuntimeError(f"the restarted bot ended with {status}:\n{bot.log()[-2000:]}")
    finally:
        await bot.stop()
        await fake.stop()
    seen = replies(fake)
    gaps = [count_gaps(expected[p.id], seen.get(p.id, [])) for p in people]
    lost, repeated = sum(g[0] for g in gaps), sum(g[1] for g in gaps)
    most = max((g[1] for g in gaps), default=0)
    seconds = time.monotonic() - started
    return CrashFigures(kind, mode, total, before_kill, lost, repeated, most, seconds)
