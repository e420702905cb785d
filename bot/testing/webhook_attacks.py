"""Attacks on a webhook endpoint from the client side, each returning what it saw as figures.

Aim them at a WebhookServer in the same process (tests) or at `python -m bot run` in another
(pass its pid to read its memory and open files from /proc). Every attack is bounded in time
and stops by itself; bodies are streamed from one reused block, never built whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MIB = 1024 * 1024
BLOCK = 64 * 1024
SAMPLE_EVERY = 0.05


@dataclass(frozen=True, slots=True)
class Target:
    """Where a webhook listens."""

    host: str
    port: int
    path: str


@dataclass(frozen=True, slots=True)
class TrickleReport:
    """What trickling connections met: how many opened, were closed by the server, stayed open.

    peak_open counts connections open at once as the client sees them, which includes those
    waiting in the server's accept queue and those closed but not yet noticed; the server's
    own count is the one to hold to its limit. server_files_peak is the server process's most
    open files seen, when a pid was given.
    """

    attempts: int
    opened: int
    failed: int
    closed_by_server: int
    peak_open: int
    open_at_end: int
    seconds: float
    server_files_peak: int | None


@dataclass(frozen=True, slots=True)
class BodyReport:
    """What large bodies met: each status (0: no answer), body bytes sent, and server memory."""

    statuses: tuple[int, ...]
    sent: tuple[int, ...]
    seconds: float
    rss_before_kib: int | None
    rss_peak_kib: int | None
    rss_after_kib: int | None

    @property
    def rss_rise_kib(self) -> int | None:
        """How far the server's resident memory rose above its level before the attack."""
        if self.rss_before_kib is None or self.rss_peak_kib is None or self.rss_after_kib is None:
            return None
        return max(self.rss_peak_kib, self.rss_after_kib) - self.rss_before_kib


@dataclass(frozen=True, slots=True)
class LegitReport:
    """What a legitimate client met: each update's status (0: no answer) and seconds taken."""

    statuses: tuple[int, ...]
    latencies: tuple[float, ...]

    @property
    def slowest(self) -> float:
        """The longest any update took, connection included."""
        return max(self.latencies, default=0.0)


def _proc(pid: int | None) -> Path:
    """Return /proc's folder for pid, or for this process."""
    return Path("/proc") / (str(pid) if pid is not None else "self")


