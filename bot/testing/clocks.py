"""A clock for tests: it says what the test set, and moves only when the test moves it."""

from __future__ import annotations

import datetime as dt

FIXED_NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
"""Noon UTC on the day the golden transcripts were recorded: the time of every test."""
TODAY = FIXED_NOW.date()
"""The day of FIXED_NOW."""


class ManualClock:
    """A clock the test sets and advances by hand."""

    def __init__(self, now: dt.datetime) -> None:
        """Start at `now`."""
        self.moment = now

    def now(self) -> dt.datetime:
        """Return the current test time."""
        return self.moment

    def advance(self, by: dt.timedelta) -> None:
        """Move the clock forward."""
        self.moment += by
