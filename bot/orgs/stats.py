"""Completion figures of an organization, per department and in total, from membership rows.

Pure: the rows and `now` come in, figures come out. Counts under 5 are only ever shown as "<5"
(`bot.core.suppression.shown`), and a percentage is shown only when the count it is computed
from is shown, so no figure gives away a suppressed count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.suppression import SUPPRESS_BELOW, WITHHELD, complementary, shown


@dataclass(frozen=True, slots=True)
class Organization:
    """An employer as configured: its size, its target and which course counts."""

    id: int
    name: str
    headcount: int
    target_percent: int = 90
    course: str = "learn:menu"
    refresher_days: int = 365
    onboarding_days: int = 30
    asks_employee_id: bool = False


@dataclass(frozen=True, slots=True)
class Department:
    """A department of an organization and the code its people join with."""

    id: int
    name: str
    join_code: str


@dataclass(frozen=True, slots=True)
class Member:
    """One membership as the employer may see it: never answers, scores or anything else."""

    department_id: int
    joined_at: dt.datetime
    completed_at: dt.datetime | None = None
    employee_id: str | None = None
    certificate_code: str | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """The raw counts of a group of members (never shown as they are: see `Figures`)."""

    enrolled: int = 0
    completed: int = 0
    overdue: int = 0
    """Completed longer than `refresher_days` ago: a refresher is overdue."""
    late: int = 0
    """Joined longer than `onboarding_days` ago and not completed."""


METRICS = ("enrolled", "completed", "overdue", "late")


@dataclass(frozen=True, slots=True)
class Figures:
    """A group's figures as they may be shown: suppressed counts and guarded percentages."""

    name: str
    counts: Counts
    base: int
    """What the completion percentage is taken of: the headcount (total) or those enrolled."""
    target_percent: int
    withheld: frozenset[str] = frozenset()
    """Counts (by field name) withheld although not small, so a small one elsewhere cannot be
    worked out by subtracting from the total."""

    def show(self, metric: str) -> str:
        """Return one count as it may be shown: "<5", "–" (withheld) or the number."""
        return WITHHELD if metric in self.withheld else shown(getattr(self.counts, metric))

    @property
    def visible(self) -> bool:
        """Say whether the percentage may be shown: its completed count is, and its base (a
        department's enrolled count) is not withheld."""
        shown_counts = not {"completed", "enrolled"} & self.withheld
        return self.counts.completed >= SUPPRESS_BELOW and shown_counts

    @property
    def tenths(self) -> int | None:
        """Return the completion percentage in tenths, rounded down (90.66% is 906), or None
        when the completed count is suppressed or there is no base."""
        if not self.visible or self.base <= 0:
            return None
        return self.counts.completed * 1000 // self.base

    @property
    def percent(self) -> str | None:
        """Return the completion percentage as text ("90.6%"), or None when it is withheld."""
        tenths = self.tenths
        return None if tenths is None else f"{tenths // 10}.{tenths % 10}%"

    @property
    def on_track(self) -> bool | None:
        """Say whether completion reaches the target (exact integer maths), or None when the
        percentage is withheld."""
        if self.tenths is None:
            return None
        return self.counts.completed * 100 >= self.target_percent * self.base


@dataclass(frozen=True, slots=True)
class Stats:
    """An organization's figures: the total against its headcount, then each department."""

    organization: Organization
    total: Figures
    departments: tuple[Figures, ...]


def count(org: Organization, members: Iterable[Member], now: dt.datetime) -> Counts:
    """Return the counts of a group of members at `now`."""
    refresher = dt.timedelta(days=org.refresher_days)
    onboarding = dt.timedelta(days=org.onboarding_days)
    enrolled = completed = overdue = late = 0
    for member in members:
        enrolled += 1
        if member.completed_at is not None:
            completed += 1
            overdue += now - member.completed_at > refresher
        elif now - member.joined_at > onboarding:
            late += 1
    return Counts(enrolled, completed, overdue, late)


def stats(
    org: Organization,
    departments: Sequence[Department],
    members: Sequence[Member],
    now: dt.datetime,
) -> Stats:
    """Return the figures: the total's percentage is of the headcount, each department's of
    those enrolled in it (Beacon knows no department headcount)."""
    total = Figures(org.name, count(org, members, now), org.headcount, org.target_percent)
    counts = [count(org, [m for m in members if m.department_id == d.id], now) for d in departments]
    withheld: list[set[str]] = [set() for _ in departments]
    for metric in METRICS:
        values = [getattr(c, metric) for c in counts]
        for index in complementary(values, getattr(total.counts, metric)):
            withheld[index].add(metric)
    rows = tuple(
        Figures(d.name, c, c.enrolled, org.target_percent, frozenset(w))
        for d, c, w in zip(departments, counts, withheld, strict=True)
    )
    return Stats(org, total, rows)
