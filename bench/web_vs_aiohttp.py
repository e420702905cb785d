"""Beacon's web chat against a bare aiohttp page server, both real processes on 127.0.0.1.

Usage: python bench/web_vs_aiohttp.py [--conversations 200] [--rate 100] [--seconds 10]
                                      [--database-url URL | --no-postgres] [--tiny]

In one run: the bare server, then `python -m bot web` on SQLite, then on a fresh PostgreSQL
database (`--database-url`, by default TEST_DATABASE_URL when it is set). The bare server
(this script with `--serve-bare`) is aiohttp with a Jinja2 page of the same size as Beacon's:
a cookie session kept in memory, a list of messages, one form of buttons with a keyed CSRF
token. The load client is this process (the servers each run in their own, so on 2 cores the
client does not share the server's event loop); each simulated conversation keeps its own
cookie, reads every page, takes the CSRF token and the next button's data from it and posts the
form, like a browser without JavaScript: open the page, then the report path (Report, United
States, Arizona, a child) and Home. Each conversation sends its own X-Forwarded-For address
(the client behind a proxy on loopback), so Beacon's per-address rate limit counts each alone.

Two loads each: a burst (every conversation at once, requests/s until the last page came) and
a paced load (requests at a fixed rate; latency from a request's planned time to its whole
page, p50/p99). The last column is the server's CPU time per request of the burst (every
thread of its process, from /proc), which other work on a shared machine sways less than the
requests/s. With WEB_BENCH_PROFILE=<folder>, py-spy (when installed) samples each server
during its burst into that folder; with WEB_BENCH_CPROFILE=<folder>, Beacon runs under
cProfile (CPU time, main thread) and leaves its profile there. Everything is bounded and local.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import secrets
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web
from telegram_vs_echo import drop_postgres, fresh_postgres

from bot.settings import PROJECT_ROOT
from bot.testing.web import WebPage

PATH = ("Report or get help", "United States", "Arizona", "A child or teen (maybe under 18)",
        "Home")  # fmt: skip
"""The buttons each conversation presses after opening the page, by their English labels."""
REQUESTS = 1 + len(PATH)
"""Requests per conversation: the page, then one form post per button."""
CPROFILED = """
import cProfile, runpy, sys, time
profile, out = cProfile.Profile(time.process_time), sys.argv[1]
sys.argv = ["bot", "web"]
profile.enable()
try:
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    profile.disable()
    profile.dump_stats(f"{out}-{time.monotonic_ns()}.prof")
"""
"""`python -m bot web` under cProfile on CPU time (WEB_BENCH_CPROFILE=<folder>)."""
START_LIMIT = 120.0
DONE_LIMIT = 300.0
BARE_PAGE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare</title></head><body><main id="main">
<ol id="conversation">
{% for text in messages %}<li class="msg msg-beacon{% if loop.last %} latest{% endif %}" \
data-kind="beacon"><div class="text">{{ text }}</div>{% if loop.last %}
<form class="choices" method="post" action="/say"><input type="hidden" name="csrf" \
value="{{ csrf }}">{% for label in labels %}<div class="row"><button class="choice" \
type="submit" name="b" value="b{{ loop.index }}" data-label="{{ label }}">{{ label }}</button>\
</div>{% endfor %}</form>{% endif %}</li>
{% endfor %}</ol></main></body></html>""",
    autoescape=True,
)


