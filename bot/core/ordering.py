"""One person's updates in order: a channel numbers each update (Telegram's update_id), and an
update numbered below the last one applied to that person arrived late and must not override it.

Pure: the time a number was remembered comes in as a value, and so does `now`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

SEQUENCE_KEPT = dt.timedelta(days=1)
"""How long a remembered number counts: after this, any number is in order again (a new bot
token or an update-id reset cannot make a person's updates stale for longer)."""


class Arrival(enum.Enum):
    """How an update's number compares with the last one applied to its person."""

    IN_ORDER = "in_order"
    """Newer than the remembered number (or nothing is remembered): apply it."""
    AGAIN = "again"
    """The very number applied last: the same update, delivered again."""
    STALE = "stale"
    """Older than the remembered number: it arrived after a newer one; change nothing."""


@dataclass(frozen=True, slots=True)
class Sequenced:
    """The number of the last update applied to a person, and when it was applied."""

    number: int
    at: dt.datetime

    def to_list(self) -> list[Any]:
        """Serialise for the state JSON."""
        return [self.number, self.at.isoformat()]

    @classmethod
    def from_list(cls, data: Any) -> Sequenced | None:
        """Read what `to_list` wrote; None for anything else (nothing remembered)."""
        if not isinstance(data, list) or len(data) != 2:
            return None
        number, at = data
        if type(number) is not int or not isinstance(at, str):
            return None
        try:
            return cls(number, dt.datetime.fromisoformat(at))
        except ValueError:
            return None


def arrival(number: int, remembered: Sequenced | None, now: dt.datetime) -> Arrival:
    """Classify an update numbered `number` against the remembered one at `now`: a number
    remembered more than SEQUENCE_KEPT ago is forgotten."""
    if remembered is None or now - remembered.at > SEQUENCE_KEPT:
        return Arrival.IN_ORDER
    if number > remembered.number:
        return Arrival.IN_ORDER
    if number == remembered.number:
        return Arrival.AGAIN
    return Arrival.STALE
