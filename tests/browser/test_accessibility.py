"""axe-core in Chromium finds no WCAG 2.x A or AA violation on any screen of the main menu,
About, the course and the Arizona report path, nor on the certificate's verification and
refused-download pages, in every shipped language."""

from __future__ import annotations

import pytest

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.settings import PROJECT_ROOT
from bot.testing.browser import (
    ARIZONA_CHILD,
    BrowserBeacon,
    Guide,
    accessibility_violations,
    certificate_pages,
)

LANGUAGES = Catalogs(PROJECT_ROOT / "locales").codes()
SCREENS = [
    "About and privacy", "What Beacon keeps", "What Beacon can't hide", "Home", "Language",
    "Back", "Learn the signs", "Start with the knowledge check", "Start",
    "They are being trafficked", "Home", *ARIZONA_CHILD,
]  # fmt: skip
"""The buttons pressed from the main menu, by their English labels: every screen on the way
is checked."""


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_no_screen_breaks_a_wcag_rule(
    beacon: BrowserBeacon, shipped_content: Content, catalogs: Catalogs, locale: str
) -> None:
    """Each screen on the way (the main menu, About and what it keeps and can't hide, the
    language menu, the course, its first question and answer, and the Arizona report path)
    and each public certificate page (the verification form, a valid and a forged code's
    verdicts, a refused download) is in the browser's language and passes axe-core's WCAG
    2.x A and AA rules."""
    user = await beacon.user(locale)
    guide = Guide(beacon, user, shipped_content, catalogs, locale)
    assert await guide.open() == user.seen
    assert user.read is not None and user.read.lang == locale.replace("_", "-")
    found = {"main menu": await accessibility_violations(user.page)}
    for label in SCREENS:
        assert await guide.tap(label) == user.seen, label
        found[label] = await accessibility_violations(user.page)
    for path in certificate_pages(await beacon.certify(user)):
        await user.page.goto(f"{beacon.base}{path}")
        assert await user.page.get_attribute("html", "lang") == locale.replace("_", "-")
        found[path] = await accessibility_violations(user.page)
    assert {screen: rules for screen, rules in found.items() if rules} == {}


async def test_the_check_sees_a_violation(beacon: BrowserBeacon) -> None:
    """A button with no name, planted in the page, is reported by its rule and element."""
    user = await beacon.user()
    await user.open()
    assert await accessibility_violations(user.page) == []
    await user.page.evaluate(
        "() => { const b = document.createElement('button'); b.id = 'planted';"
        " document.getElementById('main').append(b); }"
    )
    [found] = await accessibility_violations(user.page)
    assert found.startswith("button-name (critical)") and found.endswith("#planted")
