"""Beacon's tables. Users are stored only under a keyed hash; no table holds typed text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig  # the type SQLModel gives model_config


class TableModel(SQLModel):
    """The base of Beacon's tables. Pydantic builds a table's validator only when one is used
    (Beacon reads and writes rows through SQLAlchemy Core), which makes importing the tables
    about a sixth cheaper at start-up."""

    model_config = SQLModelConfig(defer_build=True)


def utc_column(*, index: bool = False) -> Any:
    """Return a timezone-aware timestamp column."""
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=index))


def user_fk(*, primary_key: bool = False) -> Any:
    """Return a column referencing users.id that is deleted with the user."""
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=primary_key,
            nullable=False,
            index=not primary_key,
        )
    )


class User(TableModel, table=True):
    """A person, known only by a keyed hash of their platform id."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    user_key: str = Field(max_length=64, unique=True, index=True)
    locale: str | None = Field(default=None, max_length=16)
    created_at: dt.datetime = utc_column()
    last_seen_at: dt.datetime = utc_column(index=True)
    active: bool = Field(default=True)


class Conversation(TableModel, table=True):
    """Where a user is in the conversation; `revision` guards against lost updates."""

    __tablename__ = "conversations"

    user_id: int = user_fk(primary_key=True)
    revision: int = Field(default=0)
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = utc_column()


class ProcessedUpdate(TableModel, table=True):
    """An update already handled, so a redelivery changes nothing (no user is linked)."""

    __tablename__ = "processed_updates"

    update_key: str = Field(primary_key=True, max_length=64)
    processed_at: dt.datetime = utc_column(index=True)


class QuizAnswer(TableModel, table=True):
    """One answer to one quiz question."""

    __tablename__ = "quiz_answers"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk()
    tree: str = Field(max_length=32)
    node: str = Field(max_length=32)
    option: int
    correct: bool
    answered_at: dt.datetime = utc_column()


VIEW_SHARDS = 16
"""Counters per resource and day are split in this many rows, so writers rarely wait on a lock."""


class ResourceViewCount(TableModel, table=True):
    """How often a resource was shown on a day (the sum over shards), with no link to anyone."""

    __tablename__ = "resource_view_counts"

    resource_id: str = Field(primary_key=True, max_length=32)
    day: dt.date = Field(primary_key=True)
    shard: int = Field(primary_key=True, default=0)
    views: int = Field(default=0)


class Reminder(TableModel, table=True):
    """An opted-in learning reminder: where to send it (encrypted) and when it is next due."""

    __tablename__ = "reminders"

    user_id: int = user_fk(primary_key=True)
    chat: str = Field(max_length=512)
    """The platform chat, encrypted with a key derived from USER_KEY_SECRET."""
    plan: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    next_at: dt.datetime = utc_column(index=True)
    language: str | None = Field(default=None, max_length=16)
    """The platform's language code at opt-in, used when the learner chose none."""


class Certificate(TableModel, table=True):
    """A course certificate: its serial (in the verification code), course, date, chosen name.

    `/forget` clears the name and the link to the user; the code still verifies the course."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    course: str = Field(max_length=65)
    name: str | None = Field(default=None, max_length=60)
    language: str = Field(max_length=16)
    issued_at: dt.datetime = utc_column()


class ExitMessage(TableModel, table=True):
    """A private chat's message that exit deletes, under the user's key; no raw id, no text."""

    __tablename__ = "exit_messages"

    chat_key: str = Field(primary_key=True, max_length=64)
    message_id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False, nullable=False)
    )
    sent_at: dt.datetime = utc_column(index=True)


class Campaign(TableModel, table=True):
    """An outreach campaign: the deep link a poster carries (entry and optional language)."""

    __tablename__ = "campaigns"

    name: str = Field(primary_key=True, max_length=24)
    entry: str = Field(max_length=32)
    locale: str | None = Field(default=None, max_length=16)
    created_at: dt.datetime = utc_column()


class CampaignCount(TableModel, table=True):
    """How often a campaign's metric happened on a day (UTC), with no link to anyone."""

    __tablename__ = "campaign_counts"

    campaign: str = Field(
        sa_column=Column(
            String(24),
            ForeignKey("campaigns.name", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        )
    )
    metric: str = Field(primary_key=True, max_length=24)
    day: dt.date = Field(primary_key=True)
    count: int = Field(default=0)


def parent_fk(table: str, *, primary_key: bool = False) -> Any:
    """Return a column referencing `table`.id that is deleted with that row."""
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey(f"{table}.id", ondelete="CASCADE"),
            primary_key=primary_key,
            nullable=False,
            index=not primary_key,
        )
    )


