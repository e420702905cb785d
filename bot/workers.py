"""Run Beacon as N worker processes: `python -m bot run --workers N` starts N copies of
`python -m bot run`, each with its WORKER_ID, all sharing the webhook and web ports
(SO_REUSEPORT) and one webhook secret; it restarts a worker that dies (with backoff), passes
SIGTERM and SIGINT on, and exits once every worker has stopped."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.errors import StartupError
from bot.logs import event
from bot.settings import Settings
from bot.transports.telegram.runtime import WebhookConfig

log = logging.getLogger("beacon.workers")
SIGNALS = (signal.SIGTERM, signal.SIGINT)
REFUSED = 2
"""The exit status of a worker that refused to start: a bad setting restarts into the same."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before restarting a worker that died: from `first`, doubling up to
    `cap` seconds; a worker that ran `steady` seconds starts again from `first`."""

    first: float = 0.5
    cap: float = 30.0
    steady: float = 60.0


def check_workers(settings: Settings, count: int) -> None:
    """Refuse more than one worker where they cannot share the work: long polling (Telegram
    gives updates to one poller), no REDIS_URL (the Telegram limits are shared in Redis), and
    SQLite (one file, one writer)."""
    if count <= 1:
        return
    if settings.bot_token is not None and settings.webhook_url is None:
        raise StartupError(
            "WEBHOOK_URL",
            f"long polling is one process; set WEBHOOK_URL for --workers {count}",
        )
    if settings.redis_url is None:
        raise StartupError(
            "REDIS_URL",
            f"--workers {count} share their rate limits (Telegram's, the web chat's) "
            "in Redis; set it",
        )
    if not settings.database_url.startswith("postgresql"):
        raise StartupError(
            "DATABASE_URL",
            f"--workers {count} need PostgreSQL (SQLite has one writer); "
            "use postgresql+asyncpg://... or run one worker",
        )


class Supervisor:
    """Keeps N workers running until told to stop."""

    def __init__(
        self,
        count: int,
        environ: Mapping[str, str],
        command: Sequence[str] = (sys.executable, "-m", "bot", "run"),
        backoff: Backoff = Backoff(),  # frozen, so one default is safe
    ) -> None:
        """Run `count` copies of `command`, each in `environ` with its WORKER_ID."""
        self.count = count
        self.environ = dict(environ)
        self.command = tuple(command)
        self.backoff = backoff
        self.stopping = asyncio.Event()
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.refused = False

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop restarting and pass `signum` on to every running worker."""
        self.stopping.set()
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signum)

    async def run(self) -> int:
        """Run the workers until a signal (passed on to them), then wait for all to stop;
        return 2 when a worker refused to start, else 0."""
        loop = asyncio.get_running_loop()
        for signum in SIGNALS:
            loop.add_signal_handler(signum, self.stop, signum)
        try:
            await asyncio.gather(*(self._keep(worker) for worker in range(self.count)))
        finally:
            for signum in SIGNALS:
                loop.remove_signal_handler(signum)
        return REFUSED if self.refused else 0

    async def _keep(self, worker: int) -> None:
        """Run one worker, starting it again after it dies, until stopping."""
        loop = asyncio.get_running_loop()
        delay = self.backoff.first
        env = {**self.environ, "WORKER_ID": str(worker)}
        while not self.stopping.is_set():
            started = loop.time()
            process = await asyncio.create_subprocess_exec(*self.command, env=env)
            self.processes[worker] = process
            event(log, "worker_started", worker=worker, pid=process.pid)
            status = await process.wait()
            if self.stopping.is_set():
                event(log, "worker_stopped", worker=worker, status=status)
                return
            if status == REFUSED:
                event(log, "worker_refused", level=logging.ERROR, worker=worker)
                self.refused = True
                self.stop()
                return
            if loop.time() - started >= self.backoff.steady:
                delay = self.backoff.first
            event(
                log, "worker_died", level=logging.WARNING, worker=worker, status=status,
                restart_in=delay,
            )  # fmt: skip
            try:
                await asyncio.wait_for(self.stopping.wait(), delay)
            except TimeoutError:
                delay = min(self.backoff.cap, delay * 2)


def supervise(settings: Settings, count: int, environ: Mapping[str, str] | None = None) -> int:
    """Check that `count` workers can share the work, then run them until a signal; return
    the exit status."""
    check_workers(settings, count)
    env = dict(os.environ if environ is None else environ)
    if settings.bot_token is not None and settings.webhook_secret is None:
        env["WEBHOOK_SECRET"] = WebhookConfig.new_secret()
    env.pop("WORKER_ID", None)
    event(log, "workers_starting", workers=count)
    return asyncio.run(Supervisor(count, env).run())
