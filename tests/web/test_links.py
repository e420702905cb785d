"""Campaign links (`/c/<campaign>`) and join links (`/join/<code>`) on the web, over real HTTP
on 127.0.0.1 (SQLite and PostgreSQL): each acts once as its Telegram deep link does, then sends
the browser to the page, so a reload does not act again; an unknown campaign or a bad code gets
a kind answer, never an error page; the access log shows the route, never the code."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
import pytest

from bot.app import App
from bot.campaigns import registry
from bot.campaigns.registry import CampaignSpec, RegisteredLinks
from bot.content.bundle import Content
from bot.core import texts as core_texts
from bot.core.campaign_counts import START
from bot.core.events import Start
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.orgs.stats import Organization
from bot.service.certificates import certificate_secret
from bot.storage.web_session_table import SqlWebSessions
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database, campaign_counts
from bot.testing.service import SECRET, service_on
from bot.testing.user import ServiceUser, WebUser
from bot.testing.web import roomy_limits, serving
from bot.transports.web import texts
from bot.transports.web.launch import web_channel
from bot.transports.web.server import COOKIE, WebChat

DAY = FIXED_NOW.date()
WELCOME = "Welcome to Beacon."
FAIR = CampaignSpec("fair", "report", "es")


@dataclass
class Links:
    """A served web chat with campaigns and organizations, and what a test looks at."""

    base: str
    database: Database
    client: aiohttp.ClientSession
    user: WebUser
    join_code: str
    telegram: ServiceUser
    """Someone on Telegram using the same service, to compare with."""

    async def follow(self, path: str) -> aiohttp.ClientResponse:
        """Open a link as a browser does, but stop at its redirect (returned), then open the
        page it sends the browser to."""
        async with self.client.get(f"{self.base}{path}", allow_redirects=False) as response:
            pass
        await self.user.open()
        return response

    def session_id(self) -> str:
        """Return the session id in the cookie jar."""
        return {c.key: c.value for c in self.client.cookie_jar}[COOKIE]

    async def on_telegram(self, payload: str) -> list[str]:
        """Return the texts a Telegram user sees after `/start <payload>`."""
        await self.telegram.event(Start(payload))
        return self.telegram.texts()

    async def starts(self) -> int:
        """Return how many starts campaign "fair" counted today."""
        return (await campaign_counts(self.database)).get(("fair", START, DAY), 0)


@asynccontextmanager
async def links(
    database: Database, content: Content, with_campaigns: bool = True
) -> AsyncIterator[Links]:
    """Serve a web chat knowing campaign "fair" (report, Spanish) and a department's join code
    (unless `with_campaigns` is False: then no campaign is known)."""
    await registry.register(database.engine, FAIR, FIXED_NOW)
    directory = OrgDirectory(database.engine)
    await directory.create(Organization(0, "City of Phoenix", 10), FIXED_NOW)
    parks = await directory.add_department("City of Phoenix", "Parks")
    orgs = Organizations(directory, certificate_secret(SECRET))
    service = service_on(database.store, content, ManualClock(FIXED_NOW), orgs)
    campaigns = RegisteredLinks(database.engine) if with_campaigns else None
    sessions = SqlWebSessions(database.engine)
    chat = WebChat(service, sessions, limits=roomy_limits(), campaigns=campaigns)
    async with (
        serving(chat) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
    ):
        yield Links(
            base, database, client, WebUser(client, base), parks.join_code,
            ServiceUser(service, "telegram-user"),
        )  # fmt: skip


def latest_texts(user: WebUser) -> list[str]:
    """Return the texts of the entries the page's last action showed, notes included."""
    assert user.page is not None
    return [entry.text for entry in user.page.latest()]


async def test_a_campaign_link_opens_its_entry_as_telegram_does_and_counts_once(
    database: Database, shipped_content: Content
) -> None:
    """/c/fair answers 303 to / with a session cookie; the page then shows what the Telegram
    deep link `report-fair-es` shows, in Spanish, and the campaign counts one start; reloading
    the page acts on nothing and counts nothing more."""
    async with links(database, shipped_content) as web:
        response = await web.follow("/c/fair")
        assert response.status == 303 and response.headers["Location"] == "/"
        assert response.headers["Cache-Control"] == "no-store"
        assert any(h.startswith(f"{COOKIE}=") for h in response.headers.getall("Set-Cookie"))
        assert web.user.texts() == await web.on_telegram(FAIR.payload)
        assert web.user.page is not None and web.user.page.lang == "es"
        assert await web.starts() == 2  # the web link's start and the Telegram user's
        shown = web.user.page.entries
        await web.user.open()
        assert web.user.page.entries == shown
        assert await web.starts() == 2


