"""Every screen of the shipped content fits Telegram, in every place it serves and every
shipped language: one message in English; elsewhere at most two, split between whole cards."""

from __future__ import annotations

import pytest

from bot.content.bundle import Content
from bot.content.models import ResourcesNode
from bot.core.codec import Callback, Op, decode
from bot.i18n.catalogs import Catalogs
from bot.service.messages import OutButton
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT
from bot.testing.screens import every_place, every_screen
from bot.transports.telegram.delivery import MESSAGE_LIMIT, split_message, utf16_length

LABEL_LIMIT = 64
"""Content labels are at most 60 characters; right-to-left marks may add a few."""
NAME_LABEL_LIMIT = 140
"""A button that opens a channel carries the channel's name (at most 120 characters, some
translated names are long); Telegram shows its start, which names the channel."""


def too_long(button: OutButton) -> bool:
    """Say whether a button's label is longer than a phone shows well."""
    decoded = decode(button.data) if button.kind == "callback" else None
    opens_channel = isinstance(decoded, Callback) and decoded.op is Op.CHANNEL
    return len(button.label) > (NAME_LABEL_LIMIT if opens_channel else LABEL_LIMIT)


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
            f"{label}: label {b.label!r}" for row in reply.buttons for b in row if too_long(b)
        ]
    assert problems == []
    assert max(pieces.values()) <= (1 if locale == "en" else 2), pieces
    assert len(pieces) > 50  # the check saw every screen


@pytest.mark.parametrize("locale", LOCALES)
def test_every_channel_screen_fits_one_message(
    shipped_content: Content, catalogs: Catalogs, locale: str
) -> None:
    """Every resources screen (the list, and each channel opened in full) fits one Telegram
    message in every place the directory covers and every shipped language."""
    renderer = Renderer(catalogs.translator(locale), locale)
    sizes = {
        label: utf16_length(renderer.screen(screen).text)
        for label, screen in every_screen(shipped_content, every_place(shipped_content))
        if screen.position is not None
        and isinstance(
            shipped_content.node(screen.position.tree, screen.position.node), ResourcesNode
        )
    }
    too_long = {label: size for label, size in sizes.items() if size > MESSAGE_LIMIT}
    assert too_long == {}
    assert len(sizes) > 80  # every place, situation and opened channel was measured
