"""Certificates on the web chat over real HTTP (SQLite and PostgreSQL): the course ends with two
download links whose files are drawn again for their own session only (anybody else, a forged
or an unknown code gets a kind 404 page); `/verify` and `/verify/<code>` give Telegram's verdict
in the browser's language without making a session; with PUBLIC_URL the QR code opens that
page."""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from bot.certificates.codes import new_code
from bot.content.bundle import Content
from bot.core import texts as core_texts
from bot.service.certificates import Certificates, certificate_secret
from bot.service.messages import Reply
from bot.testing.clocks import FIXED_NOW
from bot.testing.database import Database
from bot.testing.service import SECRET
from bot.testing.user import WebUser, finish_course
from bot.testing.web import ROOMY, PageEntry, WebPage
from bot.testing.web_chat import Web, web_chat
from bot.transports.web import texts
from bot.transports.web.limits import Bucket
from bot.transports.web.server import COOKIE

NAME = "Ada Testname"
PUBLIC = "https://beacon.example.org"
PDF_SIGNATURE, PNG_SIGNATURE = b"%PDF", b"\x89PNG\r\n\x1a\n"
COURSE = "learn:menu"


async def certified(web: Web, content: Content) -> tuple[WebUser, list[PageEntry]]:
    """Finish the course in the browser, name the certificate; return the learner and the
    page's file entries."""
    user = web.user()
    await user.open()
    await finish_course(user, content)
    await user.send("/learn")
    await user.click(core_texts.CERTIFICATE_GET.text)
    await user.send(NAME)
    assert user.page is not None
    return user, [e for e in user.page.latest() if e.kind == "file"]


async def fetch(
    client: aiohttp.ClientSession, url: str, language: str = "en"
) -> tuple[int, dict[str, str], bytes, list[str]]:
    """GET a URL; return its status, headers, body and Set-Cookie headers."""
    async with client.get(url, headers={"Accept-Language": language}) as response:
        body = await response.read()
        return (
            response.status,
            dict(response.headers),
            body,
            response.headers.getall("Set-Cookie", []),
        )


def qr_of(png: bytes) -> str:
    """Return what the QR code drawn in a PNG holds."""
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return str(found.text)


async def issue_for_session(web: Web, name: str = NAME) -> str:
    """Open the chat and issue a certificate to its session straight through the service (no
    course taken); return its code."""
    user = web.user()
    await user.open()
    certificates = web.service.certificates
    assert certificates is not None
    key = web.chat.key_of(web.session_id())
    renderer = web.service.renderer("en", None)
    out = await certificates.issue(key, COURSE, name, renderer, FIXED_NOW)
    [ready] = [o for o in out if isinstance(o, Reply)]
    return ready.text.rsplit(" ", 1)[1].rstrip(".")