class Organization(TableModel, table=True):
    """An employer that enrols its staff: its size, completion target and course."""

    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    headcount: int
    target_percent: int = Field(default=90)
    course: str = Field(default="learn:menu", max_length=65)
    """The course node (`tree:node`) whose completion counts."""
    refresher_days: int = Field(default=365)
    onboarding_days: int = Field(default=30)
    asks_employee_id: bool = Field(default=False)
    id_pattern: str | None = Field(default=None, max_length=60)
    """The employee id format (a bounded regular expression, full match), if it sets one."""
    id_example: str | None = Field(default=None, max_length=40)
    """An id in that format, shown to a member whose typed id does not fit."""
    created_at: dt.datetime = utc_column()


class Department(TableModel, table=True):
    """A department of an organization, joined through its code (`/start <join_code>`)."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = parent_fk("organizations")
    name: str = Field(max_length=100)
    join_code: str = Field(max_length=10, unique=True)


class OrgAdmin(TableModel, table=True):
    """Who may see an organization's figures: the keyed hash of their account, never the id."""

    __tablename__ = "org_admins"

    organization_id: int = parent_fk("organizations", primary_key=True)
    user_key: str = Field(primary_key=True, max_length=64, index=True)


class Membership(TableModel, table=True):
    """A user's membership of an organization (one per organization): the department, the
    employee id they typed if asked, when they joined and completed; deleted with the user."""

    __tablename__ = "memberships"

    user_id: int = user_fk(primary_key=True)
    organization_id: int = parent_fk("organizations", primary_key=True)
    department_id: int = parent_fk("departments")
    employee_id: str | None = Field(default=None, max_length=40)
    joined_at: dt.datetime = utc_column()
    completed_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OutboxEntry(TableModel, table=True):
    """What one update must still send, sealed (chat, texts, files to make), in the update's
    transaction; `sent` counts the messages delivered; the row goes once all are."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    """Encrypted with a key derived from USER_KEY_SECRET: no chat id or text is readable."""
    sent: int = Field(default=0)
    attempts: int = Field(default=0)
    created_at: dt.datetime = utc_column()
    next_at: dt.datetime = utc_column(index=True)
    """When a sweep may deliver it: a little after it was written, or after a failed try;
    while `claimed_by` delivers it, the end of that worker's claim."""
    claimed_by: str | None = Field(default=None, max_length=64)
    """The worker (host and WORKER_ID) that wrote or last claimed the entry; after a crash,
    that worker takes its own entries back at once, others once `next_at` passes."""
    user_key: str | None = Field(default=None, max_length=64, index=True)
    """The keyed id of the person the entry answers (as in users): one person's entries go out
    in the order they were written, whichever worker holds them."""


class BeaconMeta(TableModel, table=True):
    """Facts about the database itself, such as the user-key secret's fingerprint."""

    __tablename__ = "beacon_meta"

    key: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)


class CampaignStart(TableModel, table=True):
    """A keyed, short-lived marker that one person started one campaign on one day, so a
    start counts once; it cannot be linked to the person or to the count, and goes in 2 days."""

    __tablename__ = "campaign_starts"

    marker: str = Field(primary_key=True, max_length=64)
    day: dt.date = Field(index=True)


class WebSession(TableModel, table=True):
    """A web chat session under the keyed hash of its random id (the id itself is never
    stored): whether it is kept on its device, when it was last used, and the conversation
    shown on its page, sealed (Beacon's messages and the labels tapped, never typed text)."""

    __tablename__ = "web_sessions"

    session_key: str = Field(primary_key=True, max_length=64)
    keep: bool = Field(default=False)
    last_seen_at: dt.datetime = utc_column(index=True)
    history: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class JobLease(TableModel, table=True):
    """Which worker may run a background job's rounds (its holder id), and until when: a holder
    renews it each round, and once it has expired another worker may take it."""

    __tablename__ = "job_leases"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: dt.datetime = utc_column()


metadata = SQLModel.metadata


def table(model: type[SQLModel]) -> Table:
    """Return a model's SQLAlchemy table (`Model.__table__`), for Core statements."""
    found = model.__table__  # type: ignore[attr-defined]
    assert isinstance(found, Table)
    return found
