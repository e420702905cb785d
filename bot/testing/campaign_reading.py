"""A reader who keeps every `campaign stats` printout and tries every daily count they allow
together: can they work out one day's count exactly?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.campaign_counts import METRICS
from bot.testing.org_reading import bounds


@dataclass(frozen=True, slots=True)
class Printout:
    """One metric of one campaign as one `campaign stats` printed it on `today`: the total's
    range and each shown day's range (None when withheld)."""

    today: dt.date
    total: tuple[int, int]
    days: dict[dt.date, tuple[int, int] | None]


def read(out: str, metric: str, today: dt.date) -> Printout:
    """Return one metric of the (single) campaign in a `campaign stats` printout."""
    column = METRICS.index(metric)
    total: tuple[int, int] | None = None
    days: dict[dt.date, tuple[int, int] | None] = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == metric:
            total = bounds(words[1])
        elif len(words) == 1 + len(METRICS) and words[0][:4].isdigit():
            days[dt.date.fromisoformat(words[0])] = bounds(words[1 + column])
    assert total is not None, out
    return Printout(today, total, days)


def possible(
    printouts: Sequence[Printout], first: dt.date, cap: int = 60
) -> dict[dt.date, set[int]]:
    """Return every value each day from `first` can take when all the printouts hold at once:
    each day in every range shown for it, and the days up to each printout's `today` adding up
    to its total. A day never shown is tried from 0 to `cap`."""
    last = max(p.today for p in printouts)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    values: list[range] = []
    for day in days:
        low, high = 0, cap
        for printout in printouts:
            shown = printout.days.get(day)
            if shown is not None:
                low, high = max(low, shown[0]), min(high, shown[1])
        values.append(range(low, high + 1))

    def fits(index: int, running: int) -> bool:
        """Say whether a running sum after day `index` meets every total taken that day."""
        return all(p.total[0] <= running <= p.total[1] for p in printouts if p.today == days[index])

    reached: list[set[int]] = [{0}]
    for index, options in enumerate(values):
        reached.append({s + v for s in reached[-1] for v in options if fits(index, s + v)})
    alive: list[set[int]] = [set() for _ in reached]
    alive[-1] = reached[-1]
    for index in range(len(values) - 1, -1, -1):
        alive[index] = {
            s for s in reached[index] if any(s + v in alive[index + 1] for v in values[index])
        }
    return {
        day: {v for v in values[i] for s in alive[i] if s + v in alive[i + 1]}
        for i, day in enumerate(days)
    }
