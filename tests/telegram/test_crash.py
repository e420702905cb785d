"""SIGKILL in the middle of a burst, then a restart on the same database: no reply is lost, and
a chat sees at most one reply twice (one sent but not yet marked when the process died).

Both runtimes, polling (2,000 one-reply updates) and webhook (600: the fake server pushes one
at a time, as slowly as a real webhook is fed). `bench/faults.py` prints the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.crash import count_gaps, crash_and_restart
from bot.testing.telegram import RUNTIMES

SIZES = {"polling": (2000, 200), "webhook": (600, 60)}


@pytest.mark.parametrize("mode", sorted(SIZES))
@pytest.mark.parametrize("kind", RUNTIMES)
async def test_sigkill_mid_burst_loses_no_reply(tmp_path: Path, kind: str, mode: str) -> None:
    """Killed once a third of the replies went out, restarted: every update answered."""
    updates, users = SIZES[mode]
    figures = await crash_and_restart(tmp_path, kind, mode, updates, users)
    print(figures)  # the figures, for whoever reads the test output (-s)
    assert 0 < figures.replied_before_kill < updates, "the kill did not fall mid-burst"
    assert figures.lost == 0, figures
    assert figures.most_repeated_in_a_chat <= 1, figures
    log = (tmp_path / "bot-2.log").read_text()
    assert f"telegram_started mode={mode}" in log, "the start-up line must name the real mode"


def test_gaps_count_lost_and_repeated_replies() -> None:
    """The counting the crash test relies on: a missing reply is lost, an echo is a repeat."""
    expected = ["h", "m", "h", "m"]
    assert count_gaps(expected, expected) == (0, 0)
    assert count_gaps(expected, ["h", "m", "m", "h", "m"]) == (0, 1)
    assert count_gaps(expected, ["h", "m", "h"]) == (1, 0)
    assert count_gaps(expected, ["h", "h", "m"]) == (2, 1)
    assert count_gaps(expected, []) == (4, 0)
