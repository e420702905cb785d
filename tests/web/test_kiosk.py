"""Kiosk mode over real HTTP on 127.0.0.1 (SQLite and PostgreSQL): a tablet at an event opens
`/kiosk/<campaign>` and gets large buttons, no text box, no "keep" and no certificate; each
kiosk session counts as the campaign's opening; the server starts the kiosk again from the
test clock after KIOSK_IDLE_SECONDS, sooner after a finished path, and on quick exit, and
nothing of the previous person's session remains."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy import text

from bot.campaigns.registry import CampaignSpec, RegisteredLinks, register
from bot.content.bundle import Content
from bot.core import texts as core_texts
from bot.core.codec import Callback, Op, decode, encode
from bot.service.messages import OutButton
from bot.storage.web_session_table import SqlWebSessions
from bot.testing.clocks import FIXED_NOW, TODAY, ManualClock
from bot.testing.database import Database, campaign_counts
from bot.testing.service import service_on
from bot.testing.user import WebUser
from bot.testing.web import WebPage, roomy_limits, serving
from bot.testing.web_chat import Web
from bot.transports.web import texts
from bot.transports.web.kiosk import wait_seconds, without_certificates
from bot.transports.web.server import COOKIE, WebChat, WebConfig

CAMPAIGN = "fair"
KIOSK = f"/kiosk/{CAMPAIGN}"
IDLE = 90
PLACE_QUESTION = "Where is this happening?"
SECOND = dt.timedelta(seconds=1)


@dataclass
class Kiosk(Web):
    """A served web chat with the campaign `fair` (opening the report side) registered, and
    what a test looks at: its database, clock and chat, and a tablet's browser."""

    def tablet(self) -> WebUser:
        """Return the person at the tablet (sharing the test's cookie jar)."""
        return WebUser(self.client, self.base)

    async def open(self, user: WebUser, path: str = KIOSK) -> int:
        """Open a kiosk address in the tablet's browser (following redirects); return the
        status."""
        async with self.client.get(f"{self.base}{path}") as response:
            await user.load(response)
            return response.status

    def session_id(self) -> str:
        """Return the session id in the tablet's cookie jar."""
        return {c.key: c.value for c in self.client.cookie_jar}[COOKIE]

    async def stored_keys(self) -> list[str]:
        """Return the keys of the stored web sessions."""
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT session_key FROM web_sessions"))
            return [row[0] for row in rows]

    async def starts(self) -> int:
        """Return how many openings the campaign counted today."""
        return (await campaign_counts(self.database)).get((CAMPAIGN, "start", TODAY), 0)


@asynccontextmanager
async def kiosk(database: Database, content: Content) -> AsyncIterator[Kiosk]:
    """Serve a web chat on the test database at FIXED_NOW with the campaign registered."""
    clock = ManualClock(FIXED_NOW)
    await register(database.engine, CampaignSpec(CAMPAIGN, "report"), FIXED_NOW)
    service = service_on(database.store, content, clock)
    config = WebConfig(exit_url="https://weather.example.org/", kiosk_idle_seconds=IDLE)
    chat = WebChat(
        service, SqlWebSessions(database.engine), config, roomy_limits(),
        campaigns=RegisteredLinks(database.engine),
    )  # fmt: skip
    async with (
        serving(chat) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
    ):
        yield Kiosk(base, database, clock, service, chat, client)


def html_of(user: WebUser) -> WebPage:
    """Return the page the tablet shows."""
    assert user.page is not None
    return user.page


