"""Three workers (`python -m bot run --workers 3`) behind the fake Bot API server's webhook, on
one PostgreSQL database, with 10% of sends answered 429 and 5% 500: every update is answered
exactly once and each user's replies come in order; also with one worker killed (SIGKILL) mid-
burst and restarted by the launcher, and with the database connections cut for 3 s mid-burst
(through a TCP proxy, not the shared server): then no reply is lost or out of order, and a reply
is repeated only where docs/reliability.md allows it (the one a killed worker had sent but not
yet marked, at most once per chat). The fault falls once 30% of the replies arrived. Also: the
three worker processes share one send limiter in Redis, so against the fake enforcing
Telegram's limits they get no 429 and together still reach the configured rate.

At the full scale (the default, `make test`) each burst is the issue's 10,000 updates from 500
users; at the reduced scale (BEACON_TEST_SCALE=reduced, CI's libfaketime passes) the calm burst
is 1,200 from 200 users and the fault bursts 600 from 100 (docs/testing.md, "Test sizes")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.many_workers import (
    Mishap,
    burst_across_workers,
    missing_replies,
    subsequence_gaps,
)
from bot.testing.redis import REDIS_URL
from bot.testing.scale import scaled

SIZES = {
    "none": scaled((10_000, 500), (1200, 200)),
    "kill": scaled((10_000, 500), (600, 100)),
    "cut": scaled((10_000, 500), (600, 100)),
}
"""Updates and users of each burst here, by the scale of the run."""
SHARED_RATE = 20.0
"""Sends a second the workers share in the limiter test (and the fake enforces)."""
SHARED_BURST = (600, 120)
"""Updates and users of the limiter test, at every scale (it takes about 30 s at 20 a second)."""


@pytest.fixture
def server(postgres_server: str) -> str:
    """Return the PostgreSQL server's URL; in CI a missing one fails, never skips."""
    return postgres_server


@pytest.mark.parametrize(
    "mishap", [Mishap(), Mishap("kill"), Mishap("cut")], ids=["calm", "kill", "cut"]
)
async def test_three_workers_answer_every_update_once_in_order(
    tmp_path: Path, server: str, mishap: Mishap
) -> None:
    """Every user sees all their replies, in order; a killed worker may repeat the reply it
    had sent but not yet marked (at most one per chat), nothing else is repeated."""
    updates, users = SIZES[mishap.kind]
    figures = await burst_across_workers(
        tmp_path, server, REDIS_URL, workers=3, updates=updates, users=users, mishap=mishap
    )
    print(figures)  # the figures, for whoever reads the test output (-s)
    if mishap.kind != "none":
        assert 0 < figures.replied_before < updates, "the mishap did not fall mid-burst"
    assert figures.missing == 0, figures
    assert figures.lost == 0, figures
    assert figures.most_repeated <= (1 if mishap.kind == "kill" else 0), figures


async def test_worker_processes_share_the_limiter_in_redis(tmp_path: Path, server: str) -> None:
    """Three worker processes at TELEGRAM_RATE=20 with the limiter in Redis, against the fake
    enforcing 20 a second: every reply comes once and in order, no send is refused with a 429,
    and together they send at least 0.9 of 20 a second (one shared budget, not three)."""
    updates, users = SHARED_BURST
    figures = await burst_across_workers(
        tmp_path, server, REDIS_URL, workers=3, updates=updates, users=users,
        faults=False, rate=SHARED_RATE,
    )  # fmt: skip
    print(figures, figures.share)  # the figures, for whoever reads the test output (-s)
    assert figures.missing == 0 and figures.lost == 0 and figures.repeated == 0, figures
    assert figures.refused == 0, figures
    assert figures.share >= 0.9, figures


def test_gaps_separate_lost_from_repeated_replies() -> None:
    """The counting: a missing reply is lost, an extra copy anywhere is a repeat, a reply out
    of order is lost from the order but not missing."""
    expected = ["h", "m", "h", "m"]
    assert subsequence_gaps(expected, expected) == (0, 0)
    assert subsequence_gaps(expected, ["h", "m", "m", "h", "m"]) == (0, 1)
    assert subsequence_gaps(expected, ["h", "m", "h"]) == (1, 0)
    assert subsequence_gaps(expected, ["m", "h", "m"]) == (1, 0)
    assert subsequence_gaps(expected, ["h", "h", "m", "m"]) == (1, 1)
    assert missing_replies(expected, ["h", "h", "m", "m"]) == 0
    assert missing_replies(expected, ["m", "h", "m"]) == 1
