"""Kiosk mode for event tablets: `/kiosk/<campaign>` starts a session at the campaign's entry,
counted as the campaign's opening as its Telegram link is. A kiosk page has large buttons, no
text box, no "keep" and no certificate; it starts again from the beginning (the old session
deleted) after KIOSK_IDLE_SECONDS without a request, sooner after a finished path, and on quick
exit. The server decides from its clock; the page's timer (a `<meta>` refresh without
JavaScript) only asks it at the right time."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from bot.content.models import EndNode, QuizResultNode
from bot.core import codec
from bot.core.events import Start
from bot.core.links import CAMPAIGN_NAME
from bot.core.state import Position
from bot.logs import event
from bot.service.messages import OutButton
from bot.transports.web import history as pages
from bot.transports.web.history import History

if TYPE_CHECKING:
    from bot.transports.web.server import Session, WebChat

Rows = tuple[tuple[OutButton, ...], ...]
log = logging.getLogger("beacon.web")


@dataclass(frozen=True, slots=True)
class KioskPage:
    """What a kiosk page draws: its start's address, the address that starts it again, how
    many seconds without a request it waits before it does, and whether its path is finished."""

    campaign: str
    after: int
    finished: bool

    @property
    def start(self) -> str:
        """Return the kiosk's own address (its start)."""
        return start_of(self.campaign)

    @property
    def reset(self) -> str:
        """Return the address a form posts to start again (quick exit, "Start again")."""
        return f"{self.start}/new"


def start_of(campaign: str) -> str:
    """Return the address of a campaign's kiosk."""
    return f"/kiosk/{campaign}"


def finished_at(chat: WebChat, screen: Position | None) -> bool:
    """Say whether a screen ends a path (no further step): an end screen (the report side's
    last, About's) or a quiz's result (a module or a knowledge check finished)."""
    tree = chat.service.content.trees.get(screen.tree) if screen else None
    node = tree.nodes.get(screen.node) if tree is not None and screen is not None else None
    return isinstance(node, EndNode | QuizResultNode)


def wait_seconds(idle: int, finished: bool) -> int:
    """Return how long a kiosk page waits for a request before it starts again: the idle
    time, or half of it (rounded up) on a finished path's last screen."""
    return -(-idle // 2) if finished else idle


def gets_certificate(data: str) -> bool:
    """Say whether button data asks for a certificate (or names one)."""
    decoded = codec.decode(data)
    return isinstance(decoded, codec.Callback) and decoded.op == codec.Op.CERTIFICATE


def without_certificates(rows: Rows) -> Rows:
    """Return button rows without the buttons that get a certificate (a kiosk makes none)."""
    kept = (
        tuple(b for b in row if b.kind != "callback" or not gets_certificate(b.data))
        for row in rows
    )
    return tuple(row for row in kept if row)


def campaign_of(request: web.Request) -> str | None:
    """Return the campaign a kiosk address names, if it is shaped like a campaign's name."""
    name = request.match_info["campaign"].lower()
    return name if CAMPAIGN_NAME.match(name) else None


class Kiosk:
    """The kiosk's routes and decisions, over a web chat and its campaigns."""

    def __init__(self, chat: WebChat) -> None:
        """Serve kiosks of `chat`'s campaigns."""
        self.chat = chat

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Add the kiosk's start and its "start again" form's target."""
        router.add_get("/kiosk/{campaign}", self.open)
        router.add_post("/kiosk/{campaign}/new", self.again)

    def page(self, session: Session) -> KioskPage | None:
        """Return what a kiosk session's page draws; None for a session on no kiosk."""
        campaign = session.history.kiosk
        if campaign is None:
            return None
        history = session.history
        screens = [history.entries[i].screen for i in pages.active(history.entries, history.turn)]
        finished = finished_at(self.chat, screens[-1] if screens else None)
        return KioskPage(
            campaign, wait_seconds(self.chat.config.kiosk_idle_seconds, finished), finished
        )

    def due(self, session: Session) -> bool:
        """Say whether a kiosk session has waited its time without a request (by the clock)."""
        page = self.page(session)
        if page is None or session.new or session.seen is None:
            return False
        waited = self.chat.service.clock.now() - session.seen
        return waited >= dt.timedelta(seconds=page.after)

    def to_start(self, session: Session) -> web.Response:
        """Send the browser to its kiosk's start (which starts it again), never cached."""
        location = start_of(session.history.kiosk or "")
        return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})

    async def open(self, request: web.Request) -> web.StreamResponse:
        """Show the kiosk: its session's page as it stands, or, for a new visitor, a session
        of another kiosk or none, or one that waited its time, a new session at the campaign's
        entry (the old one deleted) that counts as the campaign's opening."""
        campaign = campaign_of(request)
        payload = await self.payload(campaign)
        if campaign is None or payload is None:
            return self.missing(request, campaign)
        async with self.chat.session(request) as session:
            if not session.new:
                if session.history.kiosk == campaign and not self.due(session):
                    view = await self.chat.current(request, session)
                    return self.chat.respond(request, session, view)
                await self.chat.sessions.end(session.key)
                event(log, "kiosk_restarted")
        fresh = self.chat.fresh()
        fresh.history = History(kiosk=campaign)
        view = await self.chat.act(request, fresh, Start(payload))
        return self.chat.respond(request, fresh, view)

    async def again(self, request: web.Request) -> web.StreamResponse:
        """Start again (quick exit and "Start again" on a kiosk): end the session as quick exit
        does, then send the browser to the kiosk's start instead of the neutral site."""
        campaign = campaign_of(request)
        return await self.chat.leave(request, start_of(campaign) if campaign else "/")

    async def payload(self, campaign: str | None) -> str | None:
        """Return the deep-link payload of a registered campaign, or None."""
        links = self.chat.campaigns
        if campaign is None or links is None:
            return None
        return await links.payload(campaign)

    def missing(self, request: web.Request, campaign: str | None) -> web.Response:
        """Return the kind page for a kiosk whose campaign is not registered (status 404),
        naming the command an organizer runs."""
        command = f"python -m bot campaign create {campaign or 'NAME'} --entry report"
        return self.chat.plain_response(request, "kiosk_missing.html", None, 404, command=command)
