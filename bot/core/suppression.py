"""Small-count suppression: any count under `SUPPRESS_BELOW` is shown as "<5", never the number."""

from __future__ import annotations

SUPPRESS_BELOW = 5
"""Counts below this are never shown as numbers, so no one person's action can be singled out."""


def shown(count: int) -> str:
    """Return a count as it may be shown: "<5" when under `SUPPRESS_BELOW`, else "1,234"."""
    if count < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return f"{count:,}"