class BarePages:
    """The ceiling: a page server with a cookie session in memory and a keyed CSRF token, its
    page padded to the size of Beacon's."""

    def __init__(self, size: int) -> None:
        """Draw pages of about `size` bytes."""
        self.size = size
        self.key = secrets.token_bytes(32)
        self.sessions: dict[str, list[str]] = {}

    def csrf(self, sid: str) -> str:
        """Return the session's CSRF token."""
        return hmac.new(self.key, sid.encode(), hashlib.sha256).hexdigest()

    def respond(self, sid: str) -> web.Response:
        """Draw the session's page, padded with one filler message to the size asked for."""
        taps = self.sessions[sid]
        messages = [f"You pressed {tap}." for tap in taps[-80:]] or ["Welcome."]
        csrf = self.csrf(sid)
        html = BARE_PAGE.render(messages=messages, labels=PATH, csrf=csrf)
        filler = max(0, self.size - len(html.encode()))
        html = BARE_PAGE.render(messages=["x" * filler, *messages], labels=PATH, csrf=csrf)
        response = web.Response(text=html, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie("bare", sid, path="/", httponly=True, samesite="Strict")
        return response

    async def page(self, request: web.Request) -> web.Response:
        """Show the page, starting a session when the cookie names none."""
        sid = request.cookies.get("bare", "")
        if sid not in self.sessions:
            sid = secrets.token_urlsafe(32)
            self.sessions[sid] = []
        return self.respond(sid)

    async def say(self, request: web.Request) -> web.Response:
        """Note a pressed button when the form's token is the session's."""
        form = await request.post()
        sid = request.cookies.get("bare", "")
        if sid not in self.sessions:
            return await self.page(request)
        token, data = form.get("csrf"), form.get("b")
        if isinstance(token, str) and hmac.compare_digest(token, self.csrf(sid)):
            self.sessions[sid].append(str(data))
        return self.respond(sid)


async def serve_bare(port: int, size: int) -> None:
    """Serve the bare pages on 127.0.0.1:port until SIGTERM."""
    pages = BarePages(size)
    app = web.Application(client_max_size=16 * 1024)
    app.router.add_get("/", pages.page)
    app.router.add_post("/say", pages.say)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=15.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


@dataclass
class Conversation:
    """One simulated person: their cookie, their address behind the proxy, the page shown."""

    number: int
    cookie: str = ""
    page: WebPage | None = None
    sizes: list[int] = field(default_factory=list)

    @property
    def address(self) -> str:
        """Return the person's own address, as a proxy would forward it."""
        n = self.number
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    async def request(self, client: aiohttp.ClientSession, base: str, step: int) -> None:
        """Do the conversation's `step`-th request: open the page, or press the next button."""
        headers = {"X-Forwarded-For": self.address, "Accept-Language": "en"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if step == 0:
            call = client.get(f"{base}/", headers=headers)
        else:
            assert self.page is not None
            form = {"csrf": self.page.csrf or "", "b": self.page.data_for(PATH[step - 1])}
            call = client.post(f"{base}/say", data=form, headers=headers)
        async with call as response:
            body = await response.text()
            if response.status != 200:
                raise RuntimeError(f"status {response.status} at step {step}")
            for name, morsel in response.cookies.items():
                self.cookie = f"{name}={morsel.value}"
        self.sizes.append(len(body.encode()))
        self.page = WebPage(body)


@dataclass(frozen=True)
class Figures:
    """What one server did: burst requests/s, paced latency, and its mean page size."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    page_bytes: int
    cpu_ms: float
    """The server's CPU time (its process, every thread) per request of the burst: less
    swayed than requests/s by other work on a shared machine."""


class Load:
    """Drives conversations against one server."""

    def __init__(self, client: aiohttp.ClientSession, base: str) -> None:
        """Load the server at `base` through `client` (no cookie jar: each conversation keeps
        its own cookie)."""
        self.client = client
        self.base = base
        self.next_number = 1
        self.sizes: list[int] = []

    def people(self, count: int) -> list[Conversation]:
        """Return conversations nobody has had yet."""
        start, self.next_number = self.next_number, self.next_number + count
        return [Conversation(n) for n in range(start, start + count)]

    async def burst(self, count: int) -> float:
        """Run `count` conversations at once; return requests per second until the last."""
        people = self.people(count)

        async def walk(person: Conversation) -> None:
            for step in range(REQUESTS):
                await person.request(self.client, self.base, step)

        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(walk(p) for p in people)), DONE_LIMIT)
        elapsed = time.monotonic() - started
        self.sizes += [size for person in people for size in person.sizes]
        return count * REQUESTS / elapsed

    async def paced(self, rate: float, seconds: float) -> tuple[float, float]:
        """Send requests at `rate` per second for `seconds`, conversations interleaved;
        return (p50, p99) latency in ms, each timed from its planned start."""
        total = max(REQUESTS, int(rate * seconds))
        people = self.people(max(1, total // REQUESTS))
        count = len(people)
        latencies: list[float] = []
        started = time.monotonic()

        async def walk(index: int, person: Conversation) -> None:
            for step in range(REQUESTS):
                planned = started + (step * count + index) / rate
                await asyncio.sleep(max(0.0, planned - time.monotonic()))
                await person.request(self.client, self.base, step)
                latencies.append(time.monotonic() - planned)

        await asyncio.wait_for(
            asyncio.gather(*(walk(i, p) for i, p in enumerate(people))), DONE_LIMIT
        )
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return statistics.median(ordered) * 1000, p99 * 1000


def free_port() -> int:
    """Return a port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def measure(command: list[str], env: dict[str, str], args: argparse.Namespace) -> Figures:
    """Start a server process on a free port (WEB_PORT, and in place of PORT in `command`),
    wait until it answers, load it, stop it; return its figures."""
    port = free_port()
    command = [str(port) if part == "PORT" else part for part in command]
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall it
        process = await asyncio.create_subprocess_exec(
            *command, env={**env, "WEB_PORT": str(port)},
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            figures = await load_server(f"http://127.0.0.1:{port}", process, args)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        log.seek(0)
        stderr = log.read().decode(errors="replace")
    if process.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(stderr[-2000:])
    return figures


async def load_server(
    base: str, process: asyncio.subprocess.Process, args: argparse.Namespace
) -> Figures:
    """Wait for the server, warm it up, then measure a burst and a paced load."""
    connector = aiohttp.TCPConnector(limit=max(100, args.conversations))
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as client:
        deadline = time.monotonic() + START_LIMIT
        while True:
            if time.monotonic() > deadline or process.returncode is not None:
                raise RuntimeError("the server did not start")
            try:
                async with client.get(f"{base}/robots.txt") as response:
                    await response.read()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        load = Load(client, base)
        await load.burst(max(2, args.conversations // 10))  # warm-up: connections, caches
        used = cpu_seconds(process.pid)
        async with profiled(process.pid):
            throughput = await load.burst(args.conversations)
        cpu_ms = (cpu_seconds(process.pid) - used) * 1000 / (args.conversations * REQUESTS)
        p50, p99 = await load.paced(args.rate, args.seconds)
        return Figures(throughput, p50, p99, int(statistics.mean(load.sizes)), cpu_ms)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time a process has used so far (user and system, all its threads), or 0
    where /proc cannot say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def profiled(pid: int) -> AsyncIterator[None]:
    """Sample the server with py-spy (when installed beside this Python) during the block when
    WEB_BENCH_PROFILE names a folder (collapsed stacks per server there); else do nothing."""
    folder = os.environ.get("WEB_BENCH_PROFILE")
    py_spy = Path(sys.executable).parent / "py-spy"
    if not folder or not py_spy.exists():
        yield
        return
    out = Path(folder) / f"server-{pid}.txt"
    spy = await asyncio.create_subprocess_exec(
        str(py_spy), "record", "--pid", str(pid),
        "--format", "raw", "--output", str(out), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        await asyncio.wait_for(spy.wait(), 60)


def row(label: str, figures: Figures, ceiling: Figures | None) -> str:
    """Return one line of the results table."""
    ratio = (
        f"{figures.requests_per_second / ceiling.requests_per_second:5.2f}" if ceiling else "    -"
    )
    return (
        f"{label:<22} {figures.requests_per_second:9,.0f} {ratio}  "
        f"{figures.p50_ms:7.1f} {figures.p99_ms:7.1f} {figures.page_bytes:8,} "
        f"{figures.cpu_ms:7.2f}"
    )


async def main() -> None:
    """Run every configuration and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--tiny", action="store_true", help="a few conversations, for tests")
    parser.add_argument("--serve-bare", type=int, nargs=2, metavar=("PORT", "BYTES"))
    args = parser.parse_args()
    if args.serve_bare:
        await serve_bare(*args.serve_bare)
        return
    if args.tiny:
        args.conversations, args.rate, args.seconds = 4, 20.0, 0.5
    python = sys.executable
    base_env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "WARNING"}
    print(f"burst: {args.conversations} conversations x {REQUESTS} requests; paced: "
          f"{args.rate:g}/s for {args.seconds:g} s; {os.cpu_count()} cores")  # fmt: skip
    print(f"{'server':<22} {'req/s':>9} {'ratio':>5}  {'p50 ms':>7} {'p99 ms':>7} "
          f"{'bytes':>8} {'cpu ms':>7}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base_env, "DATA_DIR": tmp, "WEB_HOST": "127.0.0.1",
               "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'beacon.db'}"}  # fmt: skip
        beacon = [python, "-m", "bot", "web"]
        if os.environ.get("WEB_BENCH_CPROFILE"):
            out = str(Path(os.environ["WEB_BENCH_CPROFILE"]) / "beacon")
            beacon = [python, "-c", CPROFILED, out]
        sqlite = await measure(beacon, env, args)
        script = str(PROJECT_ROOT / "bench" / "web_vs_aiohttp.py")
        bare_command = [python, script, "--serve-bare", "PORT", str(sqlite.page_bytes)]
        bare = await measure(bare_command, base_env, args)
        print(row("bare aiohttp", bare, None), flush=True)
        print(row("Beacon web, SQLite", sqlite, bare), flush=True)
        if args.database_url and not args.no_postgres:
            url, name = await fresh_postgres(args.database_url)
            try:
                postgres = await measure(beacon, {**env, "DATABASE_URL": url}, args)
            finally:
                await drop_postgres(args.database_url, name)
            print(row("Beacon web, PostgreSQL", postgres, bare), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
