"""Quick exit in Chromium: by the Exit button and by pressing Shift three times, with and
without JavaScript. The page ends on the neutral site, Back does not bring the conversation
back, and the session's row is gone from the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import expect

from bot.core import texts as core_texts
from bot.testing.browser import (
    ARIZONA_CHILD,
    NEUTRAL_TITLE,
    TIMEOUT_MS,
    BrowserBeacon,
    BrowserUser,
)

ARIZONA = "Showing channels for Arizona, United States."


async def by_button(user: BrowserUser) -> None:
    """Press the Exit button at the top of the page."""
    await user.page.locator("#exit-button").click()


async def by_shift(user: BrowserUser) -> None:
    """Press Shift three times."""
    for _ in range(3):
        await user.page.keyboard.press("Shift")


async def on_arizona_screen(beacon: BrowserBeacon, javascript: bool = True) -> BrowserUser:
    """Return a person who came from the neutral site to the chat and is on the Arizona
    screen of the report side, with a stored session."""
    user = await beacon.user(javascript=javascript)
    await user.page.goto(f"{beacon.exit.url}before")
    await user.open()
    for label in ARIZONA_CHILD[:3]:
        await user.click(label)
    user.expect(ARIZONA)
    assert await beacon.sessions.count() == 1
    return user


async def left_for_the_neutral_site(beacon: BrowserBeacon, user: BrowserUser) -> None:
    """Check that the page is the neutral site, the session ended and its row is gone, and
    that Back shows the neutral site's earlier page, not the conversation."""
    await expect(user.page).to_have_title(NEUTRAL_TITLE)
    assert user.page.url == beacon.exit.url
    await asyncio.wait_for(beacon.sessions.ended.wait(), TIMEOUT_MS / 1000)
    assert await beacon.sessions.count() == 0
    await user.page.go_back()
    await expect(user.page).to_have_title(NEUTRAL_TITLE)
    assert user.page.url == f"{beacon.exit.url}before"
    assert ARIZONA not in await user.page.content()
    cookies = await user.page.context.cookies()
    assert cookies == [], "the session cookie outlived exit"


@pytest.mark.parametrize("leave", [by_button, by_shift], ids=["button", "shift"])
async def test_quick_exit_leaves_nothing_to_go_back_to(
    beacon: BrowserBeacon, leave: Callable[[BrowserUser], Awaitable[None]]
) -> None:
    """With the script, Exit or Shift three times replaces the page with the neutral site in
    the same history entry and ends the session on the server."""
    user = await on_arizona_screen(beacon)
    await leave(user)
    await left_for_the_neutral_site(beacon, user)
    # Back may show the earlier page from the browser's cache or ask the site for it again.
    assert beacon.exit.paths[:2] == ["/before", "/"]


async def test_quick_exit_without_javascript(beacon: BrowserBeacon) -> None:
    """Without the script, Exit posts its form: the server ends the session and redirects to
    the neutral site, and the cookie is gone; Back does not show the conversation: the form
    Chromium posts again is acted on by nothing (a fresh start with the "earlier screen"
    note, none of the labels tapped before)."""
    user = await on_arizona_screen(beacon, javascript=False)
    await by_button(user)
    await expect(user.page).to_have_title(NEUTRAL_TITLE)
    assert user.page.url == beacon.exit.url
    assert beacon.sessions.ended.is_set() and await beacon.sessions.count() == 0
    assert await user.page.context.cookies() == []
    await user.page.go_back()
    await user.page.wait_for_load_state()
    # Chromium posts the chat's last form again: with the cookie gone the server finds no
    # session, acts on nothing and starts anew with the kind "earlier screen" note.
    if user.page.url.startswith(beacon.base):
        await user.look()
        assert {"tap_answer": core_texts.STALE.text} in user.seen
        assert user.texts() and "Welcome to Beacon." in user.texts()[0]
        assert user.read is not None and [e for e in user.read.entries if e.kind == "you"] == []
    assert ARIZONA not in await user.page.content()


async def test_shift_with_other_keys_between_does_not_leave(beacon: BrowserBeacon) -> None:
    """Typing capitals (Shift and a letter, three times) is not three presses of Shift: the
    chat goes on; then three presses of Shift alone leave."""
    user = await on_arizona_screen(beacon)
    for letter in "ABC":
        await user.page.keyboard.press(f"Shift+{letter}")
    await user.click("Back")
    assert not beacon.sessions.ended.is_set() and await beacon.sessions.count() == 1
    await by_shift(user)
    await left_for_the_neutral_site(beacon, user)
