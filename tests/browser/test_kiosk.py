"""Kiosk mode in Chromium: large buttons for touch, and the page going back to the kiosk's
start by itself once it has waited KIOSK_IDLE_SECONDS (2 here, in real browser time, with the
server's test clock moved on by the test): by the script's timer, and without JavaScript by the
page's `<meta>` refresh."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import expect

from bot.app import App
from bot.campaigns.registry import CampaignSpec, register
from bot.testing.browser import (
    TIMEOUT_MS,
    BrowserBeacon,
    BrowserUser,
    accessibility_violations,
)
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.transports.web.server import COOKIE

IDLE = 2
KIOSK = "/kiosk/fair"
PLACE_QUESTION = "Where is this happening?"
TOUCH_PX = 48
"""The smallest height of a control a person taps at a kiosk."""


@pytest.fixture
async def app(app: App) -> App:
    """Beacon with the campaign `fair` (the report side) registered and kiosks that start
    again after two idle seconds."""
    app.settings.kiosk_idle_seconds = IDLE
    await register(app.database, CampaignSpec("fair", "report"), FIXED_NOW)
    return app


async def at_the_kiosk(beacon: BrowserBeacon, javascript: bool) -> BrowserUser:
    """Return a person at the kiosk's tablet who pressed "United States"."""
    user = await beacon.user(javascript=javascript)
    await user.page.goto(f"{beacon.base}{KIOSK}")
    await expect(user.page.locator("#conversation .latest").first).to_be_visible()
    await user.click("United States")
    await expect(user.page.locator("#conversation .msg-you")).to_have_count(1)
    return user


async def session_id(user: BrowserUser) -> str:
    """Return the session id in the browser's cookie."""
    cookies = await user.page.context.cookies()
    [sid] = [cookie["value"] for cookie in cookies if cookie["name"] == COOKIE]
    return sid


async def test_a_kiosk_s_buttons_are_large_enough_to_tap(beacon: BrowserBeacon) -> None:
    """Every button of the kiosk's screen and its Exit are at least 48 px high, and the page
    passes axe-core's WCAG 2.x A and AA rules."""
    user = await at_the_kiosk(beacon, javascript=True)
    controls = user.page.locator("#conversation li.latest .choice, #exit-button")
    assert await controls.count() >= 3
    for place in range(await controls.count()):
        box = await controls.nth(place).bounding_box()
        assert box is not None and box["height"] >= TOUCH_PX, await controls.nth(place).inner_text()
    assert await accessibility_violations(user.page) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no_script"])
async def test_an_idle_kiosk_starts_again_by_itself(
    beacon: BrowserBeacon, clock: ManualClock, javascript: bool
) -> None:
    """After the idle time the page asks for the kiosk's start (the script's timer, or the
    `<meta>` refresh without it); the server, its clock moved on, deletes the session and
    starts a new one at the campaign's entry."""
    user = await at_the_kiosk(beacon, javascript)
    refresh = user.page.locator('meta[http-equiv="refresh"]')
    await expect(refresh).to_have_count(0 if javascript else 1)
    first = await session_id(user)
    clock.advance(dt.timedelta(seconds=IDLE))
    await expect(user.page.locator("#conversation .msg-you")).to_have_count(0, timeout=TIMEOUT_MS)
    await expect(user.page.get_by_text(PLACE_QUESTION)).to_be_visible()
    assert user.page.url == f"{beacon.base}{KIOSK}"
    assert await session_id(user) != first
    assert await beacon.sessions.count() == 1


async def test_start_again_after_a_finished_path_opens_the_kiosk_s_start(
    beacon: BrowserBeacon,
) -> None:
    """On a path's last screen, "Start again" (in place, by the script) deletes the session
    and shows the campaign's entry to the next person in a new one."""
    user = await beacon.user()
    await user.page.goto(f"{beacon.base}{KIOSK}")
    await user.click("Another country")
    first = await session_id(user)
    await user.turn(user.page.locator("#start-again").click)
    user.expect(PLACE_QUESTION)
    await expect(user.page.locator("#conversation .msg-you")).to_have_count(0)
    assert await session_id(user) != first
    assert await beacon.sessions.count() == 1
