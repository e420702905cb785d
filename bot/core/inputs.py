"""Turn what a user typed into an engine event, without letting the text itself through."""

from __future__ import annotations

import re
import unicodedata

from bot.core.commands import COMMANDS, GROUP_ONLY
from bot.core.events import Event, FreeText, TextKind

CASE_DETAILS_LENGTH = 80
TYPO_WORD_LENGTH = 12
"""The longest single word (of a script written with spaces) that counts as a slip."""
TYPO_IDEOGRAPHS = 2
"""The most ideographs (a script written without spaces) that count as a slip."""
TYPO_DIGITS = 4
"""The most digits, with no letters, that count as a slip (a bare number)."""
_COMMAND = re.compile(
    r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?(?:\s+(?P<arg>.*))?$",
    re.DOTALL,
)
_DIGITS = re.compile(r"\d")
_ADDRESS = re.compile(
    r"\b\d{1,6}\s+\w+.*\b(st|street|ave|avenue|rd|road|blvd|dr|drive|ln|lane|way|calle)\b",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"@\w|https?://|www\.", re.IGNORECASE)


def is_ideograph(char: str) -> bool:
    """Say whether a character belongs to a script written without spaces between words."""
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "HIRAGANA", "KATAKANA"))


def is_typo(text: str) -> bool:
    """Say whether text is a slip rather than words: no letters and at most a short number
    (`99`, `0`, an emoji, punctuation), or one short word of letters with no digit in it."""
    digits = len(_DIGITS.findall(text))
    words = [w for w in re.split(r"[^\w]+|_", text) if w and not w.isdigit()]
    if not words:
        return digits <= TYPO_DIGITS
    if digits or len(words) > 1:
        return False
    word = words[0]
    if any(is_ideograph(ch) for ch in word):
        return len(word) <= TYPO_IDEOGRAPHS
    return len(word) <= TYPO_WORD_LENGTH


def classify_text(text: str) -> TextKind:
    """Say what text looks like: case details (long, many digits, an address or a contact),
    a slip (see is_typo) or a few words; conservative, so anything else is a few words."""
    if (
        len(text) >= CASE_DETAILS_LENGTH
        or len(_DIGITS.findall(text)) >= 5
        or _ADDRESS.search(text)
        or _CONTACT.search(text)
    ):
        return TextKind.CASE_DETAILS
    if is_typo(text):
        return TextKind.TYPO
    return TextKind.SHORT


def parse_text(text: str, bot_username: str | None = None) -> Event:
    """Return the command a text names (addressed to this bot), or a FreeText of its kind: an
    unknown command (or one addressed to another bot) or a group-only one carries no text."""
    match = _COMMAND.match(text.strip())
    if match is not None:
        addressed = match["bot"] is None or (
            bot_username is not None and match["bot"].lower() == bot_username.lower()
        )
        name = match["name"].lower()
        command = COMMANDS.get(name)
        if addressed and command is not None:
            return command.event((match["arg"] or "").strip())
        if addressed and name in GROUP_ONLY:
            return FreeText(TextKind.GROUP_COMMAND)
        return FreeText(TextKind.COMMAND)
    return FreeText(classify_text(text), text)
