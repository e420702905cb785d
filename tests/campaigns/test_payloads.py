"""Deep links `entry[-campaign[-locale]]`: where they open, the campaign and the language."""

from __future__ import annotations

import pytest

from bot.content.bundle import Content
from bot.core.effects import SetLocale, Show
from bot.core.engine import step
from bot.core.events import Start
from bot.core.links import DeepLink, read_payload
from bot.core.state import ConversationState, Position
from bot.i18n.catalogs import Catalogs
from bot.service.messages import Reply
from bot.testing.simulator import FIXED_NOW, CoreChat

REPORT = Position("report", "start")
LEARN = Position("learn", "menu")
HOME = Position("main", "home")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (None, DeepLink(HOME)),
        ("report", DeepLink(REPORT)),
        ("learn", DeepLink(LEARN)),
        ("report-phx2026", DeepLink(REPORT, "phx2026")),  # the form before issue 7
        ("report-phxlib-es", DeepLink(REPORT, "phxlib", "es")),
        ("learn-cityhall", DeepLink(LEARN, "cityhall")),
        ("labor-fair2026-zh_Hans", DeepLink(Position("labor", "intro"), "fair2026", "zh_Hans")),
        ("LABOR-Fair2026-ZH_HANS", DeepLink(Position("labor", "intro"), "fair2026", "zh_Hans")),
        ("report-fair-ar", DeepLink(REPORT, "fair", "ar")),
        ("report-es", DeepLink(REPORT, "es")),  # one part after the entry is the campaign
        ("report-fair-xx", DeepLink(REPORT)),  # not a language: "fair-xx" is no campaign name
        ("report-fair-es-more", DeepLink(REPORT)),
        ("report-", DeepLink(REPORT)),
        ("report--es", DeepLink(REPORT, None, "es")),  # a language with no campaign
        ("report-" + "a" * 24, DeepLink(REPORT, "a" * 24)),
        ("report-" + "a" * 25, DeepLink(REPORT)),
        ("nope-fair-es", DeepLink(HOME, "fair", "es")),
        ("a" * 65, DeepLink(HOME)),
        ("bad payload", DeepLink(HOME)),
        ("report-fa$r", DeepLink(HOME)),
    ],
)
def test_read_payload(shipped_content: Content, payload: str | None, expected: DeepLink) -> None:
    """Each payload form opens its entry with its campaign and language, or falls back."""
    assert read_payload(shipped_content, payload) == expected


def test_a_language_in_the_link_is_set_before_the_first_screen(shipped_content: Content) -> None:
    """`/start report-fair-es` sets Spanish first, then shows the report side, and keeps "fair"."""
    result = step(shipped_content, ConversationState(), Start("report-fair-es"), FIXED_NOW)
    assert result.effects[0] == SetLocale("es")
    assert isinstance(result.effects[1], Show)
    assert result.state.at == REPORT and result.state.campaign == "fair"
    plain = step(shipped_content, ConversationState(), Start("report-fair"), FIXED_NOW)
    assert not any(isinstance(e, SetLocale) for e in plain.effects)


def test_the_first_screen_comes_in_the_links_language(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """An English user who scans a Spanish poster gets the report side in Spanish."""
    chat = CoreChat(shipped_content, catalogs, locale="en")
    [screen] = chat.send("/start report-fair-es")
    assert isinstance(screen, Reply)
    assert "Beacon no es una línea de ayuda" in screen.text
