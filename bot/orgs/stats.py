"""Completion figures of an organization, per department and in total, from membership rows.

Pure: the rows and `now` come in, figures come out. What members agreed the employer sees (who
completed and when, hence completed and refreshers overdue) is shown exactly; enrolled and past
onboarding are shown only as bands of five (`bot.core.suppression`), and withheld ("–") where a
reader could still work out one of them exactly from the rest of the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from bot.core.suppression import (
    UNKNOWN,
    WITHHELD,
    Span,
    band,
    exact,
    narrowed,
    span_of,
)


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
    id_pattern: str = ""
    """The employee id format (a regular expression the whole id must match), or ""."""
    id_example: str = ""


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
CONSENTED = ("completed", "overdue")
"""Shown exactly: members agreed the employer sees whether and when they completed."""
BANDED = ("enrolled", "late")
"""Shown only as bands: nobody agreed to show who has not completed."""


@dataclass(frozen=True, slots=True)
class Figures:
    """A group's figures as they may be shown: consented counts exactly, the others as bands
    or, where `withheld`, as "–"."""

    name: str
    counts: Counts
    withheld: frozenset[str] = frozenset()
    """Banded counts (by field name) shown as "–", because a reader could work out one of the
    counts exactly from the bands of the others."""

    def show(self, metric: str) -> str:
        """Return one count as it may be shown: exact when consented, else its band or "–"."""
        value: int = getattr(self.counts, metric)
        if metric in CONSENTED:
            return exact(value)
        return WITHHELD if metric in self.withheld else band(value)

    @property
    def share(self) -> tuple[int, int] | None:
        """Return the lowest and highest completion percentage (of those enrolled) that the
        enrolled band allows, completed / hi to completed / max(lo, completed), rounded
        outwards; None when enrolled is withheld or under 5."""
        if "enrolled" in self.withheld:
            return None
        enrolled = span_of(self.counts.enrolled)
        if enrolled.lo == 0 or enrolled.hi is None:
            return None
        completed = self.counts.completed
        low = completed * 100 // enrolled.hi
        high = -(-completed * 100 // max(enrolled.lo, completed))
        return low, high

    @property
    def share_text(self) -> str | None:
        """Return the percentage range as text ("71–100%", or "100%" when both ends agree)."""
        if self.share is None:
            return None
        low, high = self.share
        return f"{low}%" if low == high else f"{low}–{high}%"


@dataclass(frozen=True, slots=True)
class Stats:
    """An organization's figures: the total against its headcount, then each department."""

    organization: Organization
    total: Figures
    departments: tuple[Figures, ...]

    @property
    def tenths(self) -> int | None:
        """Return the total's completion percentage of the headcount in tenths, rounded down
        (90.66% is 906), or None without a headcount."""
        if self.organization.headcount <= 0:
            return None
        return self.total.counts.completed * 1000 // self.organization.headcount

    @property
    def percent(self) -> str | None:
        """Return the total's completion percentage of the headcount as text ("90.6%")."""
        tenths = self.tenths
        return None if tenths is None else f"{tenths // 10}.{tenths % 10}%"

    @property
    def on_track(self) -> bool | None:
        """Say whether completion of the headcount reaches the target (exact integer maths),
        or None without a headcount."""
        org = self.organization
        if org.headcount <= 0:
            return None
        return self.total.counts.completed * 100 >= org.target_percent * org.headcount

    @property
    def withholds(self) -> bool:
        """Say whether any count is shown as "–"."""
        return any(f.withheld for f in (self.total, *self.departments))


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


ROWS = ("enrolled", "late")
TOTALS = ("total enrolled", "total late")
CHOICES = sorted(
    (frozenset(chosen) for size in range(5) for chosen in combinations((*ROWS, *TOTALS), size)),
    key=lambda c: (len(c & set(TOTALS)), len(c), "enrolled" in c, "total enrolled" in c),
)
"""What may be withheld, most shown first: rows before totals, past onboarding before enrolled."""


def _known(count: int, shown: bool) -> Span:
    """Return what a reader knows of a banded count: its band when shown, else only that it is
    not negative."""
    return span_of(count) if shown else UNKNOWN


def _group(enrolled: Span, late: Span, completed: int) -> tuple[Span, Span]:
    """Return what a group's completed count adds: enrolled is at least completed plus past
    onboarding, and past onboarding at most enrolled minus completed."""
    enrolled = enrolled.meet(Span(completed + late.lo))
    late = late.meet(Span(0, None if enrolled.hi is None else enrolled.hi - completed))
    return enrolled, late


def exposed(rows: Sequence[Counts], total: Counts, withheld: frozenset[str]) -> bool:
    """Say whether a reader of the report, with these banded counts withheld, could work out an
    enrolled or past-onboarding count exactly (even a zero), by combining the bands with the
    exact completions and the department rows with the total, until nothing narrows further."""
    enrolled = [_known(c.enrolled, "enrolled" not in withheld) for c in rows]
    late = [_known(c.late, "late" not in withheld) for c in rows]
    whole_enrolled = _known(total.enrolled, "total enrolled" not in withheld)
    whole_late = _known(total.late, "total late" not in withheld)
    for _ in range(100):
        before = (enrolled, late, whole_enrolled, whole_late)
        pairs = [_group(e, n, c.completed) for e, n, c in zip(enrolled, late, rows, strict=True)]
        enrolled, late = [p[0] for p in pairs], [p[1] for p in pairs]
        whole_enrolled, whole_late = _group(whole_enrolled, whole_late, total.completed)
        if rows:
            enrolled, whole_enrolled = narrowed(enrolled, whole_enrolled)
            late, whole_late = narrowed(late, whole_late)
        if (enrolled, late, whole_enrolled, whole_late) == before:
            break
    else:
        return True  # not settled: assume the worst
    return any(s.single for s in (*enrolled, *late, whole_enrolled, whole_late))


def withheld_for(rows: Sequence[Counts], total: Counts) -> frozenset[str]:
    """Return the fewest banded counts to withhold (rows before totals) so that none can be
    worked out exactly; withholding all of them always works."""
    for choice in CHOICES:
        if not exposed(rows, total, choice):
            return choice
    return frozenset((*ROWS, *TOTALS))


def stats(
    org: Organization,
    departments: Sequence[Department],
    members: Sequence[Member],
    now: dt.datetime,
) -> Stats:
    """Return the figures: the total's percentage is of the headcount, each department's of
    those enrolled in it (Beacon knows no department headcount)."""
    whole = count(org, members, now)
    counts = [count(org, [m for m in members if m.department_id == d.id], now) for d in departments]
    withheld = withheld_for(counts, whole)
    rows = frozenset(withheld & set(ROWS))
    total = frozenset(metric.removeprefix("total ") for metric in withheld & set(TOTALS))
    return Stats(
        org,
        Figures(org.name, whole, total),
        tuple(Figures(d.name, c, rows) for d, c in zip(departments, counts, strict=True)),
    )
