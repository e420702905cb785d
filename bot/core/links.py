"""Deep links: what a `/start` payload asks for (where to open, the campaign, the language), and
the shape of a join code (a payload that offers to join a department)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.bundle import DEEP_LINK, Content, Position

VERIFY_LINK = "verify-"
"""A deep link `verify-<code>` (the QR code on a certificate) checks that code."""
CAMPAIGN_NAME = re.compile(r"^[a-z0-9_]{1,24}$")
"""A campaign's name, as registered and as carried by a deep link (after lower-casing)."""
JOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""The characters of a join code: no look-alikes (no 0/O, 1/I/L)."""
JOIN_LENGTH = 10


@dataclass(frozen=True, slots=True)
class DeepLink:
    """What a `/start` payload asks for: where to open, the campaign, the language."""

    where: Position
    campaign: str | None = None
    locale: str | None = None


def shipped_language(content: Content, code: str) -> str | None:
    """Return the shipped language code matching `code` in any letter case, or None."""
    wanted = code.casefold()
    return next((lang.code for lang in content.languages if lang.code.casefold() == wanted), None)


def read_payload(content: Content, payload: str | None) -> DeepLink:
    """Read a deep link `entry[-campaign[-locale]]`: where it opens (home if the entry is no
    tree), its campaign (lower-cased; None unless 1-24 of `a-z0-9_`) and its language (when
    the last of three or more parts is a shipped language code)."""
    if payload is None or not DEEP_LINK.match(payload):
        return DeepLink(content.entry("home"))
    entry, *rest = payload.split("-")
    tree = content.trees.get(entry.lower())
    where = Position(tree.id, tree.start) if tree else content.entry("home")
    locale = shipped_language(content, rest[-1]) if len(rest) >= 2 else None
    if locale is not None:
        rest = rest[:-1]
    campaign = "-".join(rest).lower()
    return DeepLink(where, campaign if CAMPAIGN_NAME.match(campaign) else None, locale)


def read_join_code(payload: str | None) -> str | None:
    """Return the join code a deep-link payload holds (any case), or None if it cannot be one."""
    if payload is None or len(payload) != JOIN_LENGTH:
        return None
    code = payload.upper()
    return code if all(ch in JOIN_ALPHABET for ch in code) else None
