"""Ports the service needs: a store that applies one update as a unit of work, and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from bot.core.effects import JoinOrg, SetEmployeeId

R = TypeVar("R")


class StateConflict(Exception):
    """The conversation changed since it was loaded; the unit of work was rolled back."""


class StoreUnavailable(Exception):
    """The database could not do the work now (locked, unreachable, no rights); nothing was
    written, and the same work may succeed later. `reason` names the kind, never data."""

    def __init__(self, reason: str) -> None:
        """Keep a short reason such as "locked" or "connection_lost"."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the store read for an update: the user and their saved conversation."""

    user_id: int
    locale: str | None
    state: dict[str, Any] | None
    revision: int | None
    text: str | None = field(default=None, compare=False)
    """The saved state exactly as stored (PostgreSQL writes the next one only over it)."""


@dataclass(frozen=True, slots=True)
class QuizAnswerRow:
    """One quiz answer to record."""

    tree: str
    node: str
    option: int
    correct: bool


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """An opted-in reminder to store: the encrypted chat, the plan, the next due time."""

    chat: str
    plan: list[Any]
    next_at: dt.datetime
    language: str | None = None
    """The platform's language code when the learner opted in (for negotiation later)."""


@dataclass(frozen=True, slots=True)
class CampaignCountRow:
    """An amount to add to a campaign's metric for today (counted only if it is registered)."""

    campaign: str
    metric: str
    amount: int = 1
    once: str | None = None
    """A keyed marker of this person, campaign and day: the count is added only the first time
    the marker is seen (it is kept apart from the count and deleted within two days)."""


@dataclass(frozen=True, slots=True)
class OrgWrites:
    """What one update changes in memberships."""

    joins: tuple[JoinOrg, ...] = ()
    employee_ids: tuple[SetEmployeeId, ...] = ()
    completed: tuple[str, ...] = ()
    """Courses just completed: memberships counting them record the time (once)."""
    leaves: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An outbox entry as stored: the platform, the sealed parcel, and its delivery progress."""

    platform: str
    payload: str
    next_at: dt.datetime
    id: int | None = None
    sent: int = 0
    attempts: int = 0
    created_at: dt.datetime | None = None
    claimed_by: str | None = None
    """The worker that writes the entry (and delivers it after commit)."""
    user_key: str | None = None
    """The keyed id of the person it answers: their entries go out in the order written."""


@dataclass(frozen=True, slots=True)
class OutboxClaim:
    """Which outbox entries a worker takes to deliver: up to `limit` of a platform that are
    due at `now` (and when `recover`, those `holder` wrote or claimed before it restarted, and
    those nobody claimed), held for `holder` until `until`; entries another worker is claiming
    at that moment are left to it."""

    platform: str
    holder: str
    now: dt.datetime
    until: dt.datetime
    limit: int
    recover: bool = False


@dataclass(frozen=True, slots=True)
class PageRow:
    """A page session to store with an update (the web's): its keyed hash, whether it is kept
    on its device, and its sealed history holding the update's reply."""

    key: str
    keep: bool
    history: str | None


@dataclass(frozen=True, slots=True)
class Writes:
    """Everything one update changes; the store writes it in the transaction that loaded it."""

    state: dict[str, Any] | None = None
    revision: int = 0
    answers: tuple[QuizAnswerRow, ...] = ()
    views: tuple[str, ...] = ()
    locale: str | None = None
    forget: bool = False
    reminder: ReminderRow | None = None
    drop_reminder: bool = False
    campaign_counts: tuple[CampaignCountRow, ...] = ()
    orgs: OrgWrites | None = None
    """Membership changes: joined, employee id typed, course completed, left."""
    outbox: OutboxRow | None = None
    """What the update must send, stored with its state (also when the user is forgotten)."""
    page: PageRow | None = None
    """The page session that shows the reply, stored with its state (then no outbox entry is
    needed); stored even when the user is forgotten (as given: emptied)."""


@dataclass(frozen=True, slots=True)
class Applied(Generic[R]):
    """What a unit of work returned: decide's result, the id of its outbox entry, and whether
    the store saw no earlier entry of that person that has not failed (so its delivery waits
    for none; a store that cannot tell says False)."""

    result: R
    outbox_id: int | None = None
    first: bool = False


Decide = Callable[[Loaded], tuple[Writes, R]]
"""A pure function from what was loaded to what to write, plus a result for the caller."""


class OutboxStore(Protocol):
    """Where outbox entries wait until every message of theirs went out."""

    shared: bool
    """Whether other processes may deliver from this outbox too (PostgreSQL); when not, the
    one process delivers each person's entries in order by itself."""

    async def outbox_due(
        self, platform: str, now: dt.datetime | None, limit: int
    ) -> list[OutboxRow]:
        """Return up to `limit` entries of a platform due at `now` (all when None), oldest
        first."""
        ...

    async def outbox_claim(self, claim: OutboxClaim) -> list[OutboxRow]:
        """Claim entries for one worker (see OutboxClaim); return them oldest first."""
        ...

    async def outbox_ahead(self, user_key: str, entry_id: int) -> list[OutboxRow]:
        """Return the entries of one person written before `entry_id` that have not failed
        (no attempts yet), oldest first."""
        ...

    async def outbox_take(
        self, entry_id: int, holder: str, now: dt.datetime, until: dt.datetime
    ) -> OutboxRow | None:
        """Claim one entry for `holder` until `until` when it is free (unclaimed, already
        `holder`'s, or its claim ended by `now`); return it, or None when another holds it
        or it is gone."""
        ...

    async def outbox_progress(self, entry_id: int, sent: int) -> None:
        """Record how many of an entry's messages went out."""
        ...

    async def outbox_done(self, entry_id: int) -> None:
        """Remove an entry."""
        ...

    async def outbox_retry(self, entry_id: int, attempts: int, next_at: dt.datetime) -> None:
        """Count a failed delivery and leave the entry until `next_at`."""
        ...


class ConversationStore(OutboxStore, Protocol):
    """Applies updates atomically and keeps their outbox; for SQLite and PostgreSQL."""

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> Applied[R] | None:
        """In one transaction: claim the update, load, decide, write (with its outbox entry);
        return decide's result and the entry's id.

        Returns None when `update_key` was already claimed (a redelivered update: nothing
        changes). Raises StateConflict, having written nothing, when the saved state's revision
        moved on since it was loaded, and StoreUnavailable when the database cannot do it now.
        """
        ...

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not (blocked the bot); unknown keys are ignored."""
        ...

    async def close(self) -> None:
        """Release connections and threads."""
        ...


class CampaignLinks(Protocol):
    """Finds a registered campaign's deep-link payload by its name (the web's `/c/<name>`)."""

    async def payload(self, name: str) -> str | None:
        """Return the `/start` payload of the campaign of that name, or None if there is none."""
        ...


class Clock(Protocol):
    """Tells the time."""

    def now(self) -> dt.datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(dt.UTC)
