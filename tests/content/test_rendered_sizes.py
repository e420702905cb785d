"""Every screen of the shipped content fits one Telegram message, in every place it serves."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.service.render import Renderer
from bot.testing.screens import every_screen
from bot.testing.simulator import SourceText

TELEGRAM_TEXT_LIMIT = 4096


def test_every_screen_fits_a_message(content: Content) -> None:
    """Rendered in English for each place, no screen is longer than Telegram allows."""
    renderer = Renderer(SourceText(), "en")
    sizes = {
        label: len(renderer.screen(screen).text)
        for label, screen in every_screen(content, ["US-AZ", "US"])
    }
    too_long = {k: v for k, v in sizes.items() if v > TELEGRAM_TEXT_LIMIT}
    assert too_long == {}
    assert max(sizes.values()) > 1000  # the check saw the long resource screens
