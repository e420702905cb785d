"""The web chat's HTTP side: one page, rendered on the server, that works without JavaScript;
sessions in a cookie, stored only under their keyed hash; quick exit; strict headers, a CSRF
token on every form, capped bodies and rate limits. It hands each tap or typed line to the
conversation service like the Telegram transports do."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.core import codec
from bot.core import texts as core_texts
from bot.core.builtins.registry import REGISTRY
from bot.core.effects import Msg
from bot.core.events import Event, FreeText, JoinInvalid, Resume, Start, Tap, Verify
from bot.core.inputs import parse_text
from bot.core.links import CAMPAIGN_NAME, read_join_code
from bot.core.state import Position
from bot.i18n.catalogs import is_right_to_left
from bot.logs import event
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Outbound, OutButton
from bot.service.outbox import MakeAdminReport, MakeCertificate, Parcel, Pending, VerifyCode
from bot.service.ports import CampaignLinks, PageRow
from bot.service.render import Renderer
from bot.service.sessions import SessionRecord, SessionStore
from bot.service.user_keys import Sealer
from bot.transports.web import history as pages
from bot.transports.web import texts
from bot.transports.web.certificates import CertificatePages, download_path
from bot.transports.web.history import Entry, History
from bot.transports.web.kiosk import Kiosk, gets_certificate, without_certificates
from bot.transports.web.limits import PER_ADDRESS, PER_SESSION, MemoryRateLimit, RateLimit

PLATFORM = "web"
ADDRESS = "web-address"
"""The keyed-hash label of a client's address (the per-address rate limit's key)."""
COOKIE = "beacon_session"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""A session id as `secrets.token_urlsafe(32)` makes it; any other cookie is ignored."""
BODY_LIMIT = 16 * 1024
"""The largest request body accepted; a larger one is refused before it is read."""
TYPED_LIMIT = 1000
"""Typed text longer than this is cut before Beacon reads it (no screen needs more)."""
DATA_LIMIT = 64
"""Button data longer than this is no button of Beacon's (Telegram allows 64 bytes)."""
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
MAX_LINE = 8190
MAX_HEADERS = 64
KEEPALIVE_SECONDS = 15.0
STATIC = {"beacon.css": "text/css", "beacon.js": "text/javascript"}
"""Every file the page loads, all served by Beacon itself."""
PAGE_TEXTS = (
    "exit", "exit_hint", "exit_limits", "conversation", "you", "answer", "send", "keep",
    "slow_down", "back_to_chat", "kiosk_idle", "start_again", "kiosk_missing", "download_pdf",
    "download_png", "no_certificate", "verify_heading", "verify_prompt", "verify_check", "code",
)  # fmt: skip
"""The page's own texts (see `texts`), by their name in the template."""
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
"""The proxies trusted by default: a reverse proxy on this machine."""
DEFERRED = (MakeCertificate, VerifyCode, MakeAdminReport)
"""Parcel items made only when delivered: a turn with one is shown through the outbox."""
log = logging.getLogger("beacon.web")


@dataclass(frozen=True, slots=True)
class WebConfig:
    """What the web chat needs from the settings."""

    title: str = "Beacon"
    exit_url: str = "https://www.google.com/"
    secure: bool = False
    """Mark the cookie Secure (PUBLIC_URL is https)."""
    keep_days: int = 180
    """How long a session kept on its device lasts (the retention of every user)."""
    kiosk_idle_seconds: int = 90
    """A kiosk starts again after this many seconds without a request."""
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = LOOPBACK
    """Peers whose X-Forwarded-For is believed (WEB_TRUSTED_PROXIES)."""


def content_security_policy(exit_url: str) -> str:
    """Return the page's CSP: only Beacon's own files, no inline code, no framing; forms post
    to Beacon, and quick exit's redirect may go to the neutral site."""
    parts = urlsplit(exit_url)
    exit_origin = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {exit_origin}"
    )


