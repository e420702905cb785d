"""The web chat over real HTTP on 127.0.0.1 (SQLite and PostgreSQL): its cookie and session
row, forged and stale posts, the body cap, rate limits, quick exit, idle expiry on the test
clock, a restart mid-conversation, recovery of an owed reply, headers, no third-party address
and an access log without addresses or session ids."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import text

from bot.content.bundle import Content
from bot.core import codec
from bot.core import texts as core_texts
from bot.core.builtins.base import builtin_at
from bot.core.codec import Callback, Op
from bot.core.events import Start, Tap
from bot.errors import StartupError
from bot.service.messages import Inbound
from bot.service.outbox import Parcel
from bot.service.ports import PageRow
from bot.service.user_keys import ChatSealer
from bot.settings import DEFAULT_TRUSTED_PROXIES, networks
from bot.storage.web_session_table import SqlWebSessions, WebSessionExpiry
from bot.testing import transcripts
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database
from bot.testing.service import RAW_ID, SECRET
from bot.testing.user import ServiceUser
from bot.testing.web_chat import EXIT_URL, Web, web_chat
from bot.transports.web import texts
from bot.transports.web.launch import WebChannel
from bot.transports.web.limits import Bucket
from bot.transports.web.server import BODY_LIMIT, COOKIE, LOOPBACK, WebConfig

WELCOME = "Welcome to Beacon."
REPORT = "Report or get help"
MINUTE = dt.timedelta(minutes=1)


def set_cookie(response: aiohttp.ClientResponse) -> str:
    """Return the response's Set-Cookie header for the session."""
    [header] = [h for h in response.headers.getall("Set-Cookie") if h.startswith(COOKIE)]
    return header


async def test_a_new_visitor_gets_a_session_cookie_and_a_keyed_session(
    database: Database, shipped_content: Content
) -> None:
    """The first page starts the conversation and sets an HttpOnly, SameSite=Strict session
    cookie that ends with the browser; only the id's keyed hash is stored, the page history
    is sealed."""
    async with web_chat(database, shipped_content) as web:
        async with web.client.get(f"{web.base}/") as response:
            assert response.status == 200
            cookie = set_cookie(response)
            assert WELCOME in await response.text()
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert "Max-Age" not in cookie and "expires" not in cookie.lower()
        assert "Secure" not in cookie
        sid = web.session_id()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sid)
        stored = await web.everything()
        assert sid not in stored and WELCOME not in stored
        key = web.chat.key_of(sid)
        async with web.database.engine.connect() as connection:
            keys = (await connection.execute(text("SELECT session_key FROM web_sessions"))).all()
        assert keys == [(key,)]


async def test_a_cookie_naming_no_session_is_never_reused(
    database: Database, shipped_content: Content
) -> None:
    """A made-up session id gets a new session with a new id (no session fixation)."""
    async with web_chat(database, shipped_content) as web:
        planted = "A" * 43
        web.client.cookie_jar.update_cookies({COOKIE: planted})
        await web.user().open()
        assert web.session_id() != planted
        assert await web.count("web_sessions") == 1


async def test_the_cookie_is_secure_behind_https_and_kept_when_asked(
    database: Database, shipped_content: Content
) -> None:
    """With an https PUBLIC_URL the cookie is Secure; "Keep my progress on this device" gives
    it a lifetime of the retention period and marks the session kept."""
    secure = WebConfig(exit_url=EXIT_URL, secure=True)
    async with (
        web_chat(database, shipped_content, secure) as web,
        web.client.get(f"{web.base}/") as response,
    ):
        assert "Secure" in set_cookie(response)
    config = WebConfig(exit_url=EXIT_URL, keep_days=180)
    async with web_chat(database, shipped_content, config) as web:
        user = web.user()
        await user.open()
        async with web.client.post(
            f"{web.base}/say", data={"csrf": user.page.csrf if user.page else "", "keep": "1"}
        ) as response:
            cookie = set_cookie(response)
            page = await response.text()
        assert f"Max-Age={180 * 86400}" in cookie
        assert "Your progress is kept on this device." in page
        assert "keep-form" not in page
        async with web.database.engine.connect() as connection:
            found = await connection.execute(
                text("SELECT keep FROM web_sessions WHERE session_key = :key"),
                {"key": web.chat.key_of(web.session_id())},
            )
        assert found.scalar()


