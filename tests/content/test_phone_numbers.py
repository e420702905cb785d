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
    r"|0800\d? \d{3} \d{3}|800 \d{4} \d{3}|911|999|112|711|233733)(?![\w-])"
)
"""A North American toll-free number (with its digits in brackets when it spells a word), a UK
freephone number, a Mexican toll-free number, or a short code (911, 999, 112, 711, 233733)."""
CITED_OUTSIDE_FACTS = {
    "999": "https://www.btp.police.uk/advice_and_information-1/keeping_yourself_safe/modern_slavery.aspx",
}
"""Numbers the facts file has no source for, each with the official page its entry must cite."""
LOCALES = Catalogs(PROJECT_ROOT / "locales").codes()


def facts_text() -> str:
    """Return the facts file with its bold markers removed."""
    return FACTS.read_text(encoding="utf-8").replace("**", "")


def test_the_pattern_finds_what_it_should() -> None:
    """The check can fail: a mistyped number is found and is not in the facts file."""
    found = PHONE.findall(
        "Call 1-888-373-7889 or 1-800-THE-LOST (1-800-843-5678), or 911. 08000 121 701; 998"
    )
    assert found == ["1-888-373-7889", "1-800-THE-LOST (1-800-843-5678)", "911", "08000 121 701"]
    assert "1-888-373-7889" not in facts_text() and "08000 121 701" not in facts_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_number_shown_matches_the_facts_file(
    shipped_content: Content, catalogs: Catalogs, locale: str
) -> None:
    """Numbers in hotline cards and in dialogue text, as rendered, appear verbatim in the facts."""
    facts = facts_text()
    renderer = Renderer(catalogs.translator(locale), locale)
    shown: set[str] = set()
    places = [None, *(p.code for p in shipped_content.places)]
    places += [r.code for p in shipped_content.places for r in p.regions]
    for _, screen in every_screen(shipped_content, places):
        visible = renderer.screen(screen).text.replace(LRM, "").replace(RLM, "")
        shown |= set(PHONE.findall(visible))
    expected = {"911", "999", "112", "1-888-373-7888", "1-800-THE-LOST (1-800-843-5678)"}
    assert expected | {"08000 121 700", "1-833-900-1010", "800 5533 000"} <= shown
    assert sorted(n for n in shown if n not in facts and n not in CITED_OUTSIDE_FACTS) == []


def test_numbers_outside_the_facts_file_cite_their_official_page(content: Content) -> None:
    """An entry showing a number the facts file lacks cites the official page named for it."""
    for number, page in CITED_OUTSIDE_FACTS.items():
        entries = [r for r in content.resources if any(c.value == number for c in r.channels)]
        assert entries and all(r.source_url == page for r in entries)
