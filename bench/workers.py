"""Webhook throughput of `python -m bot run --workers N` on PostgreSQL, for N = 1, 2 and 3.

Usage: python bench/workers.py [--workers 1 2 3] [--users 500] [--per-user 20]
                               [--postgres URL] [--redis URL]

The fake Bot API server runs in a process of its own (this script with `--serve-fake`), so the
fake's work does not share a core with the workers' more than the machine makes it. For each N:
a fresh PostgreSQL database, Beacon with N workers behind the fake's webhook (which pushes on up
to 40 connections at once, as Telegram does), a warm-up, then a burst of users x per-user
commands (`/help` and `/menu` in turn, one reply each), timed from the first update queued to the
last reply. The table gives updates/s, the ratio to one worker, and the replies lost and repeated
(both must be 0). Everything is bounded, binds 127.0.0.1 and reaches no network.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telegram_vs_echo import drop_postgres, fresh_postgres

from bot.settings import PROJECT_ROOT
from bot.testing.crash import COMMANDS, WEBHOOK_PATH, count_gaps, wait_until
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.telegram import free_port

DONE_LIMIT = 300.0
"""Seconds a burst may take before the bench gives up on the replies still missing."""
START_LIMIT = 120.0
"""Seconds the workers may take to register the webhook."""
WEBHOOK_SECRET = "bench-workers-webhook-secret"
FIRST_USER = 3_000_000


@dataclass(frozen=True, slots=True)
class Burst:
    """What one burst measured: updates, seconds to the last reply, replies lost and repeated."""

    updates: int
    seconds: float
    lost: int
    repeated: int

    @property
    def per_second(self) -> float:
        """Return updates answered per second."""
        return self.updates / self.seconds if self.seconds else 0.0


class Replies:
    """The texts of successful sendMessage calls per chat, read from the fake incrementally."""

    def __init__(self, fake: FakeTelegram) -> None:
        """Read replies from `fake`, from its next call on."""
        self.fake = fake
        self.seen = len(fake.calls)
        self.texts: dict[int, list[str]] = defaultdict(list)
        self.count = 0
        self.last_at = 0.0

    def read(self) -> int:
        """Take in the calls made since the last read; return the replies so far."""
        calls = self.fake.calls
        for call in calls[self.seen :]:
            if call.method == "sendMessage" and call.status == 200 and call.chat_id is not None:
                self.texts[call.chat_id].append(str(call.params.get("text", "")))
                self.count += 1
                self.last_at = call.at
        self.seen = len(calls)
        return self.count


async def replies_to(fake: FakeTelegram, people: list[FakeUser], per_user: int) -> Replies:
    """Queue per_user commands from each person, interleaved; return once every reply came (or
    DONE_LIMIT passed)."""
    replies = Replies(fake)
    for index in range(per_user):
        for person in people:
            fake.send_text(person, COMMANDS[index % 2])
    with contextlib.suppress(TimeoutError):  # what is missing is counted as lost
        await wait_until(lambda: replies.read() >= per_user * len(people), DONE_LIMIT, "replies")
    return replies


async def burst(
    fake: FakeTelegram, texts: dict[str, str], users: int, per_user: int, first: int
) -> Burst:
    """Time a burst of users x per_user commands; count what was lost or repeated."""
    people = [FakeUser(first + n, f"W{n}") for n in range(users)]
    started = time.monotonic()
    replies = await replies_to(fake, people, per_user)
    expected = [texts[COMMANDS[i % 2]] for i in range(per_user)]
    lost = repeated = 0
    for person in people:
        missing, extra = count_gaps(expected, replies.texts.get(person.id, []))
        lost, repeated = lost + missing, repeated + extra
    finished = replies.last_at if replies.count else time.monotonic()
    return Burst(users * per_user, finished - started, lost, repeated)


async def obey(
    fake: FakeTelegram, texts: dict[str, str], hook: str, users: str, per_user: str, first: str
) -> str:
    """Wait for the webhook at `hook`, warm up, time a burst; return the answer line."""
    try:
        await wait_until(lambda: fake.webhook_url == hook, START_LIMIT, "setWebhook")
    except TimeoutError as late:
        return f"failed {late}"
    if not texts:
        sample = FakeUser(int(first) - 1, "Sample")
        said = (await replies_to(fake, [sample], len(COMMANDS))).texts[sample.id]
        texts.update(zip(COMMANDS, said[-len(COMMANDS) :], strict=True))
    warm = await burst(fake, texts, max(1, int(users) // 10), 2, int(first) + 1_000_000)
    done = await burst(fake, texts, int(users), int(per_user), int(first))
    lost, repeated = done.lost + warm.lost, done.repeated + warm.repeated
    return f"done {done.updates} {done.seconds} {lost} {repeated}"


async def serve_fake() -> None:
    """Run the fake Bot API server and obey the lines on stdin: `burst URL USERS PER_USER
    FIRST` waits for the webhook at URL, then prints `done UPDATES SECONDS LOST REPEATED`."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with FakeTelegram(strict=False) as fake:
        print(f"ready {fake.base_url} {fake.token}", flush=True)
        texts: dict[str, str] = {}
        while line := (await reader.readline()).decode().split():
            print(await obey(fake, texts, *line[1:]), flush=True)