async def test_typed_text_is_shown_nowhere_and_stored_nowhere(
    database: Database, shipped_content: Content
) -> None:
    """A typed line is answered, but neither it nor the answer to it is kept: not in any
    table, not on the page when it is opened again."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.click(REPORT)
        await user.send("my neighbour Zebediah Testperson works at 12 Elm Street")
        assert user.status == 200 and user.seen
        assert "Zebediah" not in await web.everything()
        await user.open()
        assert user.page is not None
        assert all("Zebediah" not in entry.text for entry in user.page.entries)


async def test_forged_or_missing_csrf_is_answered_kindly_and_not_acted_on(
    database: Database, shipped_content: Content
) -> None:
    """A post without the session's token, or with another, changes nothing: status 403, the
    "could not be read" note, and the same screen."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        data = user.page.data_for(REPORT)
        token = user.page.csrf or ""
        other = token[:-1] + ("1" if token.endswith("0") else "0")
        for token in ("", "0" * 64, other):
            await user.post({"csrf": token, "b": data})
            assert user.status == 403
            assert {"tap_answer": core_texts.UNREADABLE.text} in user.seen
            assert user.page is not None
            assert user.page.data_for(REPORT) == data
        async with web.client.post(f"{web.base}/say", data={"b": data}) as response:
            assert response.status == 403
        await user.click(REPORT)
        assert user.status == 200
        user.expect("Beacon is not a hotline")


async def test_stale_and_forged_button_data_change_nothing(
    database: Database, shipped_content: Content
) -> None:
    """An earlier screen's button and made-up data get the core's kind notes, as on
    Telegram."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        old = user.page.data_for(REPORT)
        await user.click(REPORT)
        await user.post({"b": old})
        assert user.seen == [{"tap_answer": core_texts.STALE.text}]
        await user.post({"b": "not-a-button"})
        assert user.seen == [{"tap_answer": core_texts.UNREADABLE.text}]
        await user.post({"b": "x" * 5000})
        assert user.status == 200


async def test_a_post_after_the_session_ended_starts_again_kindly(
    database: Database, shipped_content: Content
) -> None:
    """A form posted after its session is gone is not acted on: a new session starts with the
    "earlier screen" note."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        data = user.page.data_for(REPORT)
        await web.chat.sessions.end(web.chat.key_of(web.session_id()))
        await user.post({"b": data})
        user.expect(WELCOME)
        assert {"tap_answer": core_texts.STALE.text} in user.seen
        assert "Beacon is not a hotline" not in " ".join(user.texts())


async def test_a_body_over_the_cap_is_refused_before_it_is_read(
    database: Database, shipped_content: Content
) -> None:
    """A body over 16 KB is refused with 413, whether it announces its length or streams."""
    async with web_chat(database, shipped_content) as web:
        await web.user().open()
        big = b"text=" + b"a" * BODY_LIMIT
        async with web.client.post(f"{web.base}/say", data=big) as response:
            assert response.status == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"a" * 1024

        async with web.client.post(
            f"{web.base}/say",
            data=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            assert response.status == 413
        async with web.client.get(f"{web.base}/") as response:
            assert response.status == 200


async def test_a_burst_over_the_rate_limit_gets_the_slow_down_page(
    database: Database, shipped_content: Content
) -> None:
    """Past the limit a page says kindly to slow down (429, Retry-After); quick exit still
    works; once time passes the chat answers again."""
    clock = ManualClock(FIXED_NOW)
    async with web_chat(database, shipped_content, limit=Bucket(3, 1), clock=clock) as web:
        statuses = []
        for _ in range(5):
            async with web.client.get(f"{web.base}/") as response:
                statuses.append(response.status)
                page = await response.text()
        assert statuses == [200, 200, 200, 429, 429]
        assert texts.SLOW_DOWN.text in page and 'id="exit-form"' in page
        clock.advance(MINUTE)
        async with web.client.get(f"{web.base}/") as response:
            assert response.status == 200
        async with web.client.post(f"{web.base}/exit", allow_redirects=False) as response:
            assert response.status == 303


async def statuses_from(web: Web, *forwarded: str) -> list[int]:
    """Return the statuses of sessionless page loads, each forwarded for one header value."""
    statuses = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        for value in forwarded:
            headers = {"X-Forwarded-For": value}
            async with client.get(f"{web.base}/", headers=headers) as response:
                statuses.append(response.status)
    return statuses


async def test_a_trusted_proxy_s_forwarded_address_is_the_one_rate_limited(
    database: Database, shipped_content: Content
) -> None:
    """Behind a proxy on loopback (trusted by default) each client has its own limit: the
    right-most forwarded address not itself a proxy's, so a forged entry to its left (or a
    proxy hop to its right) changes nothing."""
    async with web_chat(database, shipped_content, limit=Bucket(2, 1)) as web:
        client, other = "203.0.113.5", "203.0.113.6"
        assert await statuses_from(
            web, client, f"198.51.100.1, {client}", f"{client}, 127.0.0.1", other, other
        ) == [200, 200, 429, 200, 200]


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
    database: Database, shipped_content: Content
) -> None:
    """When the peer is not a trusted proxy (here only 10.0.0.0/8 is), X-Forwarded-For is
    ignored: every request counts against the peer's own address."""
    config = WebConfig(exit_url=EXIT_URL, trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),))
    async with web_chat(database, shipped_content, config, limit=Bucket(2, 1)) as web:
        assert await statuses_from(web, "203.0.113.5", "203.0.113.6", "203.0.113.7") == [
            200, 200, 429,
        ]  # fmt: skip


