"""Every phone number Beacon shows, in every language and place, is written exactly as in the
facts file (shared/facts/trafficking-facts.md)."""

from __future__ import annotations

import re

import pytest

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.i18n.direction import LRM, RLM
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT
from bot.testing.screens import every_screen

FACTS = PROJECT_ROOT.parent / "shared" / "facts" / "trafficking-facts.md"
PHONE = re.compile(
    r"(?<![\w-])(?:1-8\d\d-[0-9A-Z]+(?:-[0-9A-Z]+)*(?: \(1-8\d\d-\d{3}-\d{4}\))?"
    r"|911|711|233733)(?![\w-])"
)
"""A U.S. toll-free number (with its digits in brackets when it spells a word), or a short
code Beacon uses (911, 711, 233733)."""
LOCALES = Catalogs(PROJECT_ROOT / "locales").codes()


def facts_text() -> str:
    """Return the facts file with its bold markers removed."""
    return FACTS.read_text(encoding="utf-8").replace("**", "")


def test_the_pattern_finds_what_it_should() -> None:
    """The check can fail: a mistyped number is found and is not in the facts file."""
    found = PHONE.findall("Call 1-888-373-7889 or 1-800-THE-LOST (1-800-843-5678), or 911.")
    assert found == ["1-888-373-7889", "1-800-THE-LOST (1-800-843-5678)", "911"]
    assert "1-888-373-7889" not in facts_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_number_shown_matches_the_facts_file(
    shipped_content: Content, catalogs: Catalogs, locale: str
) -> None:
    """Numbers in hotline cards and in dialogue text, as rendered, appear verbatim in the facts."""
    facts = facts_text()
    renderer = Renderer(catalogs.translator(locale), locale)
    shown: set[str] = set()
    for _, screen in every_screen(shipped_content, ["US-AZ", "US"]):
        visible = renderer.screen(screen).text.replace(LRM, "").replace(RLM, "")
        shown |= set(PHONE.findall(visible))
    assert {"911", "1-888-373-7888", "1-800-THE-LOST (1-800-843-5678)"} <= shown
    assert sorted(n for n in shown if n not in facts) == []
