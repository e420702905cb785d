"""The campaigns table and its counts, read and written off the hot path (CLI, tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.campaign_counts import METRICS
from bot.storage.tables import Campaign, CampaignCount, table
from bot.storage.timestamps import as_utc

CAMPAIGNS = table(Campaign)
COUNTS = table(CampaignCount)


class CampaignConflict(Exception):
    """A campaign of that name exists with another entry or language."""


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """A campaign as registered: its name, the tree its link opens, and its language."""

    name: str
    entry: str
    locale: str | None = None

    @property
    def payload(self) -> str:
        """Return the `/start` payload of its deep link: `entry-name[-locale]`."""
        return "-".join(part for part in (self.entry, self.name, self.locale) if part)


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered campaign with the time it was created."""

    spec: CampaignSpec
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CampaignStats:
    """A campaign's counts: totals per metric, and per metric for every day of its life."""

    campaign: Registered
    totals: dict[str, int]
    days: dict[dt.date, dict[str, int]]
    """Every day from its creation (or its first count) to today, a day without counts as 0:
    the whole breakdown of each total, whatever window is shown."""


async def find(engine: AsyncEngine, name: str) -> Registered | None:
    """Return the campaign of that name, if registered."""
    async with engine.connect() as connection:
        row = (await connection.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.name == name))).first()
    if row is None:
        return None
    return Registered(CampaignSpec(row.name, row.entry, row.locale), as_utc(row.created_at))


@dataclass(frozen=True, slots=True)
class RegisteredLinks:
    """The registered campaigns as the web's links see them (the CampaignLinks port)."""

    engine: AsyncEngine

    async def payload(self, name: str) -> str | None:
        """Return the deep-link payload of the campaign of that name, or None."""
        found = await find(self.engine, name)
        return found.spec.payload if found is not None else None


async def register(engine: AsyncEngine, spec: CampaignSpec, now: dt.datetime) -> bool:
    """Register a campaign; return False when the very same one was already there. Raise
    CampaignConflict when the name is taken by a campaign with another entry or language."""
    found = await find(engine, spec.name)
    if found is not None:
        if found.spec != spec:
            raise CampaignConflict(
                f"campaign {spec.name!r} already opens {found.spec.entry!r}"
                f" in {found.spec.locale or 'the default language'}; choose another name"
            )
        return False
    async with engine.begin() as connection:
        created = now.astimezone(dt.UTC)
        values = {"name": spec.name, "entry": spec.entry, "locale": spec.locale}
        await connection.execute(insert(CAMPAIGNS).values(**values, created_at=created))
    return True


async def campaigns(engine: AsyncEngine) -> list[Registered]:
    """Return every registered campaign, by name."""
    async with engine.connect() as connection:
        rows = await connection.execute(select(CAMPAIGNS).order_by(CAMPAIGNS.c.name))
        return [
            Registered(CampaignSpec(r.name, r.entry, r.locale), as_utc(r.created_at)) for r in rows
        ]


async def stats(engine: AsyncEngine, campaign: Registered, today: dt.date) -> CampaignStats:
    """Return a campaign's totals per metric, and its counts per day and metric for every day
    from its creation to `today` (and any day with counts outside that)."""
    totals = dict.fromkeys(METRICS, 0)
    counted: dict[dt.date, dict[str, int]] = {}
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(COUNTS.c.day, COUNTS.c.metric, COUNTS.c.count).where(
                COUNTS.c.campaign == campaign.spec.name
            )
        )
        for day, metric, count in rows:
            if metric in totals:
                on = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
                counted.setdefault(on, dict.fromkeys(METRICS, 0))[metric] += int(count)
                totals[metric] += int(count)
    first = min([campaign.created_at.date(), today, *counted])
    every = (first + dt.timedelta(days=n) for n in range((max([today, *counted]) - first).days + 1))
    days = {day: counted.get(day, dict.fromkeys(METRICS, 0)) for day in every}
    return CampaignStats(campaign, totals, days)
