"""A reader who has only the organization report and tries every count it allows: what can they
work out about the counts nobody agreed to show (enrolled, not completed, past onboarding)?"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.suppression import WITHHELD

TOTAL = re.compile(
    r"^.+: (?P<completed>[\d,]+) of [\d,]+ employees completed the course\. "
    r"Enrolled: (?P<enrolled>\S+)\.$"
)
FOLLOW_UP = re.compile(
    r"^Refreshers overdue: \S+\. Not completed within \d+ days of joining: (?P<late>\S+)\.$"
)
DEPARTMENT = re.compile(
    r"^• .+?: (?P<enrolled>\S+) enrolled, (?P<completed>[\d,]+) completed"
    r"(?: \((?P<percent>\S+) of those enrolled\))?, [\d,]+ refreshers overdue, "
    r"(?P<late>\S+) past onboarding$"
)


@dataclass(frozen=True, slots=True)
class Shown:
    """One group as the report shows it: completed exactly, the others as (lo, hi) or None."""

    completed: int
    enrolled: tuple[int, int] | None
    late: tuple[int, int] | None
    percent: str | None = None


def bounds(text: str) -> tuple[int, int] | None:
    """Return the range a shown count allows: "<5" is 0-4, "10–14" is 10-14, "12" is 12-12,
    "–" is None."""
    if text == WITHHELD:
        return None
    if text == "<5":
        return 0, 4
    lo, _, hi = text.replace(",", "").partition("–")
    return int(lo), int(hi or lo)


def read(report: str) -> tuple[Shown, list[Shown]]:
    """Return the total and each department as the English report shows them."""
    lines = report.splitlines()
    total = TOTAL.match(lines[0])
    late = next(m for m in map(FOLLOW_UP.match, lines) if m)
    assert total and late, report
    whole = Shown(
        int(total["completed"].replace(",", "")), bounds(total["enrolled"]), bounds(late["late"])
    )
    rows = [
        Shown(
            int(m["completed"].replace(",", "")),
            bounds(m["enrolled"]),
            bounds(m["late"]),
            m["percent"],
        )
        for m in map(DEPARTMENT.match, lines)
        if m
    ]
    return whole, rows


Sums = dict[int, int]
"""Reachable (enrolled, late) sums: for each enrolled sum, a bit mask of the late sums."""


def add(first: Sums, second: Sums, most: int) -> Sums:
    """Return the sums reachable by adding one of `first` to one of `second`, enrolled up to
    `most`."""
    out: Sums = {}
    for a, mask_a in first.items():
        for b, mask_b in second.items():
            if a + b <= most:
                joined = 0
                bits = mask_b
                shift = 0
                while bits:
                    if bits & 1:
                        joined |= mask_a << shift
                    bits >>= 1
                    shift += 1
                out[a + b] = out.get(a + b, 0) | joined
    return out


def window(lo: int, hi: int) -> int:
    """Return a bit mask with bits lo to hi set (none below 0)."""
    lo = max(lo, 0)
    return 0 if hi < lo else ((1 << (hi - lo + 1)) - 1) << lo


def choices(row: Shown, cap: int) -> Sums:
    """Return the (enrolled, late) pairs a department's line allows: enrolled at least completed,
    late at most enrolled minus completed; a withheld count runs `cap` values up."""
    low_late, high_late = row.late or (0, 10**6)
    least = row.completed + low_late
    low, high = row.enrolled or (least, least + cap)
    out: Sums = {}
    for enrolled in range(max(low, least), high + 1):
        mask = window(low_late, min(high_late, enrolled - row.completed))
        if mask:
            out[enrolled] = mask
    return out


def possible(total: Shown, rows: Sequence[Shown], cap: int = 20) -> dict[str, set[int]]:
    """Return every value each hidden count can take given the report: enrolled, not completed
    and past onboarding for each department ("enrolled 0", ...) and in total ("enrolled"). A
    withheld count is tried only `cap` values up, which can only make the reader surer."""
    options = [choices(row, cap) for row in rows]
    most = sum(max(o, default=0) for o in options)
    e_lo, e_hi = total.enrolled or (0, most)
    l_lo, l_hi = total.late or (0, most)
    prefix: list[Sums] = [{0: 1}]
    for option in options:
        prefix.append(add(prefix[-1], option, e_hi))
    suffix: list[Sums] = [{0: 1}]
    for option in reversed(options):
        suffix.insert(0, add(option, suffix[0], e_hi))
    found: dict[str, set[int]] = {}
    for index, option in enumerate(options):
        others = add(prefix[index], suffix[index + 1], e_hi)
        for enrolled, lates in option.items():
            for late in range(lates.bit_length()):
                if not lates >> late & 1:
                    continue
                wanted = window(l_lo - late, l_hi - late)
                if any(
                    e_lo <= enrolled + rest <= e_hi and mask & wanted
                    for rest, mask in others.items()
                ):
                    found.setdefault(f"enrolled {index}", set()).add(enrolled)
                    found.setdefault(f"late {index}", set()).add(late)
                    not_completed = enrolled - rows[index].completed
                    found.setdefault(f"not completed {index}", set()).add(not_completed)
    for enrolled, mask in prefix[-1].items():
        lates = mask & window(l_lo, l_hi)
        if e_lo <= enrolled <= e_hi and enrolled >= total.completed and lates:
            found.setdefault("enrolled", set()).add(enrolled)
            found.setdefault("not completed", set()).add(enrolled - total.completed)
            late_values = {n for n in range(lates.bit_length()) if lates >> n & 1}
            found.setdefault("late", set()).update(late_values)
    return found


def pinned(report: str) -> dict[str, int]:
    """Return each hidden count the report gives away exactly, with its value."""
    total, rows = read(report)
    return {key: next(iter(v)) for key, v in possible(total, rows).items() if len(v) == 1}
