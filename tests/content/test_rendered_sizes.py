"""Every screen of the shipped content fits Telegram, in every place it serves and every
shipped language: one message in English; elsewhere at most two, split between whole cards."""

from __future__ import annotations

import pytest

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT
from bot.testing.screens import every_screen
from bot.transports.telegram.delivery import MESSAGE_LIMIT, split_message, utf16_length

LABEL_LIMIT = 64
"""Content labels are at most 60 characters; right-to-left marks may add a few."""
LOCALES = Catalogs(PROJECT_ROOT / "locales").codes()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_screen_fits_telegram(
    shipped_content: Content, catalogs: Catalogs, locale: str
) -> None:
    """No paragraph (a hotline card, a question) is ever cut; no screen needs more than two
    messages (English: one); no button label is too long."""
    renderer = Renderer(catalogs.translator(locale), locale)
    pieces: dict[str, int] = {}
    problems: list[str] = []
    for label, screen in every_screen(shipped_content, ["US-AZ", "US"]):
        reply = renderer.screen(screen)
        pieces[label] = len(split_message(reply.text))
        problems += [
            f"{label}: paragraph of {utf16_length(p)}"
            for p in reply.text.split("\n\n")
            if utf16_length(p) > MESSAGE_LIMIT
        ]
        problems += [
            f"{label}: label {b.label!r}"
            for row in reply.buttons
            for b in row
            if len(b.label) > LABEL_LIMIT
        ]
    assert problems == []
    assert max(pieces.values()) <= (1 if locale == "en" else 2), pieces
    assert len(pieces) > 50  # the check saw every screen