async def test_a_campaign_link_continues_the_session_it_is_opened_in(
    database: Database, shipped_content: Content
) -> None:
    """Someone already talking to Beacon who opens the link keeps their session: the same
    cookie, one stored session, the campaign's screen now current and counted."""
    async with links(database, shipped_content) as web:
        await web.user.open()
        await web.user.click("Report or get help")
        before = web.session_id()
        await web.follow("/c/Fair")  # the name in any letter case, as on Telegram
        assert web.session_id() == before
        assert len(await database.rows("web_sessions")) == 1
        assert web.user.texts() == await web.on_telegram(FAIR.payload)
        assert await web.starts() == 2


@pytest.mark.parametrize(
    "name", ["nope", quote("<b>fair</b>", safe=""), "x" * 30, "fair-es", "%E2%80%AE"]
)
async def test_an_unknown_campaign_opens_the_main_menu_with_a_kind_note(
    database: Database, shipped_content: Content, name: str
) -> None:
    """An unknown or malformed name: the main menu and a kind note, the name nowhere on the
    page, nothing counted."""
    async with links(database, shipped_content) as web:
        response = await web.follow(f"/c/{name}")
        assert response.status == 303
        assert web.user.texts() == await web.on_telegram("")
        assert WELCOME in web.user.texts()[0]
        assert latest_texts(web.user)[-1] == texts.NO_SUCH_CAMPAIGN.text
        async with web.client.get(f"{web.base}/") as page:
            html = await page.text()
        assert "<b>" not in html and "nope" not in html and "x" * 30 not in html
        assert await campaign_counts(database) == {}


async def test_without_campaigns_every_campaign_link_is_unknown(
    database: Database, shipped_content: Content
) -> None:
    """A web chat given no campaigns answers a registered name's link as an unknown one."""
    async with links(database, shipped_content, with_campaigns=False) as web:
        await web.follow("/c/fair")
        assert latest_texts(web.user)[-1] == texts.NO_SUCH_CAMPAIGN.text
        assert await web.starts() == 0


async def test_a_join_link_offers_to_join_once_and_a_bad_code_is_answered_kindly(
    database: Database, shipped_content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """/join/<code> (any case) offers to join as the Telegram link does; Join joins; a reload
    offers nothing again. A code no department has, and a path that cannot be a code, get
    the Telegram answer to a bad code. The access log names the route, never the code."""
    caplog.set_level(logging.INFO)
    async with links(database, shipped_content) as web:
        response = await web.follow(f"/join/{web.join_code.lower()}")
        assert response.status == 303 and response.headers["Location"] == "/"
        assert web.user.texts() == await web.on_telegram(web.join_code)
        assert "City of Phoenix" in web.user.texts()[0]
        assert await database.rows("memberships") == []
        await web.user.click("Join")
        assert web.user.texts()[0] == "You joined City of Phoenix (Parks)."
        await web.user.open()
        assert len(await database.rows("memberships")) == 1
        for bad in ("ZZZZZZZZZZ", "report", quote("<i>", safe="")):
            await web.follow(f"/join/{bad}")
            assert web.user.texts() == await web.on_telegram("ZZZZZZZZZZ")
            assert web.user.texts()[0] == core_texts.JOIN_INVALID.text
        assert len(await database.rows("memberships")) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/join/{code}" in logged
    assert web.join_code not in logged.upper() and "ZZZZZZZZZZ" not in logged


async def test_a_head_request_or_a_post_acts_on_nothing(
    database: Database, shipped_content: Content
) -> None:
    """Only a browser's GET follows a link: HEAD (a link preview) and POST are refused and
    neither counts nor stores anything."""
    async with links(database, shipped_content) as web:
        async with web.client.head(f"{web.base}/c/fair") as head:
            assert head.status == 405
        async with web.client.post(f"{web.base}/join/{web.join_code}") as post:
            assert post.status == 405
        assert await web.starts() == 0
        assert await database.rows("web_sessions") == []


async def test_the_app_wires_the_registered_campaigns_into_the_web_chat(app: App) -> None:
    """`web_channel` gives the web chat the app's campaigns: a campaign registered in the
    app's database opens and is counted."""
    await registry.register(app.database, CampaignSpec("hall", "learn"), FIXED_NOW)
    chat = web_channel(app).chat
    async with (
        serving(chat) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
    ):
        user = WebUser(client, base)
        async with client.get(f"{base}/c/hall") as response:
            await user.load(response)
        telegram = ServiceUser(app.service, "telegram-user")
        await telegram.event(Start("learn-hall"))
        assert user.texts() == telegram.texts()
    found = await registry.find(app.database, "hall")
    assert found is not None
    stats = await registry.stats(app.database, found, DAY)
    assert stats.totals[START] == 2
