"""The Arizona report path in Chromium on a 360x640 phone: in English and in Arabic (right to
left) with the page's script, and the whole path with JavaScript off."""

from __future__ import annotations

from typing import Any

import pytest

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.testing.browser import ARIZONA_CHILD, PHONE, BrowserBeacon, Guide

NCMEC = "1-800-843-5678"
LAYOUT = """() => {
  const newest = document.querySelector("#conversation .latest");
  const bar = document.getElementById("top").getBoundingClientRect();
  const exit = document.getElementById("exit-button").getBoundingClientRect();
  const focused = document.activeElement;
  const texts = [...document.querySelectorAll("#conversation .latest .text")];
  return {
    history: history.length,
    width: document.documentElement.scrollWidth,
    focusedNewest: focused === newest,
    focusTop: focused.getBoundingClientRect().top,
    barBottom: bar.bottom,
    exitShown: exit.top >= 0 && exit.bottom <= innerHeight && exit.width > 0,
    directions: texts.map(t => getComputedStyle(t).direction),
    overflowing: texts.filter(t => t.scrollWidth > t.clientWidth).length,
    smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize))),
  };
}"""
ARABIC_LETTER = range(0x0621, 0x064B)


@pytest.mark.parametrize(("locale", "direction"), [("en", "ltr"), ("ar", "rtl")])
async def test_the_arizona_report_path_on_a_phone(
    beacon: BrowserBeacon, shipped_content: Content, catalogs: Catalogs, locale: str, direction: str
) -> None:
    """A new visitor on a 360x640 phone taps Report, United States, Arizona and "a child":
    each screen shows what the engine shows in the browser's language, in place (no new history
    entry), with focus on the newest message below the sticky bar and Exit in view, nothing
    wider than the screen, text of at least 16 px in the page's direction; the channel screen
    puts 911 first and NCMEC's number in it."""
    user = await beacon.user(locale)
    guide = Guide(beacon, user, shipped_content, catalogs, locale)
    assert user.seen == [] and await guide.open() == user.seen
    assert user.read is not None and (user.read.lang, user.read.dir) == (locale, direction)
    history = await user.page.evaluate("history.length")
    for label in ARIZONA_CHILD:
        assert await guide.tap(label) == user.seen, label
        layout: dict[str, Any] = await user.page.evaluate(LAYOUT)
        assert layout["history"] == history, "a tap added a history entry"
        assert layout["width"] <= PHONE["width"], "the page scrolls sideways"
        assert layout["focusedNewest"], "focus is not on the newest message"
        assert layout["focusTop"] >= layout["barBottom"], "the sticky bar hides the focus"
        assert layout["exitShown"], "Exit is not in view"
        assert set(layout["directions"]) == {direction}
        assert layout["overflowing"] == 0 and layout["smallest"] >= 16
    screen = user.texts()[-1]
    assert "911" in screen.split("\n\n")[0] and NCMEC in screen
    if locale == "ar":
        assert sum(ord(c) in ARABIC_LETTER for c in screen) > len(screen) / 3


async def test_the_whole_path_without_javascript(
    beacon: BrowserBeacon, shipped_content: Content, catalogs: Catalogs
) -> None:
    """With JavaScript off, every button is a plain form: the same path reaches the same
    screens, each a new page from the server, and the script never ran."""
    user = await beacon.user(javascript=False)
    guide = Guide(beacon, user, shipped_content, catalogs, "en")
    assert await guide.open() == user.seen
    for label in ARIZONA_CHILD:
        assert await guide.tap(label) == user.seen, label
    assert NCMEC in user.texts()[-1]
    posts = [url for url in user.traffic.to(beacon.origin) if url.endswith("/say")]
    assert len(posts) == len(ARIZONA_CHILD)
    # The script unhides the copy buttons; without it each number stays a readable text field.
    assert await user.page.locator(".copy-button").first.is_hidden()
    assert await user.page.locator(".copy-text input").first.input_value() == NCMEC
