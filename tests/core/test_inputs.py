"""Typed text becomes a command or a FreeText of a kind; the text itself never goes further."""

from __future__ import annotations

import pytest

from bot.core.commands import COMMANDS
from bot.core.commands import GROUP_ONLY as GROUP_NAMES
from bot.core.events import Command, FreeText, Start, TextKind
from bot.core.inputs import classify_text, parse_text

SHORT = FreeText(TextKind.SHORT)
TYPO = FreeText(TextKind.TYPO)
DETAILS = FreeText(TextKind.CASE_DETAILS)
UNKNOWN = FreeText(TextKind.COMMAND)
GROUP_ONLY = FreeText(TextKind.GROUP_COMMAND)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Start()),
        ("/start report", Start("report")),
        ("/START learn", Start("learn")),
        ("/start@BeaconBot learn", Start("learn")),
        ("/start@OtherBot learn", UNKNOWN),
        ("/menu", Command("menu")),
        ("/help@beaconbot", Command("help")),
        ("/language", Command("language")),
        ("/exit", Command("exit")),
        ("/unknown", UNKNOWN),
        ("/foo bar baz", UNKNOWN),
        ("/quiz", GROUP_ONLY),
        ("/quiz@BeaconBot myths", GROUP_ONLY),
        ("/stopquiz", GROUP_ONLY),
        ("/quiz@OtherBot", UNKNOWN),
        ("hello", TYPO),
        ("", TYPO),
        ("he took my passport", SHORT),
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


@pytest.mark.parametrize(
    "text",
    [
        "menu please",
        "what is this",
        "ok 1",
        "he took my passport",
        "ABC123",
        "room 12",
        "Ana, 16",
        "他拿走了我的护照",
        "cảm ơn",
        "don't",
        "Massachusetts Avenue",
    ],
)
def test_words_are_short(text: str) -> None:
    """Several words, or digits mixed with letters (a plate, a room, an age), may be case
    details: short, which the report side answers with the warning."""
    assert classify_text(text) is TextKind.SHORT


@pytest.mark.parametrize(
    "text",
    [
        "99",
        "0",
        "1234",
        "👍",
        "🙏🙏",
        "?",
        "...",
        "!!",
        "  ",
        "hi",
        "Hello!",
        "ok 👍",
        "gracias",
        "شكرا",
        "salamat",
        "谢谢",
        "menu",
    ],
)
def test_slips_are_typos(text: str) -> None:
    """A bare number of up to four digits, an emoji, punctuation or one short word is a slip."""
    assert classify_text(text) is TextKind.TYPO


@pytest.mark.parametrize("text", ["Supercalifragilistic", "人口贩卖问题", "12345"])
def test_near_slips_are_not_typos(text: str) -> None:
    """A long single word, three or more ideographs or five digits are not taken for slips."""
    assert classify_text(text) is not TextKind.TYPO


def test_group_only_commands_are_the_group_quiz_commands() -> None:
    """The commands a private chat explains are exactly those a group reads (one list)."""
    assert GROUP_NAMES == ("quiz", "stopquiz")
    assert not set(GROUP_NAMES) & set(COMMANDS)