def test_trusted_proxies_read_as_networks() -> None:
    """WEB_TRUSTED_PROXIES takes addresses and CIDRs separated by commas; anything else is
    named in the error."""
    assert networks(" 10.0.0.0/8, 192.0.2.7 ,::1/128") == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.7/32"),
        ipaddress.ip_network("::1/128"),
    )
    assert networks(DEFAULT_TRUSTED_PROXIES) == LOOPBACK
    with pytest.raises(ValueError, match=re.escape("'proxy.lan' is not an IP address or CIDR")):
        networks("10.0.0.0/8,proxy.lan")


async def test_quick_exit_deletes_the_session_and_leaves_for_the_neutral_site(
    database: Database, shipped_content: Content
) -> None:
    """Exit with the page's token deletes the session row and the user's conversation, drops
    the cookie and redirects (303) to WEB_EXIT_URL; a forged exit deletes nothing."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.click(REPORT)
        assert await web.count("web_sessions") == 1 and await web.count("users") == 1
        sid = web.session_id()
        async with web.client.post(
            f"{web.base}/exit", data={"csrf": "0" * 64}, allow_redirects=False
        ) as response:
            assert response.status == 303
        assert await web.count("web_sessions") == 1
        web.client.cookie_jar.update_cookies({COOKIE: sid})
        assert user.page is not None
        async with web.client.post(
            f"{web.base}/exit", data={"csrf": user.page.csrf or ""}, allow_redirects=False
        ) as response:
            assert response.status == 303
            assert response.headers["Location"] == EXIT_URL
            assert response.headers["Cache-Control"] == "no-store"
            assert "Max-Age=0" in set_cookie(response) or "expires" in set_cookie(response).lower()
        assert await web.count("web_sessions") == 0
        assert await web.count("users") == 0 and await web.count("conversations") == 0


async def test_idle_sessions_end_after_the_set_minutes_unless_kept(
    database: Database, shipped_content: Content
) -> None:
    """The expiry job, on the test clock, ends a session idle past WEB_SESSION_MINUTES (its
    user goes too); a kept one stays until the retention period."""
    clock = ManualClock(FIXED_NOW)
    async with web_chat(database, shipped_content, clock=clock) as web:
        await web.user().open()
        web.client.cookie_jar.clear()
        kept = web.user()
        await kept.open()
        await kept.post({"keep": "1"})
        assert await web.count("web_sessions") == 2
        job = WebSessionExpiry(SqlWebSessions(database.engine), clock, 30, 180)
        clock.advance(29 * MINUTE)
        assert await job.run_once() == 0
        clock.advance(2 * MINUTE)
        assert await job.run_once() == 1
        assert await web.count("web_sessions") == 1 and await web.count("users") == 1
        clock.advance(dt.timedelta(days=180))
        assert await job.run_once() == 1
        assert await web.count("web_sessions") == 0 and await web.count("users") == 0


async def test_a_restart_mid_conversation_resumes_on_the_same_screen(
    database: Database, shipped_content: Content
) -> None:
    """Beacon stopped and started again (a new chat on the same database) shows the same
    conversation and the same working buttons to the same cookie."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.click(REPORT)
        before = user.seen
        cookies = {c.key: c.value for c in web.client.cookie_jar}
    async with web_chat(database, shipped_content) as again:
        again.client.cookie_jar.update_cookies(cookies)
        user = again.user()
        await user.open()
        assert user.seen == before
        await user.click(before[-1]["buttons"][0][0])
        assert user.status == 200 and user.seen


