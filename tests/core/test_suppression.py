"""The one rule: consented counts exact, the others in bands of five, and a breakdown withheld
when its bands would pin a row to a single value."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.suppression import (
    SMALL,
    UNKNOWN,
    WITHHELD,
    Span,
    band,
    breakdown,
    exact,
    narrowed,
    pinned,
    span_of,
)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "<5"),
        (1, "<5"),
        (4, "<5"),
        (5, "5–9"),
        (9, "5–9"),
        (10, "10–14"),
        (999, "995–999"),
        (1234, "1,230–1,234"),
        (13617, "13,615–13,619"),
    ],
)
def test_band(count: int, expected: str) -> None:
    """Zero is inside "<5", so "<5" never says someone is there; others read "lo–hi"."""
    assert band(count) == expected


def test_exact_and_spans() -> None:
    """Consented counts are shown as they are; a band's span holds its count and four more."""
    assert [exact(n) for n in (0, 3, 13617)] == ["0", "3", "13,617"]
    assert SMALL == band(0) == "<5"
    assert [span_of(n) for n in (0, 4, 5, 14)] == [Span(0, 4), Span(0, 4), Span(5, 9), Span(10, 14)]
    assert all(span_of(n).lo <= n <= (span_of(n).hi or 0) for n in range(100))


def test_five_rows_of_four_under_twenty_are_pinned() -> None:
    """The design's example: five rows of "<5" and a total of "20–24" can only be 4 each."""
    rows, total = [span_of(4)] * 5, span_of(20)
    worked_out, whole = narrowed(rows, total)
    assert worked_out == [Span(4, 4)] * 5 and whole == Span(20, 20)
    assert pinned(rows, total)
    assert breakdown([4] * 5, 20) == [WITHHELD] * 5
    assert breakdown([4, 4, 4, 4, 3], 19) == ["<5"] * 5  # 15-19 leaves every row 0-4 open


@pytest.mark.parametrize(
    ("rows", "total", "is_pinned"),
    [
        ([9, 1], 10, False),  # 5-9 and <5 under 10-14: the small row is 1-4
        ([8, 1], 9, False),
        ([3, 3], 6, False),
        ([4, 4], 8, False),  # 5-9 allows 1-4 for each
        ([9, 0], 9, False),
        ([4, 5], 9, False),
        ([14, 4, 4], 22, False),
        ([12, 0], 12, False),
    ],
)
def test_breakdowns_that_stay_open(rows: list[int], total: int, is_pinned: bool) -> None:
    """Everyday breakdowns leave every row more than one value, so they are shown as bands."""
    assert pinned([span_of(r) for r in rows], span_of(total)) is is_pinned
    assert breakdown(rows, total) == [band(r) for r in rows]


def test_a_row_not_shown_is_only_known_to_be_at_least_zero() -> None:
    """An unshown row has no upper end, so it takes any pin off the other rows."""
    assert not pinned([span_of(4)] * 4 + [UNKNOWN], span_of(20))
    worked_out, whole = narrowed([Span(3), Span(0, 4)], Span(5, 9))
    assert worked_out == [Span(3, 9), Span(0, 4)] and whole == Span(5, 9)
    assert Span(2, 2).single and Span(3, 2).single and not Span(2).single


def values(rows: Sequence[Span], total: Span) -> list[set[int]]:
    """Every value each row can take when rows in those spans add up to a total in its span,
    found by trying them all."""
    possible: list[set[int]] = [set() for _ in rows]
    ranges = [range(r.lo, (r.hi or 0) + 1) for r in rows]
    for choice in product(*ranges):
        if total.lo <= sum(choice) <= (total.hi or 0):
            for seen, value in zip(possible, choice, strict=True):
                seen.add(value)
    return possible


@given(st.lists(st.integers(0, 16), min_size=1, max_size=5))
def test_a_shown_breakdown_pins_no_row(rows: list[int]) -> None:
    """Whenever a breakdown is shown, every row could be at least two values, counted by brute
    force over the bands; and a breakdown is withheld only when some row is pinned."""
    total = sum(rows)
    shown = breakdown(rows, total)
    possible = values([span_of(r) for r in rows], span_of(total))
    if WITHHELD in shown:
        assert shown == [WITHHELD] * len(rows)
        assert any(len(seen) == 1 for seen in possible)
    else:
        assert shown == [band(r) for r in rows]
        assert all(len(seen) >= 2 for seen in possible), (rows, possible)
