"""Campaign counts through the service, on SQLite (and PostgreSQL when TEST_DATABASE_URL is
set): a start, a finished module, resources shown and an exit, each counted per day with no
user id; an unregistered campaign counts nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.campaigns import registry
from bot.campaigns.registry import CampaignSpec
from bot.content.bundle import Content
from bot.core.campaign_counts import EXIT, METRICS, MODULE_FINISHED, RESOURCE_VIEWED, START
from bot.core.events import Start, Tap
from bot.service.messages import Reply
from bot.testing.database import Database
from bot.testing.database import campaign_counts as counts
from bot.testing.service import service_on
from bot.testing.simulator import FIXED_NOW
from bot.testing.user import ServiceUser

DAY = FIXED_NOW.date()


def replies(out: Sequence[object]) -> list[str]:
    """Return the texts of the replies."""
    return [m.text for m in out if isinstance(m, Reply)]


async def finish_module(user: ServiceUser, questions: int) -> None:
    """Answer every question of the open module with its first option, through to the result."""
    await user.click("Start")
    for _ in range(questions):
        await user.event(Tap(user.keyboard.rows[0][0].data))


async def test_each_metric_is_counted_per_day_with_no_user_id(
    database: Database, content: Content
) -> None:
    """A start, a finished module, resources shown and an exit, for a registered campaign."""
    await registry.register(database.engine, CampaignSpec("fair", "report"), FIXED_NOW)
    service = service_on(database.store, content)
    learner = ServiceUser(service, "111")
    await learner.event(Start("signs-fair"))
    await finish_module(learner, 8)
    assert await counts(database) == {("fair", START, DAY): 1, ("fair", MODULE_FINISHED, DAY): 1}

    reporter = ServiceUser(service, "222")
    reporter.update_id = 10_000  # update ids are per bot, not per user
    await reporter.event(Start("report-fair"))
    await reporter.click("United Kingdom")
    out = await reporter.click("An adult: sex trafficking")
    shown = [line for text in replies(out) for line in text.split("\n") if "08000" in line]
    assert shown, replies(out)
    viewed = (await counts(database))[("fair", RESOURCE_VIEWED, DAY)]
    assert viewed == sum(row[3] for row in await database.rows("resource_view_counts")) >= 1
    await reporter.send("/exit")
    after_exit = await counts(database)
    assert after_exit[("fair", EXIT, DAY)] == 1
    assert after_exit[("fair", START, DAY)] == 2
    await reporter.event(Start("report"))  # the exit cleared the campaign: nothing more counts
    await reporter.click("United Kingdom")
    await reporter.click("An adult: sex trafficking")
    assert await counts(database) == after_exit

    [fair] = await registry.campaigns(database.engine)
    stats = await registry.stats(database.engine, fair, DAY + dt.timedelta(days=2))
    assert set(stats.totals) == set(METRICS)
    assert list(stats.days) == [DAY + dt.timedelta(days=n) for n in range(3)]  # its whole life
    assert stats.days[DAY][START] == 2 and stats.days[DAY + dt.timedelta(days=1)][START] == 0
    assert stats.totals[START] == 2 and stats.totals[RESOURCE_VIEWED] == viewed
    for row in await database.rows("campaign_counts"):  # campaign, metric, day, count only
        assert len(row) == 4 and "111" not in map(str, row) and "222" not in map(str, row)


async def test_a_campaign_nobody_registered_counts_nothing(
    database: Database, content: Content
) -> None:
    """A deep link with a campaign that was never created opens its entry but counts nothing."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    out = await user.event(Start("report-unknown"))
    assert replies(out)
    await user.send("/exit")
    assert await database.rows("campaign_counts") == []


async def test_a_start_in_spanish_is_counted_and_answered_in_spanish(
    database: Database, shipped_content: Content
) -> None:
    """`report-fair-es` counts a start for "fair" and answers in Spanish from the first screen."""
    await registry.register(database.engine, CampaignSpec("fair", "report", "es"), FIXED_NOW)
    service = service_on(database.store, shipped_content)
    user = ServiceUser(service)
    out = await user.event(Start("report-fair-es"))
    assert "Beacon no es una línea de ayuda" in replies(out)[0]
    assert await counts(database) == {("fair", START, DAY): 1}
    [person] = await database.rows("users")
    assert "es" in person
