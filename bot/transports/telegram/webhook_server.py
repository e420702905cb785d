"""Beacon's webhook endpoint: Telegram's updates in, bounded in size, time and connections.

Both runtimes receive updates here. A request is checked in this order, and nothing later is
read when an earlier check fails: path (404), method (405), secret token (403, compared in
constant time), announced length (413), then the body, read within a deadline and a size cap
(408, 413), then JSON (400). A valid update goes to the feed: 200 when handled, 503 when it
could not be handled now (Telegram sends it again), 500 when the feed raised.

aiohttp has no deadline for request headers, so the connection factory here keeps its own:
each request must finish its headers within `header_timeout` (from the accept, or from its
first byte after a previous answer), and a connection between requests is closed after
`idle_timeout`. At most `max_connections` are held; a new connection beyond that closes the
oldest one still sending an incomplete request, or is itself closed at once when none is.
Among those, connections that have sent bytes go before new ones that have sent nothing yet
(a real client's request may still be on its way; a slowloris client must send to stay).
Only an answered update (200 or 503) keeps a connection open, so only a client that knows
the secret can hold an idle one.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.streams import StreamReader

from bot.logs import event

log = logging.getLogger("beacon.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BACKLOG = 1024
"""Connections the kernel may queue before they are accepted (capped by net.core.somaxconn)."""
ACCEPT_SHARE = 8
"""At most max_connections / ACCEPT_SHARE connections are accepted per event-loop turn."""
ACCEPT_PAUSE = 1.0
"""Seconds to stop accepting when the process is out of files or buffers (as asyncio does)."""
MAX_LINE = 4096
"""Longest request line or header field accepted, in bytes (431 or 400 beyond it)."""
MAX_HEADERS = 32
"""Most header fields in one request; with MAX_LINE this bounds a request head to 128 KiB."""
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

Feed = Callable[[Mapping[str, Any]], Awaitable[bool]]
"""Handles one update to completion: True when handled (answer 200), False when it could not
be handled now (answer 503, so Telegram sends it again later)."""


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """How much a webhook connection may send, how slowly, and how many may be open at once."""

    max_body: int = 1_048_576
    header_timeout: float = 10.0  # a connection must finish each request's headers within this
    body_timeout: float = 10.0  # and the request's body within this
    idle_timeout: float = 30.0  # keep-alive between requests
    max_connections: int = 256
    drain_timeout: float = 10.0  # `stop` lets updates being fed finish within this

    def __post_init__(self) -> None:
        """Refuse a limit that is not positive: none of them can be switched off."""
        for field in fields(self):
            if not getattr(self, field.name) > 0:
                raise ValueError(f"webhook limit {field.name} must be positive")


@dataclass(frozen=True, slots=True)
class WebhookStats:
    """Counts since start: connections open and at most open, and those closed by a limit."""

    open: int
    peak: int
    evicted: int
    refused: int
    timed_out: int
    rejected: int


def _reply(status: int, *, keep_alive: bool = False) -> web.Response:
    """Return an empty response; without keep_alive the connection closes after it."""
    response = web.Response(status=status)
    if not keep_alive:
        response.force_close()
    return response


async def _read_capped(stream: StreamReader, cap: int) -> bytes | None:
    """Return the whole body, or None as soon as it grows past cap bytes."""
    body = bytearray()
    while chunk := await stream.readany():
        body += chunk
        if len(body) > cap:
            return None
    return bytes(body)


class _Connection(web.RequestHandler):
    """aiohttp's protocol for one connection: tells the gate when a request begins; logs no text."""

    __slots__ = ("feeding", "gate", "next_began", "sending", "timer")

    def __init__(self, gate: _Gate, **kwargs: Any) -> None:
        """Serve one connection for gate, with aiohttp's protocol options in kwargs."""
        super().__init__(gate, **kwargs)
        self.gate = gate
        self.sending = False  # a request has begun and has not been read whole yet
        self.feeding = False  # its request has come whole: it is being answered or fed
        self.next_began = False  # bytes of the next request arrived while feeding
        self.timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        """Start the header deadline when the first byte of a new request arrives, then parse."""
        if data and self.sending:
            self.gate.heard(self)
        elif data:
            if self.feeding:
                self.next_began = True  # pipelined: its deadline starts once this one is answered
            else:
                self.gate.request_began(self)
        super().data_received(data)
        # aiohttp queues each parsed request with its body stream; a request whose body has
        # come whole is complete from this moment, before its handler starts two turns later.
        if self.sending and self._messages and self._messages[-1][1].is_eof():
            self.gate.request_complete(self)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Answer a request aiohttp could not parse or serve with a bare status; log its class.

        Unparseable requests are logged at debug level (scanners send them all day; stats count
        them); a 5xx here is a fault in Beacon and is logged as a warning.
        """
        event(
            log, "webhook_bad_request", level=logging.WARNING if status >= 500 else logging.DEBUG,
            status=status, error=type(exc).__name__ if exc is not None else "none",
        )  # fmt: skip
        self.gate.rejected += 1
        if request.writer.output_size > 0:
            raise ConnectionError("the response had begun; the connection is closed instead")
        return _reply(status)

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        """Log aiohttp's connection errors by class name only (their text can quote a request)."""
        error = kwargs.get("exc_info")
        name = type(error).__name__ if isinstance(error, BaseException) else "none"
        event(log, "webhook_connection_error", level=logging.WARNING, error=name)


