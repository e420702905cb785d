"""The web chat in a real browser: Debian's headless Chromium (never a downloaded build) driven
by Playwright. `browsing` serves Beacon's web chat and a neutral exit site on 127.0.0.1 and
opens Chromium; every browser context it makes records each request and refuses (and notes)
any request to a host but those two, so nothing reaches the internet. `BrowserUser` is the
simulated user of the other channels, clicking and typing in the page."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    ViewportSize,
    async_playwright,
    expect,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.content.bundle import Content
from bot.core.course import course_nodes
from bot.core.events import Tap
from bot.i18n.catalogs import Catalogs
from bot.storage.tables import WebSession
from bot.storage.web_session_table import SqlWebSessions
from bot.testing.simulator import CoreChat
from bot.testing.transcripts import Recorded, record
from bot.testing.user import SimulatedUser
from bot.testing.web import WebPage, on_the_web, roomy_limits, serving
from bot.transports.web.server import COOKIE, WebChat, WebConfig

PHONE: Final = ViewportSize(width=360, height=640)
"""A small phone's viewport, where every test runs unless it says otherwise."""
TIMEOUT_MS: Final = 20_000
"""How long any one browser action or expectation may wait: generous for 2 shared cores,
bounded so that a stuck page fails the test instead of hanging CI."""
CHROMIUM_ARGS: Final = (
    # Chromium's own services (updates, safe browsing) resolve no name: nothing it does by
    # itself leaves the machine. Pages load from 127.0.0.1 by address, unaffected.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--no-first-run",
)
WCAG_TAGS: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""The axe-core rules a page must pass: WCAG 2.0, 2.1 and 2.2 at levels A and AA."""
ARIZONA_CHILD: Final = (
    "Report or get help", "United States", "Arizona", "A child or teen (maybe under 18)",
)  # fmt: skip
"""The report path for a child in Arizona from the main menu, by its English labels."""
FOCUS_PLACE: Final = """() => { const el = document.activeElement;
  return el === document.body ? -1 : [...document.querySelectorAll("*")].indexOf(el); }"""
"""The focused element's place in document order (its identity while the page stays), or -1
when the page itself has focus."""
NEUTRAL_TITLE: Final = "Today's weather"
"""The title of the exit site's page (a neutral site, as WEB_EXIT_URL names in production)."""


def forged(code: str) -> str:
    """Return a verification code with its last symbol changed: no certificate's."""
    return code[:-1] + ("A" if code[-1] != "A" else "B")


def certificate_pages(code: str) -> tuple[str, ...]:
    """Return the public certificate pages to visit for a real code: the verification form,
    the code's verdict, a forged code's, and the kind page of a download refused."""
    return (
        "/verify",
        f"/verify/{code}",
        f"/verify/{forged(code)}",
        f"/certificate/{forged(code)}.pdf",
    )


def chromium_path() -> str | None:
    """Return Debian's Chromium (`chromium` on PATH), or None when it is not installed."""
    return shutil.which("chromium")


def in_ci() -> bool:
    """Say whether this run is CI's (CI is set), where a missing browser fails the suite."""
    return bool(os.environ.get("CI"))


@asynccontextmanager
async def without_faketime() -> AsyncIterator[None]:
    """Start Playwright's driver (and so the browser it launches) without libfaketime: CI's
    runs with the clock moved (docs/testing.md) check Beacon's code in this process, while
    Chromium stalls and Node crawls under it. The browser is the visitor's machine, whose clock
    is its own."""
    saved = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name == "LD_PRELOAD" or name.startswith("FAKETIME")
    }
    try:
        yield
    finally:
        os.environ.update(saved)


def origin_of(url: str) -> str:
    """Return a URL's origin: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class WatchedSessions(SqlWebSessions):
    """The web sessions table, which also says when quick exit has ended a session (so a test
    waits for that instead of sleeping)."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database."""
        super().__init__(engine)
        self.ended = asyncio.Event()

    async def end(self, key: str) -> bool:
        """End the session as the table does, then say so."""
        found = await super().end(key)
        self.ended.set()
        return found

    async def count(self) -> int:
        """Return how many web sessions are stored."""
        async with self.engine.connect() as connection:
            found = await connection.execute(select(func.count()).select_from(WebSession))
            return int(found.scalar_one())


@dataclass
class ExitSite:
    """A neutral site on 127.0.0.1 that quick exit leads to; it notes each path asked for."""

    url: str = ""
    paths: list[str] = field(default_factory=list)

    async def page(self, request: web.Request) -> web.Response:
        """Answer any path with a plain, neutral page."""
        self.paths.append(request.path)
        html = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{NEUTRAL_TITLE}'
            f'</title></head><body><main><h1 id="neutral">{NEUTRAL_TITLE}</h1>'
            "<p>Sunny, 24 degrees.</p></main></body></html>"
        )
        return web.Response(text=html, content_type="text/html")