async def test_a_reply_owed_when_the_page_was_lost_is_shown_next_time(
    database: Database, shipped_content: Content
) -> None:
    """A turn committed but never shown (Beacon stopped before its page went out) is shown
    when the page is opened again, and its outbox entry is done."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        data = user.page.data_for(REPORT)
        user_id = web.chat.user_id(web.session_id())
        inbound = Inbound("web", user_id, Tap(data), "en", None, {"label": REPORT})
        await web.service.accept(inbound)
        assert await web.count("outbox") == 1
        await user.open()
        user.expect("Beacon is not a hotline")
        assert any(e.kind == "you" and e.text == REPORT for e in user.page.entries)
        assert await web.count("outbox") == 0


async def test_every_response_carries_the_security_headers(
    database: Database, shipped_content: Content
) -> None:
    """Pages, files, refusals and redirects carry a strict CSP, no referrer, nosniff and
    noindex; the page also says noindex itself."""
    async with web_chat(database, shipped_content) as web:
        checks = [
            ("GET", "/", 200), ("GET", "/static/beacon.js", 200),
            ("GET", "/static/beacon.css", 200), ("GET", "/static/nothing.js", 404),
            ("GET", "/robots.txt", 200), ("POST", "/exit", 303), ("GET", "/elsewhere", 404),
            ("PUT", "/say", 405),
        ]  # fmt: skip
        for method, path, status in checks:
            async with web.client.request(
                method, f"{web.base}{path}", allow_redirects=False
            ) as response:
                assert response.status == status, path
                headers = response.headers
                csp = headers["Content-Security-Policy"]
                for directive in (
                    "default-src 'self'", "script-src 'self'", "style-src 'self'",
                    "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
                    f"form-action 'self' {EXIT_URL.rstrip('/')}",
                ):  # fmt: skip
                    assert directive in csp, (path, directive)
                assert "unsafe-inline" not in csp
                assert headers["Referrer-Policy"] == "no-referrer"
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert headers["X-Robots-Tag"] == "noindex, nofollow"
        async with web.client.get(f"{web.base}/") as response:
            page = await response.text()
        assert '<meta name="robots" content="noindex, nofollow">' in page
        assert "<script>" not in page and "<style" not in page
        assert not re.search(r"\s(on[a-z]+|style)=", page)


async def test_no_page_or_file_refers_to_another_host(
    database: Database, shipped_content: Content
) -> None:
    """Every script, style sheet and form is Beacon's own; the only other addresses are the
    hotlines' links a person may open and the neutral site of quick exit."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        pages = [user.page]
        await user.send("/start report")
        for label in ("United States", "Arizona", "A child or teen (maybe under 18)"):
            await user.click(label)
            pages.append(user.page)
        assert user.page is not None
        kinds = {kind for e in user.page.latest() for row in e.rows for _, kind, _ in row}
        assert {"url", "copy", "callback", "exit"} <= kinds
        for page in pages:
            assert page is not None
            hotlines = {
                data for e in page.entries for row in e.rows for _, k, data in row if k == "url"
            }
            for url in page.urls:
                assert url.startswith("/") or url == EXIT_URL or url in hotlines, url
        for name in ("beacon.js", "beacon.css"):
            async with web.client.get(f"{web.base}/static/{name}") as response:
                body = await response.text()
            assert not re.search(r"https?:|//[a-z]|@import|url\(", body), name


