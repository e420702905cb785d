"""One person's starts count once per campaign and day: a keyed, short-lived marker that holds
neither the person nor the campaign, kept apart from the count (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from bot.campaigns import registry
from bot.campaigns.registry import CampaignSpec
from bot.content.bundle import Content
from bot.core.campaign_counts import START
from bot.core.events import Start
from bot.service.user_keys import UserKeyer
from bot.storage.retention import RetentionJob
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.database import campaign_counts as counts
from bot.testing.service import SECRET, service_on
from bot.testing.simulator import FIXED_NOW
from bot.testing.user import ServiceUser

DAY = dt.timedelta(days=1)


async def test_two_hundred_starts_by_one_person_count_once_a_day(
    database: Database, content: Content
) -> None:
    """200 `/start report-fair` from one person count 1; the next day 1 more; another person 1."""
    await registry.register(database.engine, CampaignSpec("fair", "report"), FIXED_NOW)
    service = service_on(database.store, content)
    clock = ManualClock(FIXED_NOW)
    service.clock = clock
    visitor = ServiceUser(service, "111")
    for _ in range(200):
        await visitor.event(Start("report-fair"))
    assert await counts(database) == {("fair", START, FIXED_NOW.date()): 1}
    neighbour = ServiceUser(service, "222")
    neighbour.update_id = 10_000
    await neighbour.event(Start("report-fair"))
    clock.advance(DAY)
    await visitor.event(Start("report-fair"))
    assert await counts(database) == {
        ("fair", START, FIXED_NOW.date()): 2,
        ("fair", START, FIXED_NOW.date() + DAY): 1,
    }
    markers = await database.rows("campaign_starts")
    assert len(markers) == 3
    user_keys = {UserKeyer(SECRET).key("telegram", raw) for raw in ("111", "222")}
    for marker, _day in markers:
        assert len(marker) == 64 and marker not in user_keys and "fair" not in marker
    await RetentionJob(database.engine, clock, days=180).run_once()
    assert [day for _, day in await database.rows("campaign_starts")] in (
        [FIXED_NOW.date() + DAY],
        [(FIXED_NOW.date() + DAY).isoformat()],
    )
