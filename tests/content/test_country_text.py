"""Every screen shown for a country, as rendered, names only that country's institutions."""

from __future__ import annotations

import re

from bot.content.bundle import Content
from bot.content.models import ResourcesNode
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from bot.testing.screens import every_screen


def institution_pattern(names: list[str]) -> re.Pattern[str]:
    """Return a pattern finding any of the names as a whole word."""
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)")


def test_every_country_declares_its_institutions(shipped_content: Content) -> None:
    """Each covered country lists the names that mark its institutions, so the check bites."""
    for country in shipped_content.places:
        assert country.institutions, country.code


def test_screens_shown_for_a_country_name_no_other_countrys_institution(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """Report-side screens and channel screens, rendered in English for each country and
    region, name none of the institutions another country declares."""
    renderer = Renderer(catalogs.translator("en"), "en")
    report_side = {t.id for t in shipped_content.trees.values() if t.report_side}
    with_cards = {
        (t.id, n)
        for t in shipped_content.trees.values()
        for n, node in t.nodes.items()
        if isinstance(node, ResourcesNode)
    }
    checked = 0
    for country in shipped_content.places:
        others = [n for o in shipped_content.places if o != country for n in o.institutions]
        pattern = institution_pattern(others)
        places = [country.code, *(r.code for r in country.regions)]
        for label, screen in every_screen(shipped_content, places):
            pos = screen.position
            if pos is None or (
                pos.tree not in report_side and (pos.tree, pos.node) not in with_cards
            ):
                continue
            text = renderer.screen(screen).text
            assert pattern.findall(text) == [], (label, text)
            checked += 1
    assert checked > 40


def test_the_check_finds_a_foreign_institution() -> None:
    """The pattern finds whole names only: "ICE" but not "police"."""
    pattern = institution_pattern(["ICE", "U.S.", "Department of Labor"])
    found = pattern.findall("Call the police. The U.S. Department of Labor and ICE. NOTICE")
    assert found == ["U.S.", "Department of Labor", "ICE"]
