"""Join codes: new random ones (their shape is in bot.core.links) and their t.me links."""

from __future__ import annotations

import secrets

from bot.core.links import JOIN_ALPHABET, JOIN_LENGTH


def new_join_code() -> str:
    """Return a fresh random join code."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_LENGTH))


def join_link(bot_username: str, code: str) -> str:
    """Return the t.me deep link that offers to join a department."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
