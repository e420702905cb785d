"""Small-count suppression: any count under `SUPPRESS_BELOW` is shown as "<5", never the number,
and a breakdown withholds one more row when subtraction from the total would reveal a small one."""

from __future__ import annotations

from collections.abc import Sequence

SUPPRESS_BELOW = 5
"""Counts below this are never shown as numbers, so no one person's action can be singled out."""


def shown(count: int) -> str:
    """Return a count as it may be shown: "<5" when under `SUPPRESS_BELOW`, else "1,234"."""
    if count < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return f"{count:,}"


WITHHELD = "–"
"""How a count is shown when it is not small itself but would let a small one be worked out."""


def complementary(rows: Sequence[int], total: int) -> frozenset[int]:
    """Return the rows to withhold besides those under 5: while the small rows together hold
    1 to 4 and the total is shown (so subtraction would reveal them), the smallest other rows.
    Small rows that are all zero reveal no one, so they need no company."""
    small = [i for i, value in enumerate(rows) if value < SUPPRESS_BELOW]
    hidden = sum(rows[i] for i in small)
    withheld: set[int] = set()
    if not small or hidden == 0 or total < SUPPRESS_BELOW:
        return frozenset()
    for i in sorted((i for i in range(len(rows)) if i not in small), key=lambda i: rows[i]):
        if hidden >= SUPPRESS_BELOW:
            break
        withheld.add(i)
        hidden += rows[i]
    return frozenset(withheld)


def shown_rows(rows: Sequence[int], total: int) -> list[str]:
    """Return each row of a breakdown of `total` as it may be shown: "<5", "–" or the number."""
    withheld = complementary(rows, total)
    return [WITHHELD if i in withheld else shown(value) for i, value in enumerate(rows)]