class _Gate(web.Server):
    """aiohttp's connection factory: holds at most max_connections, closes slow and idle ones."""

    def __init__(
        self, handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
        limits: WebhookLimits,
    ) -> None:  # fmt: skip
        """Serve requests with handler within limits; call inside the running loop."""
        super().__init__(handler, handler_cancellation=False)
        self.loop = asyncio.get_running_loop()
        self.limits = limits
        self.open: set[_Connection] = set()
        self.silent: dict[_Connection, None] = {}
        """New connections that have sent nothing yet, oldest first."""
        self.waiting: dict[_Connection, None] = {}
        """Connections sending a request, in the order their first bytes came (oldest first)."""
        self.feeds: set[asyncio.Task[Any]] = set()
        """Requests whose update is with the feed; each ends once its answer is written."""
        self.closing = False
        self.emptied = asyncio.Event()
        self.peak = self.evicted = self.refused = self.timed_out = self.rejected = 0

    def __call__(self) -> _Connection:
        """Return the protocol for a new connection."""
        return _Connection(
            self,
            loop=self.loop,
            # aiohttp's own keep-alive timer is only a backstop behind the gate's deadlines.
            keepalive_timeout=self.limits.idle_timeout + self.limits.header_timeout,
            access_log=None,
            max_line_size=MAX_LINE,
            max_field_size=MAX_LINE,
            max_headers=MAX_HEADERS,
            lingering_time=0,  # never read the rest of a refused body
            auto_decompress=False,  # a compressed body is not JSON: 400, and no inflation
        )

    def stats(self) -> WebhookStats:
        """Return the counts so far."""
        return WebhookStats(
            len(self.open), self.peak, self.evicted, self.refused, self.timed_out, self.rejected
        )

    def connection_made(self, handler: web.RequestHandler, transport: asyncio.Transport) -> None:
        """Admit a connection, closing the oldest one still sending a request to make room."""
        super().connection_made(handler, transport)
        if not isinstance(handler, _Connection):
            return
        if self.closing:
            handler.force_close()
            return
        if len(self.open) >= self.limits.max_connections:
            oldest = next(iter(self.waiting), None) or next(iter(self.silent), None)
            if oldest is None:
                self.refused += 1
                handler.force_close()
                return
            self.evicted += 1
            self.drop(oldest)
        self.open.add(handler)
        self.peak = max(self.peak, len(self.open))
        handler.sending = True
        self.silent[handler] = None
        self._arm(handler, self.limits.header_timeout)

    def connection_lost(
        self, handler: web.RequestHandler, exc: BaseException | None = None
    ) -> None:
        """Forget a closed connection."""
        super().connection_lost(handler, exc)
        if isinstance(handler, _Connection):
            self.forget(handler)

    def request_began(self, conn: _Connection) -> None:
        """Give conn's new request header_timeout, and make it the newest one waiting."""
        if conn not in self.open:  # closed by the gate; aiohttp ignores what still arrives
            return
        conn.sending = True
        self.waiting.pop(conn, None)
        self.waiting[conn] = None
        self._arm(conn, self.limits.header_timeout)

    def heard(self, conn: _Connection) -> None:
        """Move a new connection's request among those waiting once its first bytes come.

        Its header deadline still counts from the accept. Until then it is closed to make room
        only when no connection that has sent something is waiting: a real client's request
        may still be on its way, and a slowloris client sends bytes to stay alive.
        """
        if conn in self.silent:
            del self.silent[conn]
            self.waiting[conn] = None

    def headers_read(self, conn: _Connection) -> None:
        """Stop conn's header deadline; its body is timed by the request handler."""
        self._disarm(conn)

    def request_complete(self, conn: _Connection) -> None:
        """Mark conn's request complete: it can no longer be closed to make room or by a timer."""
        conn.sending = False
        conn.feeding = True
        self.silent.pop(conn, None)
        self.waiting.pop(conn, None)
        self._disarm(conn)

    def body_read(self, conn: _Connection) -> None:
        """Mark conn's request complete and its update as being fed."""
        self.request_complete(conn)
        task = asyncio.current_task()
        if task is not None:
            self.feeds.add(task)
            task.add_done_callback(self.feeds.discard)

    def answered(self, conn: _Connection, keep_alive: bool) -> None:
        """Start conn's idle deadline, or a short one while a refused connection closes."""
        conn.feeding = False
        if conn.next_began and keep_alive:
            conn.next_began = False
            self.request_began(conn)
        elif conn in self.open:
            timeout = self.limits.idle_timeout if keep_alive else self.limits.header_timeout
            self._arm(conn, timeout)

    def drop(self, conn: _Connection) -> None:
        """Close conn now."""
        self.forget(conn)
        conn.force_close()

    def forget(self, conn: _Connection) -> None:
        """Stop tracking conn."""
        self._disarm(conn)
        self.open.discard(conn)
        self.silent.pop(conn, None)
        self.waiting.pop(conn, None)
        if self.closing and not self.open:
            self.emptied.set()

    def _arm(self, conn: _Connection, seconds: float) -> None:
        """Close conn after seconds unless re-armed or disarmed first."""
        self._disarm(conn)
        conn.timer = self.loop.call_later(seconds, self._expire, conn)

    def _disarm(self, conn: _Connection) -> None:
        """Cancel conn's deadline."""
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None

    def _expire(self, conn: _Connection) -> None:
        """Close conn: its deadline passed."""
        conn.timer = None
        if not conn.feeding:
            self.timed_out += 1
            self.drop(conn)

    async def drain(self, grace: float) -> None:
        """Close every connection; updates being fed get grace seconds to finish and answer.

        A feed still running after grace is cancelled, so Telegram sends its update again.
        """
        self.closing = True
        for conn in list(self.open):
            if conn.feeding:
                conn.close()  # aiohttp closes it once the answer is written
            else:
                self.drop(conn)
        try:
            async with asyncio.timeout(grace):
                if self.feeds:  # including those whose client has gone
                    await asyncio.wait(set(self.feeds))
                if self.open:
                    await self.emptied.wait()
        except TimeoutError:
            stuck = [task for task in self.feeds if not task.done()]
            for task in stuck:
                task.cancel()
            for conn in list(self.open):
                self.drop(conn)
            if stuck:
                await asyncio.wait(stuck, timeout=1.0)
            event(log, "webhook_drain_timed_out", level=logging.WARNING, cancelled=len(stuck))


