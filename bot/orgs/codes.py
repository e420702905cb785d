"""Join codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L)."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_join_code() -> str:
    """Return a fresh random join code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def read_join_code(payload: str | None) -> str | None:
    """Return the join code a deep-link payload holds (any case), or None if it cannot be one."""
    if payload is None or len(payload) != LENGTH:
        return None
    code = payload.upper()
    return code if all(ch in ALPHABET for ch in code) else None


def join_link(bot_username: str, code: str) -> str:
    """Return the t.me deep link that offers to join a department."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