@asynccontextmanager
async def exit_site() -> AsyncIterator[ExitSite]:
    """Serve a neutral site on a free port of 127.0.0.1; yield it."""
    site = ExitSite()
    application = web.Application()
    application.router.add_get("/{tail:.*}", site.page)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        site.url = f"http://127.0.0.1:{port}/"
        yield site
    finally:
        await runner.cleanup()


@dataclass
class Traffic:
    """Every request a browser context made, and those it refused: any host but the allowed
    origins (Beacon's, and the exit site's)."""

    allowed: frozenset[str]
    urls: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    async def route(self, route: Route) -> None:
        """Let a request to an allowed origin through; refuse and note any other."""
        url = route.request.url
        self.urls.append(url)
        if origin_of(url) in self.allowed:
            await route.continue_()
        else:
            self.foreign.append(url)
            await route.abort("blockedbyclient")

    def to(self, origin: str) -> list[str]:
        """Return the addresses requested from one origin, in order."""
        return [url for url in self.urls if origin_of(url) == origin]


@dataclass
class BrowserBeacon:
    """Beacon's web chat served on 127.0.0.1 with a neutral exit site, and a Chromium to open
    it in; `traffic` holds every context's requests."""

    base: str
    exit: ExitSite
    app: App
    chat: WebChat
    sessions: WatchedSessions
    browser: Browser
    traffic: list[Traffic] = field(default_factory=list)

    @property
    def origin(self) -> str:
        """Return Beacon's origin."""
        return origin_of(self.base)

    async def context(
        self, locale: str = "en", javascript: bool = True, viewport: ViewportSize = PHONE
    ) -> tuple[BrowserContext, Traffic]:
        """Open a fresh browser (no cookies) in `locale` at `viewport`; every request it makes
        is recorded, and one to any host but Beacon or the exit site is refused."""
        context = await self.browser.new_context(
            viewport=viewport,
            locale=locale,
            java_script_enabled=javascript,
            reduced_motion="reduce",
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        traffic = Traffic(frozenset({self.origin, origin_of(self.exit.url)}))
        await context.route("**/*", traffic.route)
        self.traffic.append(traffic)
        return context, traffic

    async def user(
        self, locale: str = "en", javascript: bool = True, viewport: ViewportSize = PHONE
    ) -> BrowserUser:
        """Return a person with a fresh browser, the chat not opened yet."""
        context, traffic = await self.context(locale, javascript, viewport)
        page = await context.new_page()
        return BrowserUser(page, self.base, traffic, javascript)

    def foreign(self) -> list[str]:
        """Return every refused request of every context: requests to a third party."""
        return [url for traffic in self.traffic for url in traffic.foreign]

    async def certify(self, user: BrowserUser, name: str = "Ada Testname") -> str:
        """Issue a certificate for the course to an opened browser's session straight
        through the service (no course taken, for pages that only need one); return its
        code."""
        certificates = self.app.service.certificates
        assert certificates is not None
        cookies = await user.page.context.cookies()
        [sid] = [cookie["value"] for cookie in cookies if cookie["name"] == COOKIE]
        course = str(course_nodes(self.app.content)[0][0])
        renderer = self.app.service.renderer("en", None)
        issued = await certificates.table.issue(
            self.chat.key_of(sid), course, name, renderer.locale, self.app.service.clock.now()
        )
        return certificates.code(issued)


@asynccontextmanager
async def browsing(app: App) -> AsyncIterator[BrowserBeacon]:
    """Serve `app`'s web chat (roomy rate limits: the test clock stands still) with quick exit
    leading to a local neutral site, open headless Chromium, and close it all afterwards."""
    executable = chromium_path()
    assert executable is not None, "Debian's chromium is not installed (apt-get install chromium)"
    sessions = WatchedSessions(app.database)
    async with exit_site() as neutral:
        settings = app.settings
        config = WebConfig(
            title=settings.web_title,
            exit_url=neutral.url,
            keep_days=settings.retention_days,
            kiosk_idle_seconds=settings.kiosk_idle_seconds,
        )
        chat = WebChat(
            app.service, sessions, config, roomy_limits(), campaigns=app.campaign_links()
        )
        async with serving(chat) as base:
            async with without_faketime():
                playwright = await async_playwright().start()
            try:
                browser = await playwright.chromium.launch(
                    executable_path=executable, args=list(CHROMIUM_ARGS), timeout=TIMEOUT_MS
                )
                try:
                    yield BrowserBeacon(base, neutral, app, chat, sessions, browser)
                finally:
                    await browser.close()
            finally:
                await playwright.stop()


class BrowserUser(SimulatedUser):
    """A person in Chromium: opens the chat, clicks a button by its label (or by its place on
    the newest keyboard), types into the text box; `seen` is what the last action showed, read
    from the page as the HTML-reading client reads it."""

    def __init__(self, page: Page, base: str, traffic: Traffic, javascript: bool) -> None:
        """Drive `page` on the chat at `base`."""
        self.page = page
        self.base = base
        self.traffic = traffic
        self.javascript = javascript
        self.seen: list[Recorded] = []
        self.read: WebPage | None = None

    async def open(self) -> list[Recorded]:
        """Open the chat's page (a new visitor starts a conversation)."""
        await self.page.goto(f"{self.base}/")
        await expect(self.page.locator("#conversation .latest").first).to_be_visible()
        return await self.look()

    async def focus_round(self, key: str, read: str, presses: int) -> list[dict[str, Any]]:
        """Press `key` (Tab or Shift+Tab), at most `presses` times, until focus comes to a
        control it has been on; return what the script `read` returned at each control, with
        the control's `place`. Where focus re-enters the page after leaving it is the
        browser's affair, so the round may end on any control, not only the first."""
        stops: dict[int, dict[str, Any]] = {}
        for _ in range(presses):
            await self.page.keyboard.press(key)
            place: int = await self.page.evaluate(FOCUS_PLACE)
            if place in stops:
                return list(stops.values())
            if place >= 0:
                stops[place] = {**await self.page.evaluate(read), "place": place}
        raise AssertionError(f"{key} never came round: {[s.get('key') for s in stops.values()]}")

    async def look(self) -> list[Recorded]:
        """Read the page as it is now."""
        self.read = WebPage(await self.page.content())
        self.seen = self.read.recorded()
        return self.seen

    async def turn(self, act: Callable[[], Awaitable[None]]) -> list[Recorded]:
        """Do something that answers with a new page (in place with JavaScript, a new document
        without) and wait until it has come: the old page's main part is gone."""
        main = self.page.locator("#main")
        await main.evaluate("element => element.setAttribute('data-old', '')")
        await act()
        await expect(self.page.locator("#main[data-old]")).to_have_count(0)
        await expect(self.page.locator("#conversation .latest").first).to_be_visible()
        await self.page.wait_for_load_state()
        return await self.look()

    def button(self, label: str) -> Locator:
        """Return the newest conversation button with this label (the current screen's)."""
        buttons = self.page.locator("#conversation").get_by_role("button", name=label, exact=True)
        return buttons.last

    async def perform(self, action: Recorded) -> list[Recorded]:
        """Do one transcript action in the page: click a button by label, or type a line."""
        if "click" in action:
            return await self.turn(self.button(str(action["click"])).click)
        if "send" in action:
            box = self.page.locator("#answer")
            await box.fill(str(action["send"]))
            return await self.turn(lambda: box.press("Enter"))
        raise ValueError(f"a person in a browser cannot do {action}")

    def keyboard(self) -> Locator:
        """Return the rows of the newest screen's buttons."""
        screen = self.page.locator("#conversation > li").filter(has=self.page.locator(".row"))
        return screen.last.locator(".row")

    async def tap_at(self, row: int, column: int) -> list[Recorded]:
        """Press the button at this row and column of the newest screen (in any language)."""
        control = self.keyboard().nth(row).locator(":scope > *").nth(column)
        return await self.turn(control.click)


async def accessibility_violations(page: Page) -> list[str]:
    """Run axe-core (bundled with axe-playwright-python, injected into the page, never fetched)
    over the page with the WCAG 2.x A and AA rules; return one line per rule broken, naming the
    elements that break it."""
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]}
    results = await Axe().run(page, options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]


