"""Opt-in reminders (days and an hour in the learner's time zone, never in quiet hours) and the
learning streak with its one-day freeze. Times are passed in; nothing here reads a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.content.models import Country

QUIET_FROM = 21
"""Quiet hours start at 21:00 local time..."""
QUIET_UNTIL = 8
"""...and end at 08:00: no reminder is ever sent in between."""
HOURS = tuple(range(QUIET_UNTIL, QUIET_FROM))
"""The hours a learner can pick: 08:00 to 20:00."""
FALLBACK_ZONE = "UTC"
"""Offered last, and the default when the directory names no zone for the default place."""
FREEZE_EVERY = 7
"""A used freeze comes back after this many days in a row."""


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """When to remind: weekdays (0 = Monday), an hour and a time zone; `on` once opted in."""

    days: frozenset[int] = frozenset({0, 2, 4})
    hour: int = 12
    zone: str = ""
    """An IANA time zone; empty until chosen, which means the deployment's default."""
    on: bool = False

    def to_list(self) -> list[Any]:
        """Serialise for the state JSON."""
        return [sorted(self.days), self.hour, self.zone, self.on]

    @classmethod
    def from_list(cls, data: list[Any]) -> ReminderPlan:
        """Read what `to_list` wrote."""
        days, hour, zone, on = data
        return cls(frozenset(int(d) for d in days), int(hour), str(zone), bool(on))

    def toggled(self, day: int) -> ReminderPlan:
        """Return the plan with a weekday added or removed."""
        return replace(self, days=self.days ^ {day})

    def shifted(self, hours: int) -> ReminderPlan:
        """Return the plan an hour earlier or later, kept out of quiet hours."""
        hour = min(max(self.hour + hours, HOURS[0]), HOURS[-1])
        return replace(self, hour=hour)

    def next_zone(self, step: int, zones: Sequence[str]) -> ReminderPlan:
        """Return the plan with the next (or previous) of the offered time zones."""
        index = zones.index(self.zone) if self.zone in zones else 0
        return replace(self, zone=zones[(index + step) % len(zones)])

    def zoned(self, zones: Sequence[str]) -> ReminderPlan:
        """Return the plan with a time zone: its own, else the first offered."""
        return self if self.zone else replace(self, zone=zones[0])


def offered_zones(places: Sequence[Country], default_place: str) -> tuple[str, ...]:
    """Return the time zones reminders offer: the default place's (its region's, then its
    country's) first, then each other covered country's, then UTC; each once."""
    country_code = default_place.partition("-")[0]
    home = [c for c in places if c.code == country_code]
    ordered = [z for c in home for r in c.regions if r.code == default_place for z in r.time_zones]
    ordered += [z for c in home for z in c.time_zones]
    ordered += [z for c in places if c.code != country_code for z in c.time_zones]
    ordered.append(FALLBACK_ZONE)
    return tuple(dict.fromkeys(ordered))


def learner_zone(plan: ReminderPlan, places: Sequence[Country], default_place: str) -> str:
    """Return the learner's time zone: the plan's, else the default place's."""
    return plan.zone or offered_zones(places, default_place)[0]


def in_quiet_hours(moment: dt.datetime, zone: str) -> bool:
    """Say whether a moment falls in quiet hours in a time zone."""
    hour = moment.astimezone(ZoneInfo(zone)).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def next_reminder(plan: ReminderPlan, after: dt.datetime) -> dt.datetime | None:
    """Return the first planned moment strictly after `after` (UTC), or None without days.

    The hour is wall-clock time in the plan's zone, so it stays at 12:00 across a change to or
    from daylight saving time (the planned hours, 08:00-20:00, are never skipped or doubled).
    """
    if not plan.days:
        return None
    zone = ZoneInfo(plan.zone)
    local = after.astimezone(zone)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.weekday() not in plan.days:
            continue
        moment = dt.datetime.combine(day, dt.time(plan.hour), tzinfo=zone).astimezone(dt.UTC)
        if moment > after:
            return moment
    return None


@dataclass(frozen=True, slots=True)
class Streak:
    """Days in a row with some learning; one missed day is bridged by the freeze, if kept."""

    days: int = 0
    last: dt.date | None = None
    freeze: bool = True

    def to_list(self) -> list[Any]:
        """Serialise for the state JSON."""
        return [self.days, self.last.isoformat() if self.last else None, self.freeze]

    @classmethod
    def from_list(cls, data: list[Any]) -> Streak:
        """Read what `to_list` wrote."""
        days, last, freeze = data
        return cls(int(days), dt.date.fromisoformat(last) if last else None, bool(freeze))

    def active(self, today: dt.date) -> Streak:
        """Return the streak after learning on `today`."""
        if self.last is None:
            return Streak(1, today, self.freeze)
        gap = (today - self.last).days
        if gap <= 0:
            return self
        if gap == 1 or (gap == 2 and self.freeze):
            days = self.days + 1
            freeze = (self.freeze and gap == 1) or days % FREEZE_EVERY == 0
            return Streak(days, today, freeze)
        return Streak(1, today, self.freeze)

    def as_of(self, today: dt.date) -> Streak:
        """Return the streak as it stands on `today`: lapsed to 0 after a gap not bridged."""
        if self.last is None or self.days == 0:
            return self
        gap = (today - self.last).days
        return self if gap <= 1 or (gap == 2 and self.freeze) else Streak(0, self.last, True)


def local_date(moment: dt.datetime, zone: str) -> dt.date:
    """Return the date at a moment in a time zone."""
    return moment.astimezone(ZoneInfo(zone)).date()