async def test_a_kiosk_page_has_large_buttons_and_no_text_box_keep_or_exit_site(
    database: Database, shipped_content: Content
) -> None:
    """The kiosk opens the campaign's entry with the `kiosk` class (large buttons), no text
    box even where typed text is read elsewhere, no "keep", and an Exit that starts the kiosk
    again rather than leaving for the neutral site; without JavaScript a refresh asks for the
    kiosk's start after the idle time."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        assert await web.open(user) == 200
        user.expect(PLACE_QUESTION, buttons=["United States"])
        async with web.client.get(f"{web.base}/") as response:
            html = await response.text()
        page = WebPage(html)
        assert re.search(r'<html [^>]*class="kiosk"', html)
        assert 'name="text"' not in html and "keep-form" not in page.attributes
        exit_form = page.attributes["exit-form"]
        assert (exit_form["action"], exit_form["data-exit-url"]) == (f"{KIOSK}/new", KIOSK)
        assert f'<meta http-equiv="refresh" content="{IDLE}; url={KIOSK}">' in html
        assert page.attributes["kiosk-reset"]["data-after"] == str(IDLE)
        assert texts.KIOSK_IDLE.text in html and "start-again" not in page.attributes


async def test_a_kiosk_reads_no_typed_text_and_keeps_nothing_on_the_device(
    database: Database, shipped_content: Content
) -> None:
    """A crafted post with typed text or "keep" changes nothing on a kiosk: no answer to the
    text, the cookie ends with the browser and the session is not kept."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        await user.send("/help")
        user.expect(PLACE_QUESTION)
        async with web.client.post(
            f"{web.base}/say", data={"csrf": html_of(user).csrf or "", "keep": "1"}
        ) as response:
            cookie = response.headers.getall("Set-Cookie")
            page = await response.text()
        assert not any("Max-Age" in header for header in cookie)
        assert texts.KEPT.text not in page
        record = await web.chat.sessions.load(web.chat.key_of(web.session_id()))
        assert record is not None and not record.keep


def test_a_kiosk_offers_no_certificate_and_waits_half_as_long_after_a_finished_path() -> None:
    """The buttons that get a certificate are left out (a row left empty goes); other
    buttons stay. A finished path's last screen waits half the idle time, rounded up."""
    get = OutButton("Get your certificate", encode(Callback(3, Op.CERTIFICATE)))
    home = OutButton("Main menu", encode(Callback(3, Op.HOME)))
    hotline = OutButton("Call", "tel:+18883737888", "url")
    rows = ((get,), (home, hotline))
    assert without_certificates(rows) == ((home, hotline),)
    assert [wait_seconds(idle, True) for idle in (90, 45, 1)] == [45, 23, 1]
    assert wait_seconds(90, False) == 90


async def test_a_kiosk_refuses_a_crafted_post_for_a_certificate(
    database: Database, shipped_content: Content
) -> None:
    """A crafted post of a certificate button (with the screen's own revision, and the
    name screen's "Without a name") is answered as unreadable and never acted on: no name is
    asked and no certificate is made."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        current = decode(html_of(user).data_for("Back"))
        assert isinstance(current, Callback)
        for arg in ("", "none"):
            forged = encode(Callback(current.revision, Op.CERTIFICATE, arg))
            await user.post({"b": forged})
            assert {"tap_answer": core_texts.UNREADABLE.text} in user.seen
            assert core_texts.CERTIFICATE_ASK.text not in user.texts()
            assert not any(entry.kind == "file" for entry in html_of(user).entries)


async def test_each_kiosk_session_counts_as_the_campaign_s_opening(
    database: Database, shipped_content: Content
) -> None:
    """Every new kiosk session counts once for its campaign, like its Telegram link; the same
    session's reloads and the plain page do not."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        await web.open(user)
        assert await web.starts() == 1
        for _ in range(2):
            web.client.cookie_jar.clear()
            await web.open(user)
        assert await web.starts() == 3
        web.client.cookie_jar.clear()
        await user.open()
        assert await web.starts() == 3


