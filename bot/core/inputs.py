"""Turn what a user typed into an engine event, without letting the text itself through."""

from __future__ import annotations

import re

from bot.core.commands import COMMANDS
from bot.core.events import Event, FreeText, TextKind

CASE_DETAILS_LENGTH = 80
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


def classify_text(text: str) -> TextKind:
    """Say whether text looks like case details: long, many digits, an address or a contact."""
    if (
        len(text) >= CASE_DETAILS_LENGTH
        or len(_DIGITS.findall(text)) >= 5
        or _ADDRESS.search(text)
        or _CONTACT.search(text)
    ):
        return TextKind.CASE_DETAILS
    return TextKind.SHORT


def parse_text(text: str, bot_username: str | None = None) -> Event:
    """Return the command a text names (addressed to this bot), or a FreeText of its kind."""
    match = _COMMAND.match(text.strip())
    if match is not None:
        addressed = match["bot"] is None or (
            bot_username is not None and match["bot"].lower() == bot_username.lower()
        )
        name = match["name"].lower()
        if not addressed:
            return FreeText(TextKind.SHORT)
        command = COMMANDS.get(name)
        if command is not None:
            return command.event((match["arg"] or "").strip())
    return FreeText(classify_text(text), text)
