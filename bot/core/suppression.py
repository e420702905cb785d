"""One rule for every count an employer or outreach staff see, so none can single anyone out.

What members agreed the employer may see is shown exactly (`exact`). Every other count is shown
only as a band of five (`band`): "<5" for 0-4 (zero included, so "<5" never implies someone),
else "lo–hi" such as "10–14". Bands cannot be differenced into an exact small number the way
exact totals of growing windows can. A breakdown (rows that add up to a total, all shown as
bands) is withheld, every row shown as "–", when the bands would pin a row to a single value
(`pinned`): five rows of "<5" under a total of "20–24" must each be 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAND = 5
"""Counts nobody agreed to show are shown in bands this wide: 0-4, 5-9, 10-14 and so on."""
SMALL = f"<{BAND}"
"""How the lowest band (0 to 4, zero included) is shown."""
WITHHELD = "–"
"""How a row of a breakdown is shown when its band, with the others, would give its value away."""


@dataclass(frozen=True, slots=True)
class Span:
    """The whole numbers a reader can tell a count lies in: `lo` to `hi`, or `lo` and up when
    `hi` is None."""

    lo: int
    hi: int | None = None

    @property
    def single(self) -> bool:
        """Say whether at most one value is left: the count is pinned."""
        return self.hi is not None and self.lo >= self.hi

    def meet(self, other: Span) -> Span:
        """Return what both spans allow (a reader who knows both knows this)."""
        if self.hi is None or other.hi is None:
            hi = other.hi if self.hi is None else self.hi
        else:
            hi = min(self.hi, other.hi)
        return Span(max(self.lo, other.lo), hi)


UNKNOWN = Span(0)
"""What a reader knows of a count that is not shown: it is not negative."""


def exact(count: int) -> str:
    """Return a count members agreed to show, exactly: "1,234"."""
    return f"{count:,}"


def span_of(count: int) -> Span:
    """Return the band a count is shown in: 0-4, 5-9, 10-14 (a negative count as 0-4)."""
    lo = BAND * (max(count, 0) // BAND)
    return Span(lo, lo + BAND - 1)


def band(count: int) -> str:
    """Return a count nobody agreed to show, as its band: "<5" for 0-4, else "1,230–1,234"."""
    found = span_of(count)
    if found.lo == 0:
        return SMALL
    return f"{found.lo:,}–{found.hi:,}"


def narrowed(rows: Sequence[Span], total: Span) -> tuple[list[Span], Span]:
    """Return what a reader can work out from rows known to add up to a total: row j lies in
    max(lo_j, TL - sum of the other his) to min(hi_j, TH - sum of the other los), and the total
    between the rows' sums."""
    lows = sum(item.lo for item in rows)
    open_ended = sum(item.hi is None for item in rows)
    highs = sum(item.hi for item in rows if item.hi is not None)
    out: list[Span] = []
    for item in rows:
        others_open = open_ended - (item.hi is None)
        others_hi = highs - (item.hi or 0)
        lo = item.lo if others_open else max(item.lo, total.lo - others_hi)
        hi = None if total.hi is None else total.hi - (lows - item.lo)
        out.append(item.meet(Span(lo, hi)))
    return out, total.meet(Span(lows, None if open_ended else highs))


def pinned(rows: Sequence[Span], total: Span) -> bool:
    """Say whether rows that add up to a total, known only as these spans, give one row (or
    the total) a single possible value."""
    worked_out, whole = narrowed(rows, total)
    return whole.single or any(item.single for item in worked_out)


def breakdown(rows: Sequence[int], total: int) -> list[str]:
    """Return each row of a breakdown of `total` as shown: its band, or "–" for every row when
    the bands of the rows and of the total would pin one of them."""
    if pinned([span_of(row) for row in rows], span_of(total)):
        return [WITHHELD] * len(rows)
    return [band(row) for row in rows]