async def test_the_course_ends_with_downloads_of_the_pdf_and_the_png(
    database: Database, shipped_content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """The learner's page shows two download links with honest labels and sizes; each gives
    its file (drawn again, the same bytes) as an attachment, never cached, with the security
    headers; no message tells a web learner to use Telegram; the name is kept in no page
    history; the access log names the route, never the code."""
    async with web_chat(database, shipped_content, limit=ROOMY) as web:
        user, files = await certified(web, shipped_content)
        code = files[0].file.rsplit(".", 1)[0]
        assert [e.file for e in files] == [f"{code}.pdf", f"{code}.png"]
        assert [e.download for e in files] == [
            f"/certificate/{code}.pdf",
            f"/certificate/{code}.png",
        ]
        assert files[0].text == texts.DOWNLOAD_PDF.text
        assert files[1].text == texts.DOWNLOAD_PNG.text
        assert not any("Telegram" in entry.text for entry in user.page.latest())  # type: ignore[union-attr]
        html_sizes = []
        with caplog.at_level(logging.INFO, logger="beacon.web.access"):
            for entry, signature, kind in zip(
                files, (PDF_SIGNATURE, PNG_SIGNATURE), ("application/pdf", "image/png"), strict=True
            ):
                status, headers, body, cookies = await fetch(
                    web.client, f"{web.base}{entry.download}"
                )
                assert status == 200 and body.startswith(signature)
                assert headers["Content-Type"] == kind
                assert headers["Content-Disposition"] == f'attachment; filename="{entry.file}"'
                assert headers["Cache-Control"] == "no-store"
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
                assert cookies == []
                html_sizes.append(round(len(body) / 1024))
            await asyncio.sleep(0.05)
        page = await (await web.client.get(f"{web.base}/")).text()
        for size in html_sizes:
            assert f"({size} KB)" in page
        assert qr_of(body) == code  # no public address and no Telegram: the code itself
        lines = [r.getMessage() for r in caplog.records if r.name == "beacon.web.access"]
        assert sum("route=/certificate/{file}" in line for line in lines) == 2
        assert not any(code in line or web.session_id() in line for line in lines)
        record = await web.chat.sessions.load(web.chat.key_of(web.session_id()))
        assert record is not None and record.history is not None
        history = web.chat.opened(record.history)
        assert [e.size > 0 for e in history.entries if e.kind == "file"] == [True, True]
        assert all(NAME not in e.text for e in history.entries)


async def test_a_download_is_refused_to_anyone_but_its_session(
    database: Database, shipped_content: Content
) -> None:
    """Another browser, a forged code, an unknown code, a file of another kind and the
    learner after quick exit all get the kind 404 page (with Exit and a way to verify),
    never the file; HEAD is refused."""
    async with web_chat(database, shipped_content) as web:
        code = await issue_for_session(web)
        own = f"{web.base}/certificate/{code}.pdf"
        status, _, body, _ = await fetch(web.client, own)
        assert status == 200 and body.startswith(PDF_SIGNATURE)
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
        unknown = new_code(certificate_secret(SECRET), 999_999)
        for path in (f"{forged}.pdf", f"{unknown}.png", f"{code}.exe", f"{code}", "..%2Fbeacon.db"):
            status, headers, body, _ = await fetch(web.client, f"{web.base}/certificate/{path}")
            assert status == 404, path
            assert not body.startswith(PDF_SIGNATURE) and not body.startswith(PNG_SIGNATURE)
            assert headers["Cache-Control"] == "no-store"
            page = WebPage(body.decode())
            assert {"no-certificate", "to-verify", "exit-form"} <= set(page.attributes)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as stranger:
            status, _, body, _ = await fetch(stranger, own)
            assert status == 404 and texts.NO_CERTIFICATE.text.split(".")[0] in body.decode()
            jar = aiohttp.CookieJar(unsafe=True)
            jar.update_cookies({COOKIE: "x" * 43})
            async with aiohttp.ClientSession(cookie_jar=jar) as guesser:
                assert (await fetch(guesser, own))[0] == 404
        async with web.client.head(own) as response:
            assert response.status == 405
        csrf = web.chat.csrf(web.session_id())
        async with web.client.post(f"{web.base}/exit", data={"csrf": csrf}, allow_redirects=False):
            pass
        web.client.cookie_jar.clear()
        status, _, body, _ = await fetch(web.client, own)
        assert status == 404 and not body.startswith(PDF_SIGNATURE)


async def test_verify_pages_give_telegram_s_verdict_without_a_session(
    database: Database, shipped_content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """`/verify/<code>` (any case), `/verify?code=` and the form's POST say valid with the
    course, name and date exactly as Telegram's /verify does; a forged code, one too long and
    an empty form are answered kindly; a post without the form's token is refused (403); the
    page is in the browser's language; no cookie is set and no session made; the log names
    routes and verdicts, never a code."""
    async with web_chat(database, shipped_content) as web:
        code = await issue_for_session(web)
        certificates = web.service.certificates
        assert certificates is not None
        [telegram] = await certificates.verify(code, web.service.renderer("en", None))
        assert isinstance(telegram, Reply) and NAME in telegram.text
        sessions = await web.count("web_sessions")
        caplog.set_level(logging.INFO, logger="beacon.web")
        async with aiohttp.ClientSession() as visitor:

            async def verdict(url: str, language: str = "en") -> tuple[str, str, WebPage]:
                status, headers, body, cookies = await fetch(visitor, url, language)
                assert status == 200 and cookies == [] and headers["Cache-Control"] == "no-store"
                assert headers["X-Robots-Tag"] == "noindex, nofollow"
                page = WebPage(body.decode())
                shown = page.attributes.get("verdict", {}).get("data-verdict", "")
                return shown, body.decode(), page

            for url in (f"/verify/{code}", f"/verify/{code.lower()}", f"/verify?code={code}"):
                shown, html, _ = await verdict(f"{web.base}{url}")
                assert shown == "valid" and telegram.text in html, url
            forged = code[:-1] + ("A" if code[-1] != "A" else "B")
            shown, html, _ = await verdict(f"{web.base}/verify/{forged}")
            assert shown == "invalid" and core_texts.VERIFY_INVALID.text in html
            shown, html, page = await verdict(f"{web.base}/verify/{'B' * 80}")
            assert shown == "invalid" and "B" * 80 not in html
            shown, html, page = await verdict(f"{web.base}/verify")
            assert shown == "" and texts.VERIFY_PROMPT.text in html
            assert {"verify-form", "code", "exit-form"} <= set(page.attributes)
            assert '<meta name="robots" content="noindex, nofollow">' in html
            token = page.attributes["form-token"]["value"]
            for sent, expected in ((code, "valid"), ("", ""), (forged, "invalid")):
                async with visitor.post(
                    f"{web.base}/verify", data={"csrf": token, "code": sent}
                ) as response:
                    assert response.status == 200 and not response.headers.getall("Set-Cookie", [])
                    page = WebPage(await response.text())
                    assert page.attributes.get("verdict", {}).get("data-verdict", "") == expected
            async with visitor.post(
                f"{web.base}/verify", data={"csrf": "forged", "code": code}
            ) as response:
                assert response.status == 403
                html = await response.text()
                assert core_texts.UNREADABLE.text in html and NAME not in html
            _, html, page = await verdict(f"{web.base}/verify/{code}", "es")
            spanish = web.service.renderer(None, "es")
            said = await certificates.verdict(code)
            assert said is not None and spanish.say(said) in html and page.lang == "es"
            _, _, page = await verdict(f"{web.base}/verify/{code}", "ar")
            assert (page.lang, page.dir) == ("ar", "rtl")
        assert await web.count("web_sessions") == sessions
        lines = [r.getMessage() for r in caplog.records if r.name.startswith("beacon.web")]
        assert any("route=/verify/{code}" in line for line in lines)
        assert any("route=/verify " in line and "method=POST" in line for line in lines)
        assert not any(code in line or code.lower() in line or forged in line for line in lines)


async def test_verify_pages_are_rate_limited_per_address(
    database: Database, shipped_content: Content
) -> None:
    """A burst of verifications from one address is met with the kind "slow down" page."""
    async with web_chat(database, shipped_content, limit=Bucket(burst=3, per_second=1)) as web:
        async with aiohttp.ClientSession() as visitor:
            statuses = [
                (await fetch(visitor, f"{web.base}/verify/BCN-0000-0000-0000"))[0] for _ in range(5)
            ]
        assert statuses == [200, 200, 200, 429, 429]


async def test_with_a_public_address_the_qr_code_opens_the_verify_page(
    database: Database, shipped_content: Content
) -> None:
    """With PUBLIC_URL, the downloaded PNG's QR code holds PUBLIC_URL/verify/<code> and the
    printed hint names the verification page."""
    async with web_chat(database, shipped_content, public_url=f"{PUBLIC}/") as web:
        code = await issue_for_session(web)
        status, _, png, _ = await fetch(web.client, f"{web.base}/certificate/{code}.png")
        assert status == 200 and qr_of(png) == f"{PUBLIC}/verify/{code}"


def test_the_qr_code_and_hint_follow_the_public_address_and_telegram() -> None:
    """Without a public address: the bot's link when Telegram gave one, else the code, and the
    /verify hint. With one, on both channels: the verification page, and a hint that names it
    (and /verify only where Beacon is on Telegram)."""
    secret = certificate_secret(SECRET)
    code = new_code(secret, 7)

    def made(public_url: str | None, telegram: bool, link: str | None) -> Certificates:
        certificates = Certificates(None, secret, {}, public_url=public_url, telegram=telegram)  # type: ignore[arg-type]
        certificates.public_link = link
        return certificates

    bot = "https://t.me/beacon_test_bot"
    assert made(None, True, bot).qr_payload(code) == f"{bot}?start=verify-{code}"
    assert made(None, False, None).qr_payload(code) == code
    assert made(None, True, bot).hint(code) == core_texts.CERTIFICATE_HINT.fill(code=code)
    for telegram, link in ((True, bot), (False, None)):
        assert made(PUBLIC, telegram, link).qr_payload(code) == f"{PUBLIC}/verify/{code}"
    assert made(PUBLIC, True, bot).hint(code) == core_texts.CERTIFICATE_HINT_WEB_TELEGRAM.fill(
        address=f"{PUBLIC}/verify", code=code
    )
    assert made(PUBLIC, False, None).hint(code) == core_texts.CERTIFICATE_HINT_WEB.fill(
        address=f"{PUBLIC}/verify"
    )
    assert made(f"{PUBLIC}/", False, None).verify_page(code) == f"{PUBLIC}/verify/{code}"