def rss_kib(pid: int | None = None, field: str = "VmRSS") -> int:
    """Return a process's resident memory (or its peak, field VmHWM) in KiB; None: this one."""
    for line in (_proc(pid) / "status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"no {field} line in /proc status")


def reset_peak_rss(pid: int | None = None) -> bool:
    """Reset a process's peak resident memory (VmHWM) to its current one; False if not allowed."""
    try:
        (_proc(pid) / "clear_refs").write_text("5")
    except OSError:
        return False
    return True


def open_files(pid: int | None = None) -> int:
    """Return how many files (sockets included) a process has open; this one when pid is None."""
    return len(os.listdir(_proc(pid) / "fd"))


def request_head(
    target: Target,
    *,
    secret: bytes | str | None,
    length: int | None = None,
    chunked: bool = False,
    keep_alive: bool = False,
) -> bytes:
    """Return a webhook POST's head; a str secret is sent as UTF-8, bytes exactly as given."""
    lines = [
        f"POST {target.path} HTTP/1.1".encode(),
        f"Host: {target.host}:{target.port}".encode(),
        b"Content-Type: application/json",
        b"Connection: keep-alive" if keep_alive else b"Connection: close",
    ]
    if secret is not None:
        value = secret.encode() if isinstance(secret, str) else secret
        lines.append(SECRET_HEADER.encode() + b": " + value)
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
    elif length is not None:
        lines.append(f"Content-Length: {length}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


def update_request(target: Target, secret: bytes | str | None, body: bytes) -> bytes:
    """Return a whole webhook POST carrying body."""
    return request_head(target, secret=secret, length=len(body)) + body


def stream(size: int, block: int = BLOCK, *, chunked: bool = False) -> Iterator[bytes]:
    """Yield size body bytes in blocks of one reused buffer, framed as chunks when chunked."""
    buffer = b"0" * block
    left = size
    while left > 0:
        piece = buffer if left >= block else buffer[:left]
        left -= len(piece)
        yield b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece
    if chunked:
        yield b"0\r\n\r\n"


async def connect(target: Target, timeout: float) -> socket.socket:  # noqa: ASYNC109
    """Return a non-blocking socket connected to target."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(timeout):
            await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
    except BaseException:
        sock.close()
        raise
    return sock


async def read_status(sock: socket.socket) -> int:
    """Return the status of the next final answer on sock, or 0 when it closes without one."""
    loop = asyncio.get_running_loop()
    seen = b""
    while True:
        if b"\r\n" in seen:
            words = seen.split(b"\r\n", 1)[0].split()
            status = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
            if not 100 <= status < 200:
                return status
            if b"\r\n\r\n" in seen:  # an interim answer (100 Continue): read on
                seen = seen.split(b"\r\n\r\n", 1)[1]
                continue
        try:
            data = await loop.sock_recv(sock, 4096)
        except OSError:
            data = b""
        if not data:
            return 0
        seen += data


async def exchange(
    target: Target,
    head: bytes,
    body: Iterator[bytes] | bytes = b"",
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> tuple[int, int]:
    """Send head then body, stopping once an answer comes; return (status, body bytes sent).

    The answer is read while the body is still being sent, so a server that answers early
    and resets the connection is still heard. Status 0: no answer within timeout.
    """
    loop = asyncio.get_running_loop()
    pieces = iter((body,)) if isinstance(body, bytes) else body
    sent = 0

    async def send() -> None:
        """Send the head and the body until done, cancelled, or the connection breaks."""
        nonlocal sent
        with contextlib.suppress(OSError):
            await loop.sock_sendall(sock, head)
            for piece in pieces:
                await loop.sock_sendall(sock, piece)
                sent += len(piece)

    try:
        sock = await connect(target, timeout)
    except (OSError, TimeoutError):
        return 0, 0
    sender = asyncio.create_task(send())
    try:
        async with asyncio.timeout(timeout):
            status = await read_status(sock)
    except TimeoutError:
        status = 0
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        sock.close()
    return status, sent


class _Peak:
    """A background sampler of one figure, keeping the highest value seen."""

    def __init__(self, read: Callable[[], int], every: float = SAMPLE_EVERY) -> None:
        """Sample read() every `every` seconds once started."""
        self.read = read
        self.every = every
        self.highest = read()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> int:
        """Stop sampling and return the highest value seen, a last sample included."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sample()
        return self.highest

    def _sample(self) -> None:
        """Read once, ignoring a process that has gone."""
        with contextlib.suppress(OSError, LookupError):
            self.highest = max(self.highest, self.read())

    async def _run(self) -> None:
        """Sample until cancelled."""
        while True:
            self._sample()
            await asyncio.sleep(self.every)


class _Tally:
    """Counts shared by the trickling connections."""

    __slots__ = ("attempts", "closed_by_server", "failed", "open", "opened", "peak")

    def __init__(self) -> None:
        """Start from zero."""
        self.attempts = self.opened = self.failed = self.closed_by_server = 0
        self.open = self.peak = 0


@dataclass(frozen=True, slots=True)
class _Pace:
    """How every trickling connection behaves, and until when (on the loop's clock)."""

    until: float
    interval: float
    reconnect: bool
    silent: bool


def _header_bytes(target: Target, silent: bool) -> Iterator[bytes]:
    """Yield a request line and half a header, then that header's value byte by byte.

    Silent: yield nothing to send, forever (a connection that never says anything).
    """
    if silent:
        yield from itertools.repeat(b"")
    yield f"POST {target.path} HTTP/1.1\r\nHost: {target.host}\r\nX-Trickle: ".encode()
    yield from itertools.repeat(b"a")


async def _trickler(target: Target, tally: _Tally, delay: float, pace: _Pace) -> None:
    """Hold one connection open by sending a header byte every interval, until pace.until."""
    loop = asyncio.get_running_loop()
    until, interval = pace.until, pace.interval
    await asyncio.sleep(delay)
    while loop.time() < until:
        tally.attempts += 1
        try:
            sock = await connect(target, max(0.1, until - loop.time()))
        except (OSError, TimeoutError):
            tally.failed += 1
            await asyncio.sleep(min(interval, max(0.0, until - loop.time())))
            continue
        tally.opened += 1
        tally.open += 1
        tally.peak = max(tally.peak, tally.open)
        ended = asyncio.ensure_future(loop.sock_recv(sock, 1024))  # any answer or EOF: closed
        try:
            for byte in _header_bytes(target, pace.silent):
                if ended.done() or loop.time() >= until:
                    break
                try:
                    await loop.sock_sendall(sock, byte)
                except OSError:
                    break
                await asyncio.wait({ended}, timeout=min(interval, max(0.0, until - loop.time())))
            if ended.done() or loop.time() < until:
                tally.closed_by_server += 1
        finally:
            ended.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await ended
            sock.close()
            tally.open -= 1
        if not pace.reconnect:
            return
        await asyncio.sleep(min(interval, max(0.0, until - loop.time())))


async def trickle(
    target: Target,
    *,
    connections: int = 1100,
    seconds: float = 10.0,
    interval: float = 1.0,
    reconnect: bool = True,
    silent: bool = False,
    watch_pid: int | None = None,
) -> TrickleReport:
    """Open connections that each send a request line, then one header byte per interval.

    All close after seconds. They start spread over the first interval; one the server closes
    is opened again after an interval when reconnect is set. Silent connections send nothing
    at all. watch_pid: a server process whose open files are sampled meanwhile.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    until = started + seconds
    tally = _Tally()
    pace = _Pace(until, interval, reconnect, silent)
    files = _Peak(lambda: open_files(watch_pid)) if watch_pid is not None else None
    if files is not None:
        files.start()
    tasks = [
        asyncio.create_task(_trickler(target, tally, interval * i / connections, pace))
        for i in range(connections)
    ]
    await asyncio.sleep(max(0.0, until - loop.time()))
    open_at_end = tally.open
    await asyncio.gather(*tasks)
    files_peak = await files.stop() if files is not None else None
    return TrickleReport(
        attempts=tally.attempts, opened=tally.opened, failed=tally.failed,
        closed_by_server=tally.closed_by_server, peak_open=tally.peak, open_at_end=open_at_end,
        seconds=loop.time() - started, server_files_peak=files_peak,
    )  # fmt: skip


async def large_bodies(
    target: Target,
    *,
    secret: bytes | str | None,
    count: int = 10,
    size: int = 50 * MIB,
    chunked: bool = False,
    timeout: float = 30.0,  # noqa: ASYNC109
    watch_pid: int | None = None,
) -> BodyReport:
    """Send count requests at once, each announcing (or, chunked, streaming) a size-byte body.

    watch_pid: a server process whose resident memory is read before and after, and whose peak
    is the kernel's high-water mark (reset first) when allowed, else sampled meanwhile.
    """
    loop = asyncio.get_running_loop()
    exact = watch_pid is not None and reset_peak_rss(watch_pid)
    memory = _Peak(lambda: rss_kib(watch_pid)) if watch_pid is not None else None
    before = memory.highest if memory is not None else None
    if memory is not None:
        memory.start()
    started = loop.time()
    head = request_head(target, secret=secret, length=None if chunked else size, chunked=chunked)
    results = await asyncio.gather(
        *(
            exchange(target, head, stream(size, chunked=chunked), timeout=timeout)
            for _ in range(count)
        )
    )
    seconds = loop.time() - started
    peak = await memory.stop() if memory is not None else None
    if exact and peak is not None:
        peak = max(peak, rss_kib(watch_pid, "VmHWM"))
    after = rss_kib(watch_pid) if watch_pid is not None else None
    return BodyReport(
        statuses=tuple(status for status, _ in results), sent=tuple(sent for _, sent in results),
        seconds=seconds, rss_before_kib=before, rss_peak_kib=peak, rss_after_kib=after,
    )  # fmt: skip


def sample_update(number: int) -> Mapping[str, Any]:
    """Return a minimal update with a distinct update_id."""
    return {"update_id": 900_000 + number}


async def legit_updates(
    target: Target,
    *,
    secret: str,
    count: int = 10,
    interval: float = 0.2,
    timeout: float = 10.0,  # noqa: ASYNC109
    make_update: Callable[[int], Mapping[str, Any]] = sample_update,
) -> LegitReport:
    """Send count updates one after another, each on a new connection, timing each one."""
    loop = asyncio.get_running_loop()
    statuses: list[int] = []
    latencies: list[float] = []
    for number in range(count):
        body = json.dumps(make_update(number)).encode()
        began = loop.time()
        status, _ = await exchange(target, update_request(target, secret, body), timeout=timeout)
        latencies.append(loop.time() - began)
        statuses.append(status)
        await asyncio.sleep(interval)
    return LegitReport(tuple(statuses), tuple(latencies))