class FakeProcess:
    """The fake Bot API server in a process of its own, driven through its stdin."""

    def __init__(self) -> None:
        """Nothing runs until start()."""
        self.process: asyncio.subprocess.Process | None = None
        self.base_url = self.token = ""

    async def start(self) -> None:
        """Start the fake and read its address."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve-fake",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        )  # fmt: skip
        _, self.base_url, self.token = (await self._line()).split()

    async def _line(self) -> str:
        """Return the fake's next line (an error when it ended)."""
        assert self.process is not None and self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), DONE_LIMIT * 2)).decode()
        if not line:
            raise RuntimeError("the fake Bot API server ended")
        return line

    async def burst(self, url: str, users: int, per_user: int, first: int) -> Burst:
        """Have the fake push a burst to the webhook at `url`; return what it measured."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"burst {url} {users} {per_user} {first}\n".encode())
        await self.process.stdin.drain()
        answer = (await self._line()).split()
        if answer[0] != "done":
            raise RuntimeError(" ".join(answer[1:]))
        return Burst(int(answer[1]), float(answer[2]), int(answer[3]), int(answer[4]))

    async def stop(self) -> None:
        """Close the fake's stdin and wait for it to end."""
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()
            await asyncio.wait_for(self.process.wait(), 60)


def logged(log: BinaryIO, name: bytes) -> int:
    """Return how many times the workers logged the event `name`."""
    log.seek(0)
    return log.read().count(name)


async def run_workers(
    fake: FakeProcess, count: int, args: argparse.Namespace, first: int
) -> tuple[Burst, int]:
    """Run Beacon with `count` workers on a fresh database; return its burst and how many
    times a worker died and was restarted."""
    url, name = await fresh_postgres(args.postgres)
    port = free_port()
    hook = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    try:
        with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "beacon.log").open("w+b") as log:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_"))},
                "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "INFO", "DATA_DIR": tmp,
                "DATABASE_URL": url, "REDIS_URL": args.redis, "BOT_TOKEN": fake.token,
                "BOT_API_URL": fake.base_url, "USER_KEY_SECRET": TEST_USER_KEY_SECRET,
                "WEBHOOK_URL": hook, "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
                "WEBHOOK_SECRET": WEBHOOK_SECRET, "TELEGRAM_RATE": "0",
            }  # fmt: skip
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--workers", str(count),
                env=env, cwd=tmp, stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            try:
                await wait_until(
                    lambda: logged(log, b"telegram_started") >= count, START_LIMIT, "every worker"
                )
                result = await fake.burst(hook, args.users, args.per_user, first)
                return result, logged(log, b"worker_died")
            except (RuntimeError, TimeoutError) as failure:
                log.seek(0)
                raise RuntimeError(f"{failure}\n{log.read().decode()[-2000:]}") from None
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
    finally:
        await drop_postgres(args.postgres, name)


async def main() -> None:
    """Measure each number of workers and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--per-user", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        await serve_fake()
        return
    fake = FakeProcess()
    await fake.start()
    print(f"burst: {args.users} users x {args.per_user} updates by webhook on PostgreSQL; "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'workers':>7} {'updates/s':>9} {'x 1 worker':>10} {'lost':>5} {'repeated':>8} "
          f"{'restarts':>8}")  # fmt: skip
    try:
        single: float | None = None
        for index, count in enumerate(args.workers):
            result, restarts = await run_workers(fake, count, args, FIRST_USER + index * 100_000)
            single = single or result.per_second
            print(f"{count:>7} {result.per_second:>9,.0f} {result.per_second / single:>10.2f} "
                  f"{result.lost:>5} {result.repeated:>8} {restarts:>8}", flush=True)  # fmt: skip
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