class Guide:
    """Walks a person in a browser in any language by English labels: an English engine chat
    finds each label's place on the screen, the browser presses the button at that place, and
    an engine chat in the browser's language (with the session's option order) says what the
    page should then show."""

    def __init__(
        self,
        beacon: BrowserBeacon,
        user: BrowserUser,
        content: Content,
        catalogs: Catalogs,
        locale: str,
    ) -> None:
        """Guide `user` of `beacon`, whose browser asks for `locale`."""
        self.beacon = beacon
        self.user = user
        self.content = content
        self.catalogs = catalogs
        self.locale = locale
        self.english = CoreChat(content)
        self.mirror = CoreChat(content, catalogs, locale)

    async def open(self) -> list[Recorded]:
        """Open the chat; return what the first screen should show."""
        await self.user.open()
        cookies = await self.user.page.context.cookies()
        [sid] = [cookie["value"] for cookie in cookies if cookie["name"] == COOKIE]
        seed = self.beacon.app.service.keyer.seed(self.beacon.chat.key_of(sid))
        self.english = CoreChat(self.content, seed=seed)
        self.mirror = CoreChat(self.content, self.catalogs, self.locale, seed=seed)
        self.english.send("/start")
        return on_the_web(record(self.mirror.send("/start")))

    async def tap(self, label: str) -> list[Recorded]:
        """Press the button that reads `label` in English; return what should be shown."""
        row, column = self.english.keyboard.position_of(label)
        self.english.click(label)
        data = self.mirror.keyboard.rows[row][column].data
        expected = on_the_web(record(self.mirror.event(Tap(data))))
        await self.user.tap_at(row, column)
        return expected