def security_headers(exit_url: str) -> dict[str, str]:
    """Return the headers every response carries."""
    return {
        "Content-Security-Policy": content_security_policy(exit_url),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


class QuietAccessLog(AbstractAccessLogger):
    """An access log with no address, no query and no path beyond the route's own pattern."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log the method, the route, the status and how long it took (nothing is drawn when
        the level drops it)."""
        if not self.logger.isEnabledFor(logging.INFO):
            return
        route = "other"
        match_info = getattr(request, "match_info", None)
        resource = match_info.route.resource if match_info is not None else None
        if resource is not None:
            route = resource.canonical
        event(
            self.logger, "web_request", method=request.method, route=route,
            status=response.status, ms=round(time * 1000, 1),
        )  # fmt: skip


@dataclass
class Session:
    """A request's session: its id (only ever in the cookie and in memory), its keyed hash,
    whether it was just made, what it keeps, and when it was last used before this request."""

    id: str
    key: str
    new: bool
    keep: bool = False
    history: History = field(default_factory=History)
    seen: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class View:
    """A page to draw: the entries, which are this turn's, notes for this response only."""

    entries: tuple[Entry, ...]
    turn: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Drawn:
    """One entry as the page template draws it (attributes, not a dict: Jinja reads an
    attribute at once, while a dict's key costs it a failed attribute lookup first)."""

    entry: Entry
    latest: bool
    working: bool
    rows: tuple[tuple[OutButton, ...], ...]
    asks_text: bool
    download: dict[str, str] | None


def is_exit_button(button: OutButton) -> bool:
    """Say whether a button is the conversation's Exit: on the web it is quick exit."""
    if button.kind != "callback":
        return False
    decoded = codec.decode(button.data)
    return isinstance(decoded, codec.Callback) and decoded.op == codec.Op.EXIT


class WebChat:
    """Serves the web chat over a conversation service and a session store."""

    def __init__(
        self,
        service: ConversationService,
        sessions: SessionStore,
        config: WebConfig | None = None,
        limits: tuple[RateLimit, RateLimit] | None = None,
        campaigns: CampaignLinks | None = None,
    ) -> None:
        """Serve `service` (telling it a page cannot be written to first), keeping sessions in
        `sessions`; `limits` are the per-session and per-address rate limits (in memory by
        default); `campaigns` finds campaigns' payloads (for `/c/<name>` links and kiosks; none
        without it)."""
        self.service = service
        service.never_writes_first(PLATFORM)
        self.sessions = sessions
        self.config = config or WebConfig()
        self.campaigns = campaigns
        self.kiosk = Kiosk(self)
        per_session, per_address = limits or (
            MemoryRateLimit(PER_SESSION),
            MemoryRateLimit(PER_ADDRESS),
        )
        self.per_session = per_session
        self.per_address = per_address
        secret = service.keyer.secret
        self.csrf_key = hmac.new(secret, b"beacon/web-csrf", hashlib.sha256).digest()
        self.id_key = hmac.new(secret, b"beacon/web-session-id", hashlib.sha256).digest()
        self.sealer = Sealer(secret, b"beacon/web-history")
        self.headers = security_headers(self.config.exit_url)
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("bot.transports.web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # the templates ship with the package: compiled once, kept
        )
        self.templates.tests["exit_button"] = is_exit_button
        folder = resources.files("bot.transports.web") / "static"
        self.static = {name: (folder / name).read_bytes() for name in STATIC}
        self._page_texts: dict[str, SimpleNamespace] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self.certificate_pages = CertificatePages(self)

    def application(self) -> web.Application:
        """Return the aiohttp application: the page, its two forms' targets, its files."""
        app = web.Application(client_max_size=BODY_LIMIT, middlewares=[self._headers, self._guard])
        app.router.add_get("/", self.page)
        app.router.add_post("/say", self.say)
        app.router.add_post("/exit", self.exit)
        app.router.add_get("/static/{name}", self.file)
        app.router.add_get("/robots.txt", self.robots)
        app.router.add_get("/c/{campaign}", self.campaign, allow_head=False)
        app.router.add_get("/join/{code}", self.join, allow_head=False)
        self.kiosk.add_routes(app.router)
        self.certificate_pages.add_routes(app.router)
        return app

    # Middleware: headers on every response; size and rate checks before any handler.

    @web.middleware
    async def _headers(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Add the security headers to every response, errors included."""
        try:
            response = await handler(request)
        except web.HTTPException as refused:
            refused.headers.update(self.headers)
            raise
        response.headers.update(self.headers)
        return response

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Refuse a body over the cap before reading it, and a burst over the rate limits
        with a kind page (quick exit is never refused)."""
        length = request.content_length
        if length is not None and length > BODY_LIMIT:
            raise web.HTTPRequestEntityTooLarge(max_size=BODY_LIMIT, actual_size=length)
        if request.path == "/exit" or request.path.startswith("/static/"):
            return await handler(request)
        now = self.service.clock.now().timestamp()
        sid = self.cookie_of(request)
        over = not await self.per_address.allow(self.address_key(request), now)
        if sid is not None:
            over = not await self.per_session.allow(self.key_of(sid), now) or over
        if over:
            event(log, "web_rate_limited")
            return self._slow_down(request, sid)
        return await handler(request)

    def trusted(self, address: str) -> bool:
        """Say whether an address is one of the trusted proxies'."""
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.config.trusted_proxies)

    def address(self, request: web.Request) -> str:
        """Return the client's address: when the peer is a trusted proxy, the right-most
        X-Forwarded-For entry that is not itself a trusted proxy, else the peer's. Kept in
        memory only (keyed when stored, see address_key), never logged."""
        peer = request.remote or ""
        if not self.trusted(peer):
            return peer
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed(hops):
            if hop and not self.trusted(hop):
                return hop
        return peer

    # Sessions: a random id in the cookie, stored only under its keyed hash.

    @staticmethod
    def cookie_of(request: web.Request) -> str | None:
        """Return the session id the request's cookie carries, if it is shaped like one."""
        sid = request.cookies.get(COOKIE, "")
        return sid if SESSION_ID.match(sid) else None

    def user_id(self, sid: str) -> str:
        """Return the id the service knows a session by: a keyed hash of the cookie's value,
        so nothing the service keeps (even sealed, such as a reminder's chat) is the cookie."""
        return hmac.new(self.id_key, sid.encode(), hashlib.sha256).hexdigest()

    def address_key(self, request: web.Request) -> str:
        """Return the client's address under Beacon's keyed hash: the rate limit's key, which
        may be kept in Redis, so the address itself is stored nowhere."""
        return self.service.keyer.key(ADDRESS, self.address(request))

    def key_of(self, sid: str) -> str:
        """Return the session's stored key: the service's user key of its id."""
        return self.service.keyer.key(PLATFORM, self.user_id(sid))

    def csrf(self, sid: str) -> str:
        """Return the CSRF token of a session: keyed to its id, so it cannot be guessed."""
        return hmac.new(self.csrf_key, sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: object) -> bool:
        """Check a form's token against the session's, in constant time."""
        return isinstance(token, str) and hmac.compare_digest(token, self.csrf(sid))

    @asynccontextmanager
    async def session(self, request: web.Request) -> AsyncIterator[Session]:
        """Open the request's stored session, or a new one (a cookie naming no stored
        session is never reused); requests of one session run one at a time."""
        sid = self.cookie_of(request)
        if sid is None:
            yield self.fresh()
            return
        key = self.key_of(sid)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                record = await self.sessions.load(key)
                if record is None:
                    yield self.fresh()
                else:
                    history = self.opened(record.history)
                    yield Session(sid, key, False, record.keep, history, record.seen)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    def fresh(self) -> Session:
        """Return a new session with a new random id."""
        sid = secrets.token_urlsafe(32)
        return Session(sid, self.key_of(sid), new=True)

    def opened(self, sealed: str | None) -> History:
        """Return a stored history, or an empty one when it cannot be read."""
        text = self.sealer.open(sealed) if sealed else None
        if text is None:
            return History()
        try:
            return pages.decode(text)
        except (ValueError, TypeError, KeyError):
            event(log, "web_history_unreadable", level=logging.WARNING)
            return History()

    async def keep(self, session: Session) -> None:
        """Store the session as it is now (its last use is now)."""
        sealed = self.sealer.seal(pages.encode(session.history))
        record = SessionRecord(session.keep, sealed)
        if not await self.sessions.save(session.key, record, self.service.clock.now()):
            kiosk = session.history.kiosk
            session.keep, session.history = False, History(turn=session.history.turn, kiosk=kiosk)

    # Turns: one event through the service, its messages into the page.

    @staticmethod
    def language(request: web.Request) -> str | None:
        """Return the browser's first language (Accept-Language), if it is well formed."""
        first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
        return first if LANGUAGE.match(first) and len(first) <= 16 else None

    async def act(
        self, request: web.Request, session: Session, happened: Event, label: str | None = None
    ) -> View:
        """Hand one event to the service and show its messages: the page's history with them
        is stored in the transaction of the state change (no outbox entry); messages made only
        at delivery (a certificate, figures) go through the outbox and the session is kept
        after commit."""
        typed = isinstance(happened, Verify) or (
            isinstance(happened, FreeText) and happened.text is not None
        )
        address: dict[str, int | str | None] = {"typed": 1} if typed else {"label": label}
        user_id = self.user_id(session.id)
        inbound = Inbound(PLATFORM, user_id, happened, self.language(request), None, address)
        drawn: list[tuple[History, tuple[Entry, ...], bool]] = []

        def page(parcel: Parcel, forgotten: bool) -> PageRow | None:
            """Draw the turn into the session's history and return the row that keeps it."""
            if any(isinstance(item, DEFERRED) for item in parcel.items):
                return None
            out: list[Outbound] = [i for i in parcel.items if not isinstance(i, DEFERRED)]
            locale = parcel.locale or session.history.locale
            history, shown = session.history.after(label, out, locale, typed)
            if forgotten:  # nothing of the user is kept, as `keep` does once the user is gone
                drawn.append((History(turn=history.turn, kiosk=history.kiosk), shown, False))
                return PageRow(session.key, False, None)
            drawn.append((history, shown, session.keep))
            return PageRow(session.key, session.keep, self.sealer.seal(pages.encode(history)))

        pending = await self.service.accept(inbound, page)
        if not pending.paged:
            return await self.deliver(session, pending, label, typed)
        session.history, shown, session.keep = drawn[-1]
        return View(shown, session.history.turn)

    async def deliver(
        self, session: Session, pending: Pending, label: str | None, typed: bool
    ) -> View:
        """Put an outbox entry's messages on the page, keep the session, mark the entry done."""
        out: list[Outbound] = await self.service.messages(pending)
        locale = pending.parcel.locale or session.history.locale
        session.history, shown = session.history.after(label, out, locale, typed)
        await self.keep(session)
        await self.service.outbox.delivered(pending)
        return View(shown, session.history.turn)

    async def recover(self, session: Session) -> None:
        """Deliver what this session's earlier turns still owe (the process stopped between
        a commit and its page), so nothing is lost."""
        for pending in await self.service.outbox.due(PLATFORM, None, 100):
            if pending.parcel.user_key == session.key:
                address = pending.parcel.address
                label = address.get("label")
                await self.deliver(
                    session, pending, str(label) if label else None, bool(address.get("typed"))
                )

    async def current(self, request: web.Request, session: Session) -> View:
        """Return the page as it stands; after a typed turn (not kept) the current screen is
        shown again from the conversation's state."""
        if session.new:
            return await self.act(request, session, Start(""))
        await self.recover(session)
        if session.history.typed or not session.history.entries:
            inbound = Inbound(PLATFORM, self.user_id(session.id), Resume(), self.language(request))
            shown = session.history.showing(await self.service.handle(inbound))
            await self.keep(session)
            return View(shown, session.history.turn)
        await self.keep(session)
        return View(session.history.entries, session.history.turn)

    # Handlers.

    async def page(self, request: web.Request) -> web.StreamResponse:
        """Show the conversation so far, starting one for a new session (a kiosk's that waited
        its time starts again at the kiosk)."""
        async with self.session(request) as session:
            if self.kiosk.due(session):
                return self.kiosk.to_start(session)
            view = await self.current(request, session)
            return self.respond(request, session, view)

    async def say(self, request: web.Request) -> web.StreamResponse:
        """Act on a form: a button's data, a typed line, or keep on this device (neither on a
        kiosk); a post without a live session or with a wrong token, or a kiosk's post for a
        certificate, is answered kindly and never acted on, and one to a kiosk that waited its
        time starts the kiosk again."""
        form = await request.post()
        async with self.session(request) as session:
            if self.kiosk.due(session):
                return self.kiosk.to_start(session)
            if session.new:
                view = await self.act(request, session, Start(""))
                return self.respond(request, session, view, (core_texts.STALE,))
            if not self.csrf_ok(session.id, form.get("csrf")):
                event(log, "web_form_refused", reason="csrf")
                view = await self.current(request, session)
                return self.respond(request, session, view, (core_texts.UNREADABLE,), 403)
            data, typed, keep = form.get("b"), form.get("text"), form.get("keep") is not None
            if session.history.kiosk is not None:
                typed, keep = None, False
            if keep:
                session.keep = True
                view = await self.current(request, session)
                return self.respond(request, session, view, (texts.KEPT,))
            data = data[:DATA_LIMIT] if isinstance(data, str) else None
            if data is not None and session.history.kiosk is not None and gets_certificate(data):
                event(log, "web_form_refused", reason="kiosk_certificate")
                view = await self.current(request, session)
                return self.respond(request, session, view, (core_texts.UNREADABLE,))
            if data is not None:
                label = pages.label_for(session.history.entries, session.history.turn, data)
                view = await self.act(request, session, Tap(data), label)
            elif isinstance(typed, str) and typed.strip():
                view = await self.act(request, session, parse_text(typed[:TYPED_LIMIT]))
            else:
                view = await self.current(request, session)
            return self.respond(request, session, view)

    async def exit(self, request: web.Request) -> web.StreamResponse:
        """Quick exit: end the session and send the browser to the neutral site."""
        return await self.leave(request, self.config.exit_url)

    async def leave(self, request: web.Request, location: str) -> web.Response:
        """Delete the session (when the form is its own) and everything about it, forget the
        cookie, and send the browser to `location`."""
        form = await request.post()
        sid = self.cookie_of(request)
        if sid is not None and self.csrf_ok(sid, form.get("csrf")):
            ended = await self.sessions.end(self.key_of(sid))
            event(log, "web_exit", ended=ended)
        response = web.Response(status=303, headers={"Location": location})
        response.del_cookie(COOKIE, path="/")
        response.headers["Cache-Control"] = "no-store"
        if self.config.secure:
            response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response

    async def campaign(self, request: web.Request) -> web.StreamResponse:
        """Open a campaign's link as its Telegram deep link does (a start with the campaign's
        payload, so it is counted); an unknown name opens the main menu with a kind note."""
        name = request.match_info["campaign"].lower()
        payload = None
        if self.campaigns is not None and CAMPAIGN_NAME.match(name):
            payload = await self.campaigns.payload(name)
        if payload is None:
            event(log, "web_campaign_unknown")
            return await self.follow(request, Start(""), texts.NO_SUCH_CAMPAIGN)
        return await self.follow(request, Start(payload))

    async def join(self, request: web.Request) -> web.StreamResponse:
        """Offer to join a department as the Telegram join link does (a start with the code);
        a path that cannot be a code gets the answer an unknown code gets."""
        code = read_join_code(request.match_info["code"])
        return await self.follow(request, Start(code) if code else JoinInvalid(""))

    async def follow(
        self, request: web.Request, happened: Event, note: Msg | None = None
    ) -> web.StreamResponse:
        """Act on a link's event in the request's session (a new one if it has none), keep a
        note on the page when given, then send the browser to the page (303), so a reload or
        Back shows the page and does not act again."""
        async with self.session(request) as session:
            await self.act(request, session, happened)
            if note is not None:
                said = self.renderer(session, request).say(note)
                session.history = session.history.noted(said)
                await self.keep(session)
            response = web.Response(status=303, headers={"Location": "/"})
            response.headers["Cache-Control"] = "no-store"
            self.set_cookie(response, session)
            return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        """Serve one of the page's own files (the style sheet, the script)."""
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(
            body=self.static[name],
            content_type=STATIC[name],
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def robots(self, request: web.Request) -> web.StreamResponse:
        """Ask every crawler to stay away."""
        return web.Response(text="User-agent: *\nDisallow: /\n")

    # Drawing.

    def renderer(self, session: Session, request: web.Request) -> Renderer:
        """Return a renderer in the language the person sees."""
        return self.service.renderer(session.history.locale, self.language(request))

    def asks_text(self, screen: Position | None) -> bool:
        """Say whether a screen reads typed text (a name, an employee id)."""
        builtin = REGISTRY.get(screen)
        return builtin is not None and builtin.text is not None

    def report_side(self, screen: Position | None) -> bool:
        """Say whether a screen is on the report side (where exit's limits are said)."""
        tree = self.service.content.trees.get(screen.tree) if screen else None
        return tree is not None and tree.report_side

    def context(
        self, session: Session, renderer: Renderer, view: View, notes: tuple[Msg, ...]
    ) -> dict[str, Any]:
        """Return what the page template draws."""
        working = pages.active(view.entries, view.turn)
        screens = [view.entries[i].screen for i in working]
        latest = [place for place, entry in enumerate(view.entries) if entry.turn == view.turn]
        new_at = latest[0] if latest else len(view.entries) if notes else -1
        say = renderer.say
        locale = renderer.locale
        kiosk = self.kiosk.page(session)
        return {
            "lang": locale.replace("_", "-"),
            "dir": "rtl" if is_right_to_left(locale) else "ltr",
            "title": self.config.title,
            "exit_url": self.config.exit_url,
            "csrf": self.csrf(session.id),
            "entries": [
                Drawn(
                    entry,
                    entry.turn == view.turn,
                    place in working,
                    without_certificates(pages.stored_rows(entry, place in working))
                    if kiosk
                    else pages.stored_rows(entry, place in working),
                    place in working and self.asks_text(entry.screen) and not kiosk,
                    self.download(entry, renderer) if entry.kind == "file" else None,
                )
                for place, entry in enumerate(view.entries)
            ],
            "notes": [say(note) for note in notes],
            "new_at": new_at,
            "keep": session.keep,
            "kiosk": kiosk,
            "report_side": any(self.report_side(screen) for screen in screens),
            "t": self.page_texts(renderer),
        }

    def page_texts(self, renderer: Renderer) -> SimpleNamespace:
        """Return the page's own texts in the renderer's language, as attributes (drawn once
        per language)."""
        drawn = self._page_texts.get(renderer.locale)
        if drawn is None:
            say = renderer.say
            drawn = SimpleNamespace(
                **{name: say(getattr(texts, name.upper())) for name in PAGE_TEXTS}
            )
            self._page_texts[renderer.locale] = drawn
        return drawn

    def respond(
        self,
        request: web.Request,
        session: Session,
        view: View,
        notes: tuple[Msg, ...] = (),
        status: int = 200,
    ) -> web.Response:
        """Draw the page, with the session's cookie."""
        renderer = self.renderer(session, request)
        html = self.templates.get_template("page.html").render(
            self.context(session, renderer, view, notes)
        )
        response = web.Response(text=html, content_type="text/html", status=status)
        response.headers["Cache-Control"] = "no-store"
        self.set_cookie(response, session)
        return response

    def set_cookie(self, response: web.StreamResponse, session: Session) -> None:
        """Set the session's cookie: it ends with the browser unless the session is kept."""
        max_age = self.config.keep_days * 86400 if session.keep else None
        response.set_cookie(
            COOKIE, session.id, path="/", httponly=True, samesite="Strict",
            secure=self.config.secure, max_age=max_age,
        )  # fmt: skip

    @staticmethod
    def download(entry: Entry, renderer: Renderer) -> dict[str, str]:
        """Return a certificate file's download link: its address, label and size."""
        label = texts.DOWNLOAD_PDF if entry.text.endswith(".pdf") else texts.DOWNLOAD_PNG
        size = texts.FILE_SIZE.fill(size=max(1, round(entry.size / 1024)))
        return {
            "href": download_path(entry.text),
            "label": renderer.say(label),
            "size": renderer.say(size) if entry.size else "",
        }

    def plain_page(
        self, request: web.Request, template: str, sid: str | None = None, **extra: object
    ) -> str:
        """Draw a page outside the conversation (its Exit works for session `sid`) in the
        browser's language."""
        session = Session(sid or "", "", new=False)
        renderer = self.service.renderer(None, self.language(request))
        context = self.context(session, renderer, View((), 0), ())
        context["csrf"] = self.csrf(sid) if sid else ""
        return self.templates.get_template(template).render(context, **extra)

    def plain_response(
        self,
        request: web.Request,
        template: str,
        sid: str | None = None,
        status: int = 200,
        **extra: object,
    ) -> web.Response:
        """Return a page outside the conversation (see `plain_page`), never cached and with no
        cookie set."""
        html = self.plain_page(request, template, sid, **extra)
        response = web.Response(text=html, content_type="text/html", status=status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _slow_down(self, request: web.Request, sid: str | None) -> web.Response:
        """Return the kind page for a burst over the rate limit (status 429)."""
        response = self.plain_response(request, "slow_down.html", sid, 429)
        response.headers["Retry-After"] = "5"
        return response
