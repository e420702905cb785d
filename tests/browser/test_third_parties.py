"""Not one request from Beacon's pages to any host but Beacon's. Every browser test's fixture
refuses and fails on such a request; this test walks the main screens and checks the record,
and checks that the guard sees a request to another host."""

from __future__ import annotations

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect

from bot.testing.browser import ARIZONA_CHILD, BrowserBeacon, certificate_pages, origin_of

SCREENS = [
    "About and privacy", "Home", "Learn the signs", "Start with the knowledge check", "Start",
    "Home", *ARIZONA_CHILD,
]  # fmt: skip


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
async def test_every_request_goes_to_beacon(beacon: BrowserBeacon, javascript: bool) -> None:
    """From the main menu through About, the course and the report path to a channel screen
    with links to hotlines' sites, then the certificate's public pages (the verification form
    and its post, a valid and a forged code's verdicts, a refused download), the browser asks
    Beacon alone: its pages, style sheet and script (with JavaScript), and its forms."""
    user = await beacon.user(javascript=javascript)
    await user.open()
    for label in SCREENS:
        await user.click(label)
    assert await user.page.locator("#conversation a[href^='https://']").count() > 0
    code = await beacon.certify(user)
    pages = certificate_pages(code)
    for path in pages:
        await user.page.goto(f"{beacon.base}{path}")
    await user.page.goto(f"{beacon.base}/verify")
    await user.page.locator("#code").fill(code)
    await user.page.locator("#code").press("Enter")
    await expect(user.page.locator("#verdict")).to_have_attribute("data-verdict", "valid")
    assert {origin_of(url) for url in user.traffic.urls} == {beacon.origin}
    paths = {url.removeprefix(beacon.origin).split("#")[0] for url in user.traffic.urls}
    files = {"/static/beacon.css", *(["/static/beacon.js"] * javascript)}
    assert paths == {"/", "/say", *files, *pages}
    assert beacon.exit.paths == []


async def test_the_guard_refuses_and_notes_another_host(beacon: BrowserBeacon) -> None:
    """A request to another host never leaves the browser: it is refused and noted."""
    user = await beacon.user()
    with pytest.raises(PlaywrightError):
        await user.page.goto("http://third-party.invalid/pixel.png")
    assert beacon.foreign() == ["http://third-party.invalid/pixel.png"]
    user.traffic.foreign.clear()  # planted by this test; the fixture checks every other
