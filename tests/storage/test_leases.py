"""Job leases: a free lease is taken; another holder is refused until the lease expires (at the
caller's time, not the database's); the holder renews it; a release frees it at once, and only
the holder's release counts; each job has its own lease. SQLite, and PostgreSQL in CI."""

from __future__ import annotations

import datetime as dt

from bot.storage.lease_table import SqlLeases
from bot.testing.clocks import FIXED_NOW
from bot.testing.database import Database

TTL = dt.timedelta(seconds=90)
SECOND = dt.timedelta(seconds=1)


async def holders(database: Database) -> dict[str, tuple[str, dt.datetime]]:
    """Return each lease's holder and expiry (in UTC)."""
    return {
        name: (holder, expires.replace(tzinfo=dt.UTC) if expires.tzinfo is None else expires)
        for name, holder, expires in await database.rows("job_leases")
    }


async def test_a_lease_is_held_by_one_worker_until_it_expires(database: Database) -> None:
    """`a` takes it; `b` is refused up to the second before expiry and takes it at expiry."""
    leases = SqlLeases(database.engine)
    now = FIXED_NOW
    assert await leases.take("reminders", "a", now, now + TTL)
    assert not await leases.take("reminders", "b", now + TTL - SECOND, now + 2 * TTL)
    assert await holders(database) == {"reminders": ("a", now + TTL)}
    assert await leases.take("reminders", "b", now + TTL, now + 2 * TTL)
    assert await holders(database) == {"reminders": ("b", now + 2 * TTL)}
    assert not await leases.take("reminders", "a", now + TTL, now + 2 * TTL)


async def test_the_holder_renews_its_lease_before_it_expires(database: Database) -> None:
    """Each round the holder pushes the expiry on, so another worker keeps waiting."""
    leases = SqlLeases(database.engine)
    now = FIXED_NOW
    for round_ in range(3):
        moment = now + round_ * TTL / 2
        assert await leases.take("reminders", "a", moment, moment + TTL)
        assert not await leases.take("reminders", "b", moment, moment + TTL)
    assert await holders(database) == {"reminders": ("a", now + TTL * 2)}


async def test_a_release_frees_the_lease_only_from_its_holder(database: Database) -> None:
    """`b` cannot release `a`'s lease; once `a` releases it, `b` takes it with no wait."""
    leases = SqlLeases(database.engine)
    now = FIXED_NOW
    assert await leases.take("retention", "a", now, now + TTL)
    await leases.release("retention", "b")
    assert not await leases.take("retention", "b", now, now + TTL)
    await leases.release("retention", "a")
    assert await holders(database) == {}
    assert await leases.take("retention", "b", now, now + TTL)


async def test_each_job_has_its_own_lease(database: Database) -> None:
    """Holding one job's lease says nothing about another's."""
    leases = SqlLeases(database.engine)
    now = FIXED_NOW
    assert await leases.take("reminders", "a", now, now + TTL)
    assert await leases.take("web_sessions", "b", now, now + TTL)
    assert not await leases.take("web_sessions", "a", now, now + TTL)
    assert await holders(database) == {
        "reminders": ("a", now + TTL),
        "web_sessions": ("b", now + TTL),
    }
