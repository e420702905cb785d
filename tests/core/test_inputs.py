"""Typed text becomes a command or a FreeText of a kind; the text itself never goes further."""

from __future__ import annotations

import pytest

from bot.core.events import Command, FreeText, Start, TextKind
from bot.core.inputs import classify_text, parse_text

SHORT = FreeText(TextKind.SHORT)
DETAILS = FreeText(TextKind.CASE_DETAILS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Start()),
        ("/start report", Start("report")),
        ("/START learn", Start("learn")),
        ("/start@BeaconBot learn", Start("learn")),
        ("/start@OtherBot learn", SHORT),
        ("/menu", Command("menu")),
        ("/help@beaconbot", Command("help")),
        ("/language", Command("language")),
        ("/exit", Command("exit")),
        ("/unknown", SHORT),
        ("hello", SHORT),
        ("", SHORT),
        ("x" * 5000, DETAILS),
    ],
)
def test_parse_text(text: str, expected: object) -> None:
    """Commands are recognised (addressed to this bot or to none); the rest is FreeText."""
    assert parse_text(text, bot_username="BeaconBot") == expected


@pytest.mark.parametrize(
    "text",
    [
        "There is a girl at 1234 Main St who never leaves",
        "call me at 602 555 0199",
        "his instagram is @someone",
        "see https://example.org/ad",
        "a" * 80,
    ],
)
def test_case_details_are_recognised(text: str) -> None:
    """Addresses, phone numbers, handles, links and long messages look like case details."""
    assert classify_text(text) is TextKind.CASE_DETAILS


@pytest.mark.parametrize("text", ["hi", "menu please", "what is this", "ok 1"])
def test_short_text_is_short(text: str) -> None:
    """Everyday short text is just short."""
    assert classify_text(text) is TextKind.SHORT
