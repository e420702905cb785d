"""The WCAG 2.2 AA checks axe-core cannot make, measured in Chromium: screen readers hear only
the new messages (a live region), every control is at least 24x24 px (2.5.8), focus is never
hidden under the sticky Exit bar with or without JavaScript (2.4.11), the page reflows without
sideways scrolling at 320 px and at 200% zoom of a 1280 px window (1.4.10), and reduced motion
turns smooth scrolling off."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import ViewportSize

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.testing.browser import ARIZONA_CHILD, PHONE, BrowserBeacon, BrowserUser, Guide

WELCOME = "Welcome to Beacon."
ARIZONA = "Showing channels for Arizona, United States."
NARROW = ViewportSize(width=320, height=640)
"""The narrowest screen WCAG's reflow asks for (320 CSS px)."""
ZOOMED = ViewportSize(width=640, height=360)
"""A 1280x720 window zoomed to 200%: 640x360 CSS px."""
TARGETS = """() => [...document.querySelectorAll("a[href], button, input:not([type=hidden])")]
  .filter(el => !el.closest(".visually-hidden") && el.getClientRects().length)
  .map(el => { const box = el.getBoundingClientRect();
    return {place: [...document.querySelectorAll("*")].indexOf(el),
      key: el.outerHTML.slice(0, 80), width: box.width, height: box.height}; })"""
FOCUS = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const bar = document.getElementById("top");
  return {
    key: el.outerHTML.slice(0, 80),
    clear: bar.contains(el) || box.top >= bar.getBoundingClientRect().bottom - 1,
  };
}"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def on_path(user: BrowserUser) -> list[str | None]:
    """Open the chat and return the labels of the Arizona path (None: the first screen)."""
    await user.open()
    return [None, *ARIZONA_CHILD]


async def focus_stops(user: BrowserUser, key: str) -> list[dict[str, Any]]:
    """Press `key` (Tab or Shift+Tab) through a round of the controls; return each stop."""
    controls = await user.page.evaluate(f"({TARGETS})().length")
    return await user.focus_round(key, FOCUS, 2 * controls + 10)


async def test_the_live_region_says_only_the_new_messages(beacon: BrowserBeacon) -> None:
    """After each tap the live region (a polite log outside the part that is replaced) holds
    that turn's messages from Beacon, and neither the earlier ones nor the tapped label."""
    user = await beacon.user()
    await user.open()
    live = user.page.locator("#live")
    assert await live.get_attribute("role") == "log"
    assert await live.get_attribute("aria-live") == "polite"
    assert await live.inner_text() == ""
    said = []
    for label in ARIZONA_CHILD:
        await user.click(label)
        said.append(await live.locator("p").all_text_contents())
        assert said[-1] == user.texts() != [], label
    assert all(WELCOME not in text for turn in said for text in turn)
    assert [ARIZONA in " ".join(turn) for turn in said] == [False, False, True, False]


@pytest.mark.parametrize("viewport", [NARROW, PHONE, ZOOMED], ids=["320", "360", "zoom200"])
async def test_every_control_is_at_least_24_px_square(
    beacon: BrowserBeacon, viewport: ViewportSize
) -> None:
    """Every button, link and field on every screen of the report path is 24x24 CSS px or
    larger (WCAG 2.2's 2.5.8 Target Size, minimum)."""
    user = await beacon.user(viewport=viewport)
    small = {}
    for label in await on_path(user):
        if label is not None:
            await user.click(label)
        targets: list[dict[str, Any]] = await user.page.evaluate(TARGETS)
        assert targets, label
        small[label] = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert {label: found for label, found in small.items() if found} == {}


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
async def test_focus_is_never_hidden_under_the_exit_bar(
    beacon: BrowserBeacon, javascript: bool
) -> None:
    """Forwards and backwards through every control of every screen, with and without the
    script, the focused control is in the bar or below it, never under it (2.4.11); the two
    rounds together reach every control."""
    user = await beacon.user(javascript=javascript, viewport=NARROW)
    hidden, missed = {}, {}
    for label in await on_path(user):
        if label is not None:
            await user.click(label)
        stops = [*await focus_stops(user, "Tab"), *await focus_stops(user, "Shift+Tab")]
        hidden[label] = [stop["key"] for stop in stops if not stop["clear"]]
        reached = {stop["place"] for stop in stops}
        targets: list[dict[str, Any]] = await user.page.evaluate(TARGETS)
        missed[label] = [t["key"] for t in targets if t["place"] not in reached]
    assert {label: keys for label, keys in hidden.items() if keys} == {}
    assert {label: keys for label, keys in missed.items() if keys} == {}


async def test_without_the_script_each_page_opens_at_the_new_messages(
    beacon: BrowserBeacon,
) -> None:
    """With JavaScript off each tap is a new page: its address ends in #new, the first new
    message is that target, scrolled into view below the sticky bar."""
    user = await beacon.user(javascript=False)
    await user.open()
    for label in ARIZONA_CHILD:
        await user.click(label)
        assert user.page.url.endswith("/say#new")
        target: dict[str, Any] = await user.page.evaluate(
            """() => { const t = document.querySelector(":target");
              const bar = document.getElementById("top").getBoundingClientRect();
              return {latest: t.classList.contains("latest"), kind: t.dataset.kind,
                      top: t.getBoundingClientRect().top, bar: bar.bottom,
                      height: innerHeight}; }"""
        )
        assert target["latest"] and target["kind"] == "you", label
        assert target["bar"] <= target["top"] < target["height"], label


@pytest.mark.parametrize("viewport", [NARROW, ZOOMED], ids=["320", "zoom200"])
@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_page_reflows_without_sideways_scrolling(
    beacon: BrowserBeacon,
    shipped_content: Content,
    catalogs: Catalogs,
    viewport: ViewportSize,
    locale: str,
) -> None:
    """At 320 CSS px and at 200% zoom of a 1280x720 window, every screen of the report path
    fits the width (WCAG 1.4.10 Reflow), left to right and right to left."""
    user = await beacon.user(locale, viewport=viewport)
    guide = Guide(beacon, user, shipped_content, catalogs, locale)
    await guide.open()
    sideways = {"main menu": await user.page.evaluate(SIDEWAYS)}
    for label in ARIZONA_CHILD:
        await guide.tap(label)
        sideways[label] = await user.page.evaluate(SIDEWAYS)
    assert {label: pixels for label, pixels in sideways.items() if pixels > 0} == {}


async def test_reduced_motion_turns_smooth_scrolling_off(beacon: BrowserBeacon) -> None:
    """The page scrolls smoothly to a new message only when the system does not ask for
    reduced motion; asked, it jumps, with no transition or animation anywhere."""
    user = await beacon.user()
    await user.open()
    motion = """() => ({scroll: getComputedStyle(document.documentElement).scrollBehavior,
      moving: [...document.querySelectorAll("*")].filter(el => {
        const s = getComputedStyle(el);
        return s.transitionDuration.split(",").some(d => parseFloat(d) > 0)
          || s.animationName !== "none"; }).length})"""
    assert await user.page.evaluate(motion) == {"scroll": "auto", "moving": 0}
    await user.page.emulate_media(reduced_motion="no-preference")
    assert (await user.page.evaluate(motion))["scroll"] == "smooth"
