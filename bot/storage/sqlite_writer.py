"""One thread that owns a SQLite connection and commits queued units of work in batches.

Every unit runs inside its own savepoint, so a unit that fails leaves no trace while the others
in its batch commit. Under load, many units share one transaction and one wake-up of the event
loop; when idle, a batch is a single unit.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Unit = Callable[[sqlite3.Connection], Any]
MAX_BATCH = 64


@dataclass(frozen=True, slots=True)
class _Job:
    """A unit of work and where to report its outcome."""

    unit: Unit
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


Outcome = tuple[_Job, Any, BaseException | None]


def _settle(outcomes: list[Outcome]) -> None:
    """Resolve each job's future with its result or exception (on the event loop)."""
    for job, result, error in outcomes:
        if job.future.cancelled():
            continue
        if error is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(error)


def commit_batch(connection: sqlite3.Connection, batch: list[_Job]) -> list[Outcome]:
    """Run a batch in one transaction, each unit in a savepoint; return every unit's outcome."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        return [(job, None, error) for job in batch]
    outcomes: list[Outcome] = []
    for job in batch:
        connection.execute("SAVEPOINT unit")
        try:
            result = job.unit(connection)
        except BaseException as error:  # a unit's failure is reported to its caller
            connection.execute("ROLLBACK TO unit")
            connection.execute("RELEASE unit")
            outcomes.append((job, None, error))
            continue
        connection.execute("RELEASE unit")
        outcomes.append((job, result, None))
    try:
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        return [(job, None, error) for job, _, _ in outcomes]
    return outcomes


class BatchWriter:
    """Serialises all writes to one SQLite file through one thread, committing in batches."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        """Open the connection with `connect` on the writer thread when first needed."""
        self._connect = connect
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def run(self, unit: Unit) -> Any:
        """Run `unit(connection)` inside a transaction on the writer thread; return its result."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="beacon-sqlite", daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(unit, future, loop))
        return await future

    def _serve(self) -> None:
        """Take queued units in batches until told to stop; then write the WAL back and close."""
        connection = self._connect()
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch, stop = [first], False
                while len(batch) < MAX_BATCH:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    batch.append(job)
                outcomes = commit_batch(connection, batch)
                for loop in {job.loop for job in batch}:
                    mine = [outcome for outcome in outcomes if outcome[0].loop is loop]
                    loop.call_soon_threadsafe(_settle, mine)
                if stop:
                    return
        finally:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()

    async def stop(self) -> None:
        """Finish queued units, then stop the thread and close the connection."""
        if self._thread is None:
            return
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread = None
