"""A clock for tests: it says what the test set, and moves only when the test moves it."""

from __future__ import annotations

import datetime as dt
import os
import select
import time
from typing import SupportsIndex

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


def relative_sleep(seconds: float | SupportsIndex) -> None:
    """Sleep for `seconds` with a relative time-out, as time.sleep does."""
    select.select([], [], [], float(seconds))


def sleep_safely_under_faketime() -> None:
    """Under libfaketime with the monotonic clock left real (CI's shifted runs, docs/testing.md),
    make time.sleep wait with a relative time-out: libfaketime before 0.9.11 moves the absolute
    monotonic deadline Python 3.11's time.sleep passes to clock_nanosleep, which then fails
    with EINVAL (subprocess waits with a time-out sleep this way)."""
    preloaded = "libfaketime" in os.environ.get("LD_PRELOAD", "")
    if preloaded and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
        time.sleep = relative_sleep
