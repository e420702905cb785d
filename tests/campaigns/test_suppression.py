"""Every count under five is shown as "<5", never the number."""

from __future__ import annotations

import pytest

from bot.core.suppression import SUPPRESS_BELOW, shown


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "<5"), (1, "<5"), (4, "<5"), (5, "5"), (6, "6"), (999, "999"), (12345, "12,345")],
)
def test_shown(count: int, expected: str) -> None:
    assert shown(count) == expected


def test_threshold_is_five() -> None:
    assert SUPPRESS_BELOW == 5
    assert all(shown(n) == "<5" for n in range(-3, SUPPRESS_BELOW))
