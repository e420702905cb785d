"""End to end on the fake Bot API server, both runtimes: a poster's link opens the report side
in Spanish for an English-speaking user and counts one start for its campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import App
from bot.campaigns import registry
from bot.campaigns.registry import CampaignSpec
from bot.core.campaign_counts import START
from bot.storage.tables import metadata
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_spanish_poster_link_opens_the_report_side_in_spanish(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """`/start report-fair-es` from an English client: the report side's first screen in
    Spanish, the choice kept, and one start counted for "fair" with no user in the row."""
    await registry.register(app.database, CampaignSpec("fair", "report", "es"), NOW)
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user("en")
        user = TelegramUser(fake, runtime, person)
        seen = await user.act({"send": "/start report-fair-es"})
        assert "Beacon no es una línea de ayuda" in seen[0]["text"]
        assert "Estados Unidos" in str(seen[0])
        again = await user.act({"send": "/menu"})  # the language was kept, not shown just once
        assert "Le damos la bienvenida a Beacon." in again[0]["text"]
    async with app.database.connect() as connection:
        rows = (await connection.execute(select(metadata.tables["campaign_counts"]))).all()
    assert [(r[0], r[1], r[3]) for r in rows] == [("fair", START, 1)]
    assert str(person.id) not in str(rows)
