"""Ports the service needs: a store that applies one update as a unit of work, and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.orgs.writes import OrgWrites

R = TypeVar("R")


class StateConflict(Exception):
    """The conversation changed since it was loaded; the unit of work was rolled back."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the store read for an update: the user and their saved conversation."""

    user_id: int
    locale: str | None
    state: dict[str, Any] | None
    revision: int | None


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


Decide = Callable[[Loaded], tuple[Writes, R]]
"""A pure function from what was loaded to what to write, plus a result for the caller."""


class ConversationStore(Protocol):
    """Applies updates atomically; implemented for SQLite and PostgreSQL."""

    async def apply(
        self, user_key: str, update_key: str | None, now: dt.datetime, decide: Decide[R]
    ) -> R | None:
        """In one transaction: claim the update, load, decide, write; return decide's result.

        Returns None when `update_key` was already claimed (a redelivered update: nothing
        changes). Raises StateConflict, having written nothing, when the saved state's revision
        moved on since it was loaded.
        """
        ...

    async def set_active(self, user_key: str, active: bool) -> None:
        """Mark a known user as reachable or not (blocked the bot); unknown keys are ignored."""
        ...

    async def close(self) -> None:
        """Release connections and threads."""
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