class _Acceptor:
    """A listening socket that accepts a few connections per event-loop turn.

    asyncio's own server accepts up to its whole backlog at once, so under a flood hundreds of
    new connections can each close the oldest one waiting before anything they sent is read,
    a real client's among them. Accepting a few at a time lets each new connection's first
    bytes be read (three loop turns later) before a flood can push it out.
    """

    def __init__(self, sock: socket.socket, gate: _Gate, batch: int) -> None:
        """Accept from sock, batch at a time, into gate."""
        self.sock = sock
        self.gate = gate
        self.batch = batch
        self.loop = asyncio.get_running_loop()
        self.tasks: set[asyncio.Task[Any]] = set()
        self._resume: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Begin accepting whenever connections are waiting."""
        self._resume = None
        self.loop.add_reader(self.sock.fileno(), self._accept)

    def _accept(self) -> None:
        """Accept up to batch connections and hand each to the gate."""
        for _ in range(self.batch):
            try:
                conn, _address = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as err:
                if err.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                event(log, "webhook_accept_paused", level=logging.WARNING, error=err.errno)
                self.loop.remove_reader(self.sock.fileno())
                self._resume = self.loop.call_later(ACCEPT_PAUSE, self.start)
                return
            conn.setblocking(False)
            task = self.loop.create_task(self.loop.connect_accepted_socket(self.gate, conn))
            self.tasks.add(task)
            task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[Any]) -> None:
        """Forget a finished hand-over; one that failed (the client left) needs nothing more."""
        self.tasks.discard(task)
        if not task.cancelled():
            task.exception()

    async def close(self) -> None:
        """Stop accepting and close the listening socket."""
        if self._resume is not None:
            self._resume.cancel()
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class WebhookServer:
    """One webhook endpoint for either runtime: checks, bounds and feeds Telegram's updates."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        secret: str,
        feed: Feed,
        limits: WebhookLimits = WebhookLimits(),  # frozen, so one default is safe
        *,
        shared: bool = False,
    ) -> None:
        """Listen on host:port for POSTs to path bearing secret (`shared`: beside other
        processes on the same port, SO_REUSEPORT); nothing binds until `start`."""
        self.host = host
        self.path = path
        self.limits = limits
        self._port = port
        self._secret = secret.encode("utf-8")
        self._feed = feed
        self._shared = shared
        self._gate: _Gate | None = None
        self._acceptor: _Acceptor | None = None

    @property
    def port(self) -> int:
        """The bound port (port 0 picks a free one), or the configured one before `start`."""
        if self._acceptor is None:
            return self._port
        return int(self._acceptor.sock.getsockname()[1])

    @property
    def stats(self) -> WebhookStats:
        """Connections open, at most open, and closed by each limit since `start`."""
        if self._gate is None:
            return WebhookStats(0, 0, 0, 0, 0, 0)
        return self._gate.stats()

    async def start(self) -> None:
        """Bind (to the first address host resolves to) and begin accepting connections."""
        if self._acceptor is not None:
            raise RuntimeError("the webhook server is already running")
        loop = asyncio.get_running_loop()
        family, *_, address = (
            await loop.getaddrinfo(
                self.host or None, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )
        )[0]
        sock = socket.create_server(
            address, family=family, backlog=BACKLOG, reuse_port=self._shared
        )
        sock.setblocking(False)
        self._gate = _Gate(self._handle, self.limits)
        batch = max(1, self.limits.max_connections // ACCEPT_SHARE)
        self._acceptor = _Acceptor(sock, self._gate, batch)
        self._acceptor.start()
        event(log, "webhook_listening", port=self.port, limit=self.limits.max_connections)

    async def stop(self) -> None:
        """Stop accepting, let updates being fed finish (within drain_timeout), close the rest."""
        acceptor, gate = self._acceptor, self._gate
        if acceptor is None or gate is None:
            return
        gate.closing = True
        await acceptor.close()
        await gate.drain(self.limits.drain_timeout)
        self._acceptor = None
        stats = gate.stats()
        event(
            log, "webhook_stopped", peak=stats.peak, evicted=stats.evicted,
            refused=stats.refused, timed_out=stats.timed_out, rejected=stats.rejected,
        )  # fmt: skip

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request, keeping the gate told of where its connection stands."""
        conn = request.protocol
        if not isinstance(conn, _Connection):  # every protocol here is one
            return _reply(500)
        gate = conn.gate
        gate.headers_read(conn)
        response = await self._answer(request, conn)
        keep_alive = response.status in (200, 503)
        if not keep_alive:
            gate.rejected += 1
        gate.answered(conn, keep_alive)
        return response

    async def _answer(self, request: web.BaseRequest, conn: _Connection) -> web.Response:
        """Check the request in order, read the body within its limits, and feed the update."""
        if request.path != self.path:
            return _reply(404)
        if request.method != hdrs.METH_POST:
            response = _reply(405)
            response.headers[hdrs.ALLOW] = hdrs.METH_POST
            return response
        # surrogatepass: any header text encodes, so an odd secret is a mismatch, never an error.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(given, self._secret):
            return _reply(403)
        length = request.content_length
        if length is not None and length > self.limits.max_body:
            return _reply(413)
        if request.headers.get(hdrs.EXPECT, "").lower() == "100-continue":
            await request.writer.write(CONTINUE)
        try:
            async with asyncio.timeout(self.limits.body_timeout):
                body = await _read_capped(request.content, self.limits.max_body)
        except TimeoutError:
            conn.gate.timed_out += 1
            return _reply(408)
        except (web.RequestPayloadError, HttpProcessingError, ConnectionError):
            return _reply(400)
        if body is None:
            return _reply(413)
        conn.gate.body_read(conn)
        try:
            update = json.loads(body)
        except (ValueError, RecursionError):
            return _reply(400)
        if not isinstance(update, dict):
            return _reply(400)
        try:
            handled = await self._feed(update)
        except Exception as err:
            event(log, "webhook_feed_failed", level=logging.ERROR, error=type(err).__name__)
            return _reply(500)
        return _reply(200 if handled else 503, keep_alive=True)
