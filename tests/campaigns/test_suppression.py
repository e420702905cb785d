"""Every count under five is shown as "<5", never the number."""

from __future__ import annotations

import pytest

from bot.core.suppression import SUPPRESS_BELOW, WITHHELD, complementary, shown, shown_rows


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "<5"), (1, "<5"), (4, "<5"), (5, "5"), (6, "6"), (999, "999"), (12345, "12,345")],
)
def test_shown(count: int, expected: str) -> None:
    assert shown(count) == expected


def test_threshold_is_five() -> None:
    assert SUPPRESS_BELOW == 5
    assert all(shown(n) == "<5" for n in range(-3, SUPPRESS_BELOW))


def test_a_breakdown_never_lets_a_small_row_be_worked_out() -> None:
    """Rows whose small counts sum under 5 take the smallest other rows with them."""
    assert complementary([8, 1], 9) == {0}
    assert complementary([8, 1, 0], 9) == {0}
    assert complementary([8, 6, 1], 15) == {1}
    assert complementary([8, 3, 4], 15) == set()  # 3 + 4 = 7 hidden together
    assert complementary([2, 1], 3) == set()  # the total itself is suppressed
    assert complementary([8, 9], 17) == set()
    assert complementary([12, 0], 12) == set()  # a revealed zero singles out no one
    assert shown_rows([8, 1], 9) == [WITHHELD, "<5"]