async def test_the_access_log_holds_no_address_and_no_session(
    database: Database, shipped_content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """Access log lines name the method, the route and the status: never the address, the
    session id, the query or a form value."""
    async with web_chat(database, shipped_content) as web:
        with caplog.at_level(logging.INFO, logger="beacon.web.access"):
            user = web.user()
            await user.open()
            await user.click(REPORT)
            async with web.client.get(f"{web.base}/?code=BCN-SECRET-CODE") as response:
                assert response.status == 200
            await asyncio.sleep(0.05)
        lines = [r.getMessage() for r in caplog.records if r.name == "beacon.web.access"]
        assert len(lines) >= 3 and any("route=/say" in line for line in lines)
        sid = web.session_id()
        for line in lines:
            assert "127.0.0.1" not in line and sid not in line and "BCN-SECRET" not in line


async def test_the_page_is_in_the_person_s_language_and_direction(
    database: Database, shipped_content: Content
) -> None:
    """The browser's language picks the page's language; Arabic is laid out right to left."""
    async with web_chat(database, shipped_content) as web:
        user = web.user("ar")
        await user.open()
        assert user.page is not None
        assert (user.page.lang, user.page.dir) == ("ar", "rtl")
        web.client.cookie_jar.clear()
        user = web.user("zh-Hans-CN")
        await user.open()
        assert user.page is not None
        assert (user.page.lang, user.page.dir) == ("zh-Hans", "ltr")


async def test_a_text_box_only_where_the_screen_asks_for_typed_text(
    database: Database, shipped_content: Content
) -> None:
    """The employee id screen has a text box and what is typed in it is read; other screens
    have none."""
    organization = {
        "organization": {
            "name": "City of Phoenix", "department": "Parks", "join_code": "PHXPARKS22",
            "id_pattern": r"E-\d{6}", "id_example": "E-123456",
        }
    }  # fmt: skip
    await transcripts.organize(organization, database.engine)
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        assert not any(entry.asks_text for entry in user.page.entries)
        await user.send("/start PHXPARKS22")
        await user.click("Join")
        assert user.page is not None
        assert [e.asks_text for e in user.page.latest() if e.kind == "beacon"][-1]
        await user.send("E-654321")
        user.expect("E-654321")
        assert "E-654321" not in await web.everything()
        assert web.chat.asks_text(builtin_at("certificate_name"))
        assert not web.chat.asks_text(None)


async def test_a_port_in_use_is_one_startup_error(
    database: Database, shipped_content: Content
) -> None:
    """Starting the web chat on a port that is taken names WEB_PORT."""
    async with web_chat(database, shipped_content) as web:
        port = int(web.base.rsplit(":", 1)[1])
        channel = WebChannel(web.chat, "127.0.0.1", port)
        with pytest.raises(StartupError, match="WEB_PORT") as refused:
            await channel.start()
        assert "in use" in str(refused.value)


async def test_forget_on_the_web_empties_the_session_too(
    database: Database, shipped_content: Content
) -> None:
    """/forget deletes the user and, on the web, the session's kept flag and sealed history;
    the chat goes on with nothing kept, as on Telegram."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.post({"keep": "1"})
        await user.click(REPORT)
        await user.send("/forget")
        await user.click("Yes, delete everything")
        user.expect("Beacon deleted everything it kept about you")
        assert await web.count("users") == 0
        async with web.database.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT keep, history FROM web_sessions"))).all()
        assert [(bool(keep), history) for keep, history in rows] == [(False, None)]
        await user.open()
        assert user.page is not None
        assert not any(entry.kind == "you" for entry in user.page.entries)
        await user.send("hello")
        user.expect("Beacon works with the buttons below")


async def test_the_conversation_s_exit_button_is_quick_exit(
    database: Database, shipped_content: Content
) -> None:
    """The Exit a screen shows posts the quick exit form (no JavaScript needed): the session
    is deleted and the browser sent to the neutral site."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.click(REPORT)
        assert user.page is not None
        assert "Exit" in user.buttons()
        kinds = {
            label: kind for e in user.page.latest() for row in e.rows for label, kind, _ in row
        }
        assert kinds["Exit"] == "exit" and kinds["Back"] == "callback"
        assert user.page.attributes["exit-form"]["action"] == "/exit"
        async with web.client.post(
            f"{web.base}/exit", data={"csrf": user.page.csrf or ""}, allow_redirects=False
        ) as response:
            assert response.headers["Location"] == EXIT_URL
        assert await web.count("web_sessions") == 0


async def test_the_report_side_says_what_exit_cannot_hide(
    database: Database, shipped_content: Content
) -> None:
    """Report screens carry the web's line on what exit cannot hide; the home screen does
    not; every page has the Exit button and its Shift hint."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        assert "exit-limits" not in user.page.attributes
        assert {"exit-form", "exit-button", "exit-hint"} <= set(user.page.attributes)
        await user.click(REPORT)
        assert user.page is not None
        assert "exit-limits" in user.page.attributes
        async with web.client.get(f"{web.base}/") as response:
            page = await response.text()
        assert "the browser&#39;s history still shows it" in page


async def test_reminders_on_the_web_are_a_telegram_feature(
    database: Database, shipped_content: Content
) -> None:
    """In one process with Telegram, a web visitor's reminders screen says they work on
    Telegram and offers nothing to turn on; even a forged "turn on" keeps no reminder. A
    Telegram user of the same service still turns them on."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.send("/reminders")
        user.expect(core_texts.REMINDERS_ELSEWHERE.text)
        assert core_texts.REMINDERS_TURN_ON.text not in user.buttons()
        assert user.page is not None
        taps = [
            d for e in user.page.latest() for row in e.rows for _, k, d in row if k == "callback"
        ]
        shown = codec.decode(taps[0])
        assert isinstance(shown, codec.Callback)
        await user.post({"b": codec.encode(Callback(shown.revision, Op.REMIND, "on"))})
        assert await database.rows("reminders") == []
        telegram = ServiceUser(web.service)
        await telegram.event(Start())
        await telegram.send("/reminders")
        await telegram.click(core_texts.REMINDERS_TURN_ON.text)
        [(_, chat, *_)] = await database.rows("reminders")
        assert ChatSealer(SECRET).open(chat) == ("telegram", RAW_ID)


async def test_a_turn_s_page_is_stored_with_its_state_and_owes_nothing(
    database: Database, shipped_content: Content
) -> None:
    """A tap's reply goes into the session's sealed history in the transaction of its state
    change: no outbox entry is left, and the stored history (read as the store reads it) holds
    the tapped label and the reply, last used at the clock's time."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        await user.click(REPORT)
        user.expect("Beacon is not a hotline")
        assert await web.count("outbox") == 0
        key = web.chat.key_of(web.session_id())
        record = await web.chat.sessions.load(key)
        assert record is not None and record.seen == FIXED_NOW
        kept = web.chat.opened(record.history)
        assert any(e.kind == "you" and e.text == REPORT for e in kept.entries)
        assert any("Beacon is not a hotline" in e.text for e in kept.entries if e.turn == kept.turn)


async def test_a_turn_whose_page_cannot_be_stored_changes_nothing(
    database: Database, shipped_content: Content
) -> None:
    """The page and the state change commit together or not at all: when the page's row
    cannot be written, the state does not move on either (the same button still works), the
    stored session is as it was, and nothing is owed; a hook that declines leaves the reply to
    the outbox, as before."""
    async with web_chat(database, shipped_content) as web:
        user = web.user()
        await user.open()
        assert user.page is not None
        key = web.chat.key_of(web.session_id())
        before = await web.chat.sessions.load(key)
        user_id = web.chat.user_id(web.session_id())
        tap = Tap(user.page.data_for(REPORT))
        inbound = Inbound("web", user_id, tap, "en", None, {"label": REPORT})

        def unwritable(parcel: Parcel, forgotten: bool) -> PageRow:
            """Return a row without a key, which the table refuses (NOT NULL)."""
            return PageRow(None, False, "sealed")  # type: ignore[arg-type]

        with pytest.raises(Exception):  # noqa: B017 - the driver's own integrity error
            await web.service.accept(inbound, unwritable)
        assert await web.chat.sessions.load(key) == before
        assert await web.count("outbox") == 0
        declined = await web.service.accept(inbound, lambda parcel, forgotten: None)
        assert not declined.paged and declined.id is not None
        assert await web.count("outbox") == 1