async def test_the_kiosk_starts_again_after_the_idle_time(
    database: Database, shipped_content: Content
) -> None:
    """The server decides from its clock: a request just before KIOSK_IDLE_SECONDS without
    one shows the same conversation; once they have passed, any request of the kiosk's
    session starts a new session at the campaign's entry and the old session row is gone."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        await user.click("United States")
        first = web.session_id()
        web.clock.advance((IDLE - 1) * SECOND)
        await user.open()
        assert web.session_id() == first
        assert any(entry.kind == "you" for entry in html_of(user).entries)
        web.clock.advance(IDLE * SECOND)
        await user.click("Arizona")
        assert web.session_id() != first
        assert await web.stored_keys() == [web.chat.key_of(web.session_id())]
        user.expect(PLACE_QUESTION)
        assert not any(entry.kind == "you" for entry in html_of(user).entries)
        assert await web.starts() == 2
        web.clock.advance(IDLE * SECOND)
        second = web.session_id()
        await web.open(user)
        assert web.session_id() not in (first, second)


async def test_a_finished_path_offers_start_again_and_starts_again_sooner(
    database: Database, shipped_content: Content
) -> None:
    """A screen that ends a path (here: another country, no channels listed) shows "Start
    again" and waits half the idle time; "Start again" deletes the session and opens the
    kiosk's start for the next person."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        await user.click(core_texts.PLACE_OTHER_COUNTRY.text)
        user.expect("Beacon has no list of channels for that country")
        page = html_of(user)
        assert page.attributes["kiosk-reset"]["data-after"] == str(IDLE // 2)
        assert "start-again" in page.attributes
        first = web.session_id()
        web.clock.advance((IDLE // 2) * SECOND)
        await user.open()
        assert web.session_id() != first
        user.expect(PLACE_QUESTION)
        await user.click(core_texts.PLACE_OTHER_COUNTRY.text)
        second = web.session_id()
        await user.post({}, path=f"{KIOSK}/new")
        assert web.session_id() != second
        user.expect(PLACE_QUESTION)
        assert await web.stored_keys() == [web.chat.key_of(web.session_id())]
        assert await web.starts() == 3


async def test_quick_exit_on_a_kiosk_returns_to_its_start(
    database: Database, shipped_content: Content
) -> None:
    """Exit on a kiosk deletes the session and its user and answers with the kiosk's start
    (not the neutral site), which begins a new session; a forged exit deletes nothing."""
    async with kiosk(database, shipped_content) as web:
        user = web.tablet()
        await web.open(user)
        await user.click("United States")
        sid = web.session_id()
        exit_to = f"{web.base}{KIOSK}/new"
        async with web.client.post(
            exit_to, data={"csrf": "0" * 64}, allow_redirects=False
        ) as response:
            assert response.status == 303
        assert len(await web.stored_keys()) == 1
        web.client.cookie_jar.update_cookies({COOKIE: sid})
        async with web.client.post(
            exit_to, data={"csrf": html_of(user).csrf or ""}, allow_redirects=False
        ) as response:
            assert (response.status, response.headers["Location"]) == (303, KIOSK)
        assert await web.stored_keys() == []
        assert await database.rows("users") == []
        await web.open(user)
        user.expect(PLACE_QUESTION)
        assert len(await web.stored_keys()) == 1


async def test_a_kiosk_deletes_the_session_it_replaces(
    database: Database, shipped_content: Content
) -> None:
    """Opening a kiosk in a browser with an ordinary session, or another kiosk's, ends that
    session: a kiosk shows nothing of the person before."""
    async with kiosk(database, shipped_content) as web:
        await register(database.engine, CampaignSpec("library", "learn"), FIXED_NOW)
        user = web.tablet()
        await user.open()
        await user.click("Report or get help")
        plain = web.session_id()
        await web.open(user)
        assert web.session_id() != plain
        assert await web.stored_keys() == [web.chat.key_of(web.session_id())]
        kiosk_one = web.session_id()
        await web.open(user, "/kiosk/library")
        assert web.session_id() != kiosk_one
        assert await web.stored_keys() == [web.chat.key_of(web.session_id())]
        assert html_of(user).attributes["exit-form"]["data-exit-url"] == "/kiosk/library"


async def test_a_kiosk_that_is_not_set_up_says_so_kindly(
    database: Database, shipped_content: Content
) -> None:
    """An unknown campaign, or a name no campaign can have, gets a kind page (404) naming the
    command an organizer runs; no session is made."""
    async with kiosk(database, shipped_content) as web:
        for name, command in (
            ("nosuch", "python -m bot campaign create nosuch --entry report"),
            ("Not-A-Name!", "python -m bot campaign create NAME --entry report"),
        ):
            async with web.client.get(f"{web.base}/kiosk/{name}") as response:
                assert response.status == 404
                html = await response.text()
            page = WebPage(html)
            assert texts.KIOSK_MISSING.text in html and command in html
            assert "Traceback" not in html and "exit-form" in page.attributes
        assert await web.stored_keys() == []
