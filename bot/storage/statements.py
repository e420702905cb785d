"""The hot path's SQL, generated from the table models for both drivers.

The stores run raw sqlite3 (on the writer thread) and asyncpg for speed; every statement they
run is a SQLAlchemy Core construct over the models' tables, compiled here for SQLite (`?`) and
PostgreSQL (`$n`) with the order of its named values, each form when first used: a store
compiles only its own driver's statements, and SQLite never imports the PostgreSQL dialect.
`update_steps` says once what an update writes; each store only runs the steps on its driver.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from bot.service.ports import Loaded, OutboxClaim, OutboxRow, StateConflict, Writes
from bot.storage.tables import (
    VIEW_SHARDS,
    Campaign,
    CampaignCount,
    CampaignStart,
    Certificate,
    Conversation,
    Department,
    ExitMessage,
    Membership,
    OrgAdmin,
    Organization,
    OutboxEntry,
    ProcessedUpdate,
    QuizAnswer,
    Reminder,
    ResourceViewCount,
    User,
    WebSession,
    table,
)

SQLITE_DIALECT = pysqlite.dialect()


@cache
def postgres_dialect() -> Any:
    """Return PostgreSQL's (asyncpg) dialect, imported on first use."""
    from sqlalchemy.dialects.postgresql import asyncpg

    return asyncpg.dialect()  # type: ignore[no-untyped-call]


def postgres_insert(model_table: Any) -> Any:
    """Return PostgreSQL's insert (with ON CONFLICT) into a table; its dialect is imported
    on first use."""
    from sqlalchemy.dialects.postgresql import insert

    return insert(model_table)


USERS = table(User)
CONVERSATIONS = table(Conversation)
PROCESSED = table(ProcessedUpdate)
ANSWERS = table(QuizAnswer)
VIEWS = table(ResourceViewCount)
REMINDERS = table(Reminder)
CERTIFICATES = table(Certificate)
EXIT_MESSAGES = table(ExitMessage)
CAMPAIGNS = table(Campaign)
COUNTS = table(CampaignCount)
STARTS = table(CampaignStart)
ORGANIZATIONS = table(Organization)
DEPARTMENTS = table(Department)
ORG_ADMINS = table(OrgAdmin)
MEMBERSHIPS = table(Membership)
OUTBOX = table(OutboxEntry)
PAGES = table(WebSession)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement compiled for one driver: its SQL and the names of its values in order."""

    sql: str
    order: tuple[str, ...]
    constants: Mapping[str, Any] = field(default_factory=dict)
    """Values the construct carries itself (such as `views + 1`), by name."""

    def args(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """Return the driver's positional values for named ones."""
        if self.constants:
            values = {**self.constants, **values}
        return tuple(values[name] for name in self.order)


def compiled(construct: ClauseElement, dialect: Any) -> Statement:
    """Compile a Core construct for one dialect; keep its SQL and the order of its values."""
    done = construct.compile(dialect=dialect)
    assert isinstance(done, SQLCompiler)
    order = tuple(done.positiontup or ())
    constants = {
        name: done.binds[name].effective_value for name in order if not done.binds[name].required
    }
    return Statement(str(done), order, constants)


class Dialects:
    """One statement for both drivers, each form built and compiled when first read (building
    is pure, so two threads racing to it compile the same statement). A batched step's
    PostgreSQL form takes each row value as an array (one round trip); its SQLite form runs
    once per row."""

    __slots__ = ("_make_postgres", "_make_sqlite", "_postgres", "_sqlite")

    def __init__(
        self,
        sqlite: Callable[[], ClauseElement] | None,
        postgres: Callable[[], ClauseElement],
    ) -> None:
        """Keep the builders of each form (None: PostgreSQL only)."""
        self._make_sqlite = sqlite
        self._make_postgres = postgres
        self._sqlite: Statement | None = None
        self._postgres: Statement | None = None

    @property
    def sqlite(self) -> Statement:
        """Return the SQLite form, compiled on first use."""
        if self._sqlite is None:
            if self._make_sqlite is None:
                raise TypeError("this statement has no SQLite form")
            self._sqlite = compiled(self._make_sqlite(), SQLITE_DIALECT)
        return self._sqlite

    @property
    def postgres(self) -> Statement:
        """Return the PostgreSQL form, compiled on first use."""
        if self._postgres is None:
            self._postgres = compiled(self._make_postgres(), postgres_dialect())
        return self._postgres


def both(make: Callable[[Any], ClauseElement]) -> Dialects:
    """Return `make(insert)` for SQLite and PostgreSQL, each with its own upserting insert."""
    return Dialects(lambda: make(sqlite_insert), lambda: make(postgres_insert))


def upsert_insert(dialect: str) -> Callable[[Any], Any]:
    """Return the insert construct with ON CONFLICT of a dialect ("sqlite" or "postgresql")."""
    return sqlite_insert if dialect == "sqlite" else postgres_insert


def value(name: str, like: Any) -> Any:
    """Return a named value of the type of the column `like`."""
    return bindparam(name, type_=like.type)


# Claiming an update, the user, the conversation (SQLite; PostgreSQL joins them in LOAD).


def _claim(insert: Any) -> Any:
    """Claim an update's key; a second claim changes nothing."""
    return (
        insert(PROCESSED)
        .values(
            update_key=value("update_key", PROCESSED.c.update_key),
            processed_at=value("now", PROCESSED.c.processed_at),
        )
        .on_conflict_do_nothing(index_elements=[PROCESSED.c.update_key])
    )


def _upsert_user(insert: Any) -> Any:
    """Add or touch the user of a keyed id (seen now, reachable); return its id and locale."""
    upsert = insert(USERS).values(
        user_key=value("user_key", USERS.c.user_key),
        created_at=value("now", USERS.c.created_at),
        last_seen_at=value("now", USERS.c.last_seen_at),
        active=true(),
    )
    return upsert.on_conflict_do_update(
        index_elements=[USERS.c.user_key],
        set_={"last_seen_at": upsert.excluded.last_seen_at, "active": true()},
    ).returning(USERS.c.id, USERS.c.locale)


CLAIM = both(_claim)
UPSERT_USER = both(_upsert_user)
LOAD_STATE = both(
    lambda _: select(CONVERSATIONS.c.state, CONVERSATIONS.c.revision).where(
        CONVERSATIONS.c.user_id == bindparam("user")
    )
)


def _load() -> Any:
    """Claim, upsert the user and load the state in one PostgreSQL statement."""
    claimed = (
        postgres_insert(PROCESSED)
        .from_select(
            ["update_key", "processed_at"],
            select(
                value("update_key", PROCESSED.c.update_key),
                value("now", PROCESSED.c.processed_at),
            ).where(value("update_key", PROCESSED.c.update_key).is_not(None)),
        )
        .on_conflict_do_nothing(index_elements=[PROCESSED.c.update_key])
        .returning(PROCESSED.c.update_key)
        .cte("claimed")
    )
    person = _upsert_user(postgres_insert).cte("person")
    return select(
        select(func.count()).select_from(claimed).scalar_subquery().label("claimed"),
        person.c.id,
        person.c.locale,
        cast(CONVERSATIONS.c.state, Text).label("state"),
        CONVERSATIONS.c.revision,
    ).select_from(person.outerjoin(CONVERSATIONS, CONVERSATIONS.c.user_id == person.c.id))


LOAD = Dialects(None, _load)
"""PostgreSQL only: claim the update (when it has a key), upsert the user, load the state."""

# What an update writes.


def _insert_state(insert: Any) -> Any:
    """Store a new person's first state; nothing when another update stored one meanwhile."""
    return (
        insert(CONVERSATIONS)
        .values(
            user_id=bindparam("user"),
            revision=bindparam("new_revision"),
            state=bindparam("state"),
            updated_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=[CONVERSATIONS.c.user_id])
    )


def _update_state(guarded: bool = False) -> Any:
    """Replace a person's state when it is still at the revision loaded (`was`); `guarded`
    (PostgreSQL), only when it is still exactly the state loaded (`was_state`): two updates
    that keep the revision (a typed message on one screen) may load at once, and the second
    to commit must not write its sequence over the first's (docs/reliability.md)."""
    same = [
        CONVERSATIONS.c.user_id == bindparam("user"),
        CONVERSATIONS.c.revision == bindparam("was"),
    ]
    if guarded:
        same.append(cast(CONVERSATIONS.c.state, Text) == bindparam("was_state"))
    return (
        update(CONVERSATIONS)
        .values(
            revision=bindparam("new_revision"),
            state=bindparam("state"),
            updated_at=bindparam("now"),
        )
        .where(*same)
    )


INSERT_STATE = both(_insert_state)
UPDATE_STATE = Dialects(_update_state, lambda: _update_state(guarded=True))
INSERT_ANSWER = both(
    lambda _: (
        ANSWERS.insert()
        .inline()
        .values(
            user_id=bindparam("user"),
            tree=bindparam("tree"),
            node=bindparam("node"),
            option=bindparam("option"),
            correct=bindparam("correct"),
            answered_at=bindparam("now"),
        )
    )
)


def _count_view(insert: Any) -> Any:
    """One view of a resource on a day, in the user's shard."""
    add = insert(VIEWS).values(
        resource_id=bindparam("resource"), day=bindparam("day"), shard=bindparam("shard"), views=1
    )
    return add.on_conflict_do_update(
        index_elements=[VIEWS.c.resource_id, VIEWS.c.day, VIEWS.c.shard],
        set_={"views": VIEWS.c.views + 1},
    )


def _count_views() -> Any:
    """PostgreSQL: a view of each resource in an array, in one statement."""
    rows = select(
        func.unnest(bindparam("resource", type_=ARRAY(String))),
        value("day", VIEWS.c.day),
        value("shard", VIEWS.c.shard),
        literal(1),
    )
    add = postgres_insert(VIEWS).from_select(["resource_id", "day", "shard", "views"], rows)
    return add.on_conflict_do_update(
        index_elements=[VIEWS.c.resource_id, VIEWS.c.day, VIEWS.c.shard],
        set_={"views": VIEWS.c.views + 1},
    )


COUNT_VIEWS = Dialects(lambda: _count_view(sqlite_insert), _count_views)
"""Count a view of each resource (batched: one row per resource)."""


def _count_campaign(insert: Any) -> Any:
    """Add to one registered campaign's metric for a day."""
    rows = select(
        CAMPAIGNS.c.name,
        value("metric", COUNTS.c.metric),
        value("day", COUNTS.c.day),
        value("amount", COUNTS.c.count),
    ).where(CAMPAIGNS.c.name == bindparam("campaign"))
    add = insert(COUNTS).from_select(["campaign", "metric", "day", "count"], rows)
    return add.on_conflict_do_update(
        index_elements=[COUNTS.c.campaign, COUNTS.c.metric, COUNTS.c.day],
        set_={"count": COUNTS.c.count + add.excluded["count"]},
    )


def _count_campaigns() -> Any:
    """PostgreSQL: add to registered campaigns' metrics given as arrays, in one statement."""
    counted = (
        func.unnest(
            bindparam("campaign", type_=ARRAY(String)),
            bindparam("metric", type_=ARRAY(String)),
            bindparam("amount", type_=ARRAY(Integer)),
        )
        .table_valued("campaign", "metric", "amount")
        .render_derived(name="counted")
    )
    rows = select(
        CAMPAIGNS.c.name, counted.c.metric, value("day", COUNTS.c.day), counted.c.amount
    ).join_from(counted, CAMPAIGNS, CAMPAIGNS.c.name == counted.c.campaign)
    add = postgres_insert(COUNTS).from_select(["campaign", "metric", "day", "count"], rows)
    return add.on_conflict_do_update(
        index_elements=[COUNTS.c.campaign, COUNTS.c.metric, COUNTS.c.day],
        set_={"count": COUNTS.c.count + add.excluded["count"]},
    )


COUNT_CAMPAIGNS = Dialects(lambda: _count_campaign(sqlite_insert), _count_campaigns)
"""Add to registered campaigns' metrics for the day; an unregistered campaign counts nothing."""
MARK_START = both(
    lambda insert: (
        insert(STARTS)
        .values(marker=bindparam("marker"), day=bindparam("day"))
        .on_conflict_do_nothing(index_elements=[STARTS.c.marker])
    )
)
"""A person's start of a campaign today, kept as a keyed marker: a second one counts nothing."""
SET_LOCALE = both(
    lambda _: (
        update(USERS).values(locale=bindparam("locale")).where(USERS.c.id == bindparam("user"))
    )
)
DROP_REMINDER = both(lambda _: delete(REMINDERS).where(REMINDERS.c.user_id == bindparam("user")))


def _upsert_reminder(insert: Any) -> Any:
    """Set the user's reminder (chat, plan, next time, language), replacing one there."""
    add = insert(REMINDERS).values(
        user_id=bindparam("user"),
        chat=bindparam("chat"),
        plan=bindparam("plan"),
        next_at=bindparam("next_at"),
        language=bindparam("language"),
    )
    kept = ("chat", "plan", "next_at", "language")
    return add.on_conflict_do_update(
        index_elements=[REMINDERS.c.user_id], set_={c: add.excluded[c] for c in kept}
    )


UPSERT_REMINDER = both(_upsert_reminder)

# Memberships (joining, an employee id, completing a course, leaving).


def _join(insert: Any) -> Any:
    """Join an organization's department (again: move department, keep a completion)."""
    rows = select(
        value("user", MEMBERSHIPS.c.user_id),
        DEPARTMENTS.c.organization_id,
        DEPARTMENTS.c.id,
        value("now", MEMBERSHIPS.c.joined_at),
        value("completed", MEMBERSHIPS.c.completed_at),
    ).where(
        DEPARTMENTS.c.id == bindparam("department"),
        DEPARTMENTS.c.organization_id == bindparam("org"),
    )
    columns = ["user_id", "organization_id", "department_id", "joined_at", "completed_at"]
    add = insert(MEMBERSHIPS).from_select(columns, rows)
    return add.on_conflict_do_update(
        index_elements=[MEMBERSHIPS.c.user_id, MEMBERSHIPS.c.organization_id],
        set_={
            "department_id": add.excluded.department_id,
            "completed_at": func.coalesce(MEMBERSHIPS.c.completed_at, add.excluded.completed_at),
        },
    )


def _of_member(statement: Any) -> Any:
    """Restrict to the user's membership of one organization."""
    return statement.where(
        MEMBERSHIPS.c.user_id == bindparam("user"),
        MEMBERSHIPS.c.organization_id == bindparam("org"),
    )


JOIN = both(_join)
SET_EMPLOYEE_ID = both(
    lambda _: _of_member(update(MEMBERSHIPS).values(employee_id=bindparam("employee_id")))
)
COMPLETE = both(
    lambda _: (
        update(MEMBERSHIPS)
        .values(completed_at=bindparam("now"))
        .where(
            MEMBERSHIPS.c.user_id == bindparam("user"),
            MEMBERSHIPS.c.completed_at.is_(None),
            MEMBERSHIPS.c.organization_id.in_(
                select(ORGANIZATIONS.c.id).where(ORGANIZATIONS.c.course == bindparam("course"))
            ),
        )
    )
)
"""Record the first completion of a course in memberships that count it."""
LEAVE = both(lambda _: _of_member(delete(MEMBERSHIPS)))

# /forget: the user's row goes (and with it everything that cascades).


def _key_of_user() -> Any:
    """The keyed id of the user with the given id."""
    return select(USERS.c.user_key).where(USERS.c.id == bindparam("user")).scalar_subquery()


FORGET_CERTIFICATE_NAMES = both(
    lambda _: (
        update(CERTIFICATES)
        .values(name=None, user_id=None)
        .where(CERTIFICATES.c.user_id == bindparam("user"))
    )
)
FORGET_EXIT_MESSAGES = both(
    lambda _: delete(EXIT_MESSAGES).where(EXIT_MESSAGES.c.chat_key == _key_of_user())
)
FORGET_ORG_ADMIN = both(lambda _: delete(ORG_ADMINS).where(ORG_ADMINS.c.user_key == _key_of_user()))
"""/forget also ends the user's admin rights, which are kept under their keyed id."""
DELETE_USER = both(lambda _: delete(USERS).where(USERS.c.id == bindparam("user")))

# The web's page sessions: written with the update that changes them, read before it.


def _upsert_page(insert: Any) -> Any:
    """Store a page session under its keyed hash (made when new), last used now."""
    add = insert(PAGES).values(
        session_key=value("key", PAGES.c.session_key),
        keep=value("keep", PAGES.c.keep),
        history=value("history", PAGES.c.history),
        last_seen_at=value("now", PAGES.c.last_seen_at),
    )
    kept = ("keep", "history", "last_seen_at")
    return add.on_conflict_do_update(
        index_elements=[PAGES.c.session_key], set_={c: add.excluded[c] for c in kept}
    )


UPSERT_PAGE = both(_upsert_page)
"""Store a page session (see `_upsert_page`)."""
LOAD_PAGE = both(
    lambda _: select(PAGES.c.keep, PAGES.c.history, PAGES.c.last_seen_at).where(
        PAGES.c.session_key == bindparam("key")
    )
)
"""A page session's kept flag, sealed history and last use."""

# Beside updates: the outbox, reachability, exit's message ids.


def _insert_outbox(_: Any = None) -> Any:
    """Store an outbox entry (nothing sent, no attempt yet); return its id."""
    return (
        OUTBOX.insert()
        .values(
            platform=bindparam("platform"),
            payload=bindparam("payload"),
            sent=0,
            attempts=0,
            created_at=bindparam("now"),
            next_at=bindparam("next_at"),
            claimed_by=bindparam("claimed_by"),
            user_key=bindparam("user_key"),
        )
        .returning(OUTBOX.c.id)
    )


INSERT_OUTBOX = both(_insert_outbox)


def _state_with_outbox(state_write: Any) -> Any:
    """PostgreSQL: store an update's outbox entry and its state in one statement; return the
    entry's id, how many states were written (1, or 0 when the revision moved on) and whether
    the entry is its person's first: no earlier entry of theirs that has not failed (as
    AHEAD_OUTBOX reads them). The statement's snapshot was taken before its entry's id, so
    every entry it sees is earlier: no `id <` test, which would make PostgreSQL scan the
    primary key over the whole outbox. The state write locks the person's conversation row, so
    an update that raced this one on a stale snapshot writes no state and is rolled back."""
    entry = _insert_outbox().cte("entry")
    saved = state_write.returning(CONVERSATIONS.c.user_id).cte("saved")
    earlier = select(OUTBOX.c.id).where(
        OUTBOX.c.user_key == bindparam("user_key"), OUTBOX.c.attempts == 0
    )
    return select(
        entry.c.id,
        select(func.count()).select_from(saved).scalar_subquery().label("changed"),
        ~earlier.exists().label("first"),
    ).select_from(entry)


INSERT_STATE_WITH_OUTBOX = Dialects(
    None, lambda: _state_with_outbox(_insert_state(postgres_insert))
)
"""PostgreSQL: a new person's first state and the update's outbox entry (see
`_state_with_outbox`)."""
UPDATE_STATE_WITH_OUTBOX = Dialects(None, lambda: _state_with_outbox(_update_state(guarded=True)))
"""PostgreSQL: a person's next state and the update's outbox entry (see `_state_with_outbox`)."""
OUTBOX_ENTRY = (
    OUTBOX.c.id,
    OUTBOX.c.platform,
    OUTBOX.c.payload,
    OUTBOX.c.sent,
    OUTBOX.c.attempts,
    OUTBOX.c.created_at,
    OUTBOX.c.next_at,
    OUTBOX.c.claimed_by,
    OUTBOX.c.user_key,
)
"""The columns an outbox entry is read with."""
DUE_OUTBOX = both(
    lambda _: (
        select(*OUTBOX_ENTRY)
        .where(
            OUTBOX.c.platform == bindparam("platform"),
            or_(value("due", OUTBOX.c.next_at).is_(None), OUTBOX.c.next_at <= bindparam("due")),
        )
        .order_by(OUTBOX.c.id)
        .limit(bindparam("limit"))
    )
)
"""Up to `limit` entries of a platform due at `due` (all when None), oldest first."""


def _claim_outbox(insert: Any) -> Any:
    """Claim up to `limit` entries of a platform for `holder` until `until`: those due at
    `now`, and when `recover`, also those of `mine` (its own before a crash) and those nobody
    claimed (written before claims); on PostgreSQL, entries another worker is claiming are
    skipped, not waited for."""
    due = OUTBOX.c.next_at <= bindparam("now")
    own = or_(OUTBOX.c.claimed_by.is_(None), OUTBOX.c.claimed_by == bindparam("mine"))
    chosen = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.platform == bindparam("platform"),
            or_(due, and_(bindparam("recover", type_=Boolean), own)),
        )
        .order_by(OUTBOX.c.id)
        .limit(bindparam("limit"))
    )
    if insert is postgres_insert:
        chosen = chosen.with_for_update(skip_locked=True)
    return (
        update(OUTBOX)
        .values(claimed_by=bindparam("holder"), next_at=bindparam("until"))
        .where(OUTBOX.c.id.in_(chosen.scalar_subquery()))
        .returning(*OUTBOX_ENTRY)
    )


CLAIM_OUTBOX = both(_claim_outbox)
"""Claim entries for one worker (see `_claim_outbox`); the rows come back in no order."""


def claim_values(
    claim: OutboxClaim, stamp: Callable[[dt.datetime], Any] = lambda t: t
) -> dict[str, Any]:
    """Return CLAIM_OUTBOX's values for a claim, its times passed through `stamp`."""
    return {
        "platform": claim.platform, "holder": claim.holder, "mine": claim.holder,
        "now": stamp(claim.now), "until": stamp(claim.until), "limit": claim.limit,
        "recover": claim.recover,
    }  # fmt: skip


AHEAD_OUTBOX = both(
    lambda _: (
        select(*OUTBOX_ENTRY)
        .where(
            OUTBOX.c.user_key == bindparam("user_key"),
            OUTBOX.c.id < bindparam("id"),
            OUTBOX.c.attempts == 0,
        )
        .order_by(OUTBOX.c.id)
    )
)
"""One person's entries written before entry `id` that have not failed yet, oldest first."""


def _take_outbox(insert: Any) -> Any:
    """Claim entry `id` for `holder` until `until` when it is unclaimed, already the holder's,
    or its claim ended by `now`; on PostgreSQL the row is locked and the condition checked
    again, so two workers never both take it."""
    free = or_(
        OUTBOX.c.claimed_by.is_(None),
        OUTBOX.c.claimed_by == bindparam("mine"),
        OUTBOX.c.next_at <= bindparam("now"),
    )
    return (
        update(OUTBOX)
        .values(claimed_by=bindparam("holder"), next_at=bindparam("until"))
        .where(OUTBOX.c.id == bindparam("id"), free)
        .returning(*OUTBOX_ENTRY)
    )


TAKE_OUTBOX = both(_take_outbox)
OUTBOX_PROGRESS = both(
    lambda _: update(OUTBOX).values(sent=bindparam("sent")).where(OUTBOX.c.id == bindparam("id"))
)
OUTBOX_DONE = both(lambda _: delete(OUTBOX).where(OUTBOX.c.id == bindparam("id")))
OUTBOX_RETRY = both(
    lambda _: (
        update(OUTBOX)
        .values(attempts=bindparam("attempts"), next_at=bindparam("next_at"))
        .where(OUTBOX.c.id == bindparam("id"))
    )
)
SET_ACTIVE = both(
    lambda _: (
        update(USERS)
        .values(active=bindparam("active"))
        .where(USERS.c.user_key == bindparam("user_key"))
    )
)
RECORD_EXIT_MESSAGE = both(
    lambda insert: (
        insert(EXIT_MESSAGES)
        .from_select(
            ["chat_key", "message_id", "sent_at"],
            select(
                USERS.c.user_key,
                value("message_id", EXIT_MESSAGES.c.message_id),
                value("sent_at", EXIT_MESSAGES.c.sent_at),
            ).where(USERS.c.user_key == bindparam("chat_key")),
        )
        .on_conflict_do_nothing(
            index_elements=[EXIT_MESSAGES.c.chat_key, EXIT_MESSAGES.c.message_id]
        )
    )
)
"""Keep a message id under a chat key, only while the key is a stored user's."""


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of an update with its named values; a batched one with a row per item."""

    statement: Dialects
    values: Mapping[str, Any]
    rows: tuple[Mapping[str, Any], ...] = ()


Steps = Generator[Step, int, None]
"""Steps to run in order; each is sent back how many rows it changed."""


def state_values(user_id: int, loaded: Loaded, writes: Writes, now: Any) -> dict[str, Any]:
    """Return the values of an update's state write (INSERT_STATE's, or with `was` and
    `was_state`, the revision and state loaded, UPDATE_STATE's)."""
    state = json.dumps(writes.state, separators=(",", ":"))
    values = {"user": user_id, "new_revision": writes.revision, "state": state, "now": now}
    if loaded.revision is None:
        return values
    return {**values, "was": loaded.revision, "was_state": loaded.text}


def outbox_values(entry: OutboxRow, now: Any) -> dict[str, Any]:
    """Return the values of INSERT_OUTBOX for an entry written `now`."""
    return {
        "platform": entry.platform, "payload": entry.payload, "now": now,
        "next_at": entry.next_at, "claimed_by": entry.claimed_by, "user_key": entry.user_key,
    }  # fmt: skip


def state_with_outbox(
    user_id: int, loaded: Loaded, writes: Writes, now: Any
) -> tuple[Statement, dict[str, Any]] | None:
    """Return PostgreSQL's one statement writing an update's state and its outbox entry, with
    its values; None when the update writes not both (or forgets the person)."""
    if writes.state is None or writes.outbox is None or writes.forget:
        return None
    values = {**state_values(user_id, loaded, writes, now), **outbox_values(writes.outbox, now)}
    if loaded.revision is None:
        return INSERT_STATE_WITH_OUTBOX.postgres, values
    return UPDATE_STATE_WITH_OUTBOX.postgres, values


def update_steps(
    user_id: int,
    loaded: Loaded,
    writes: Writes,
    now: Any,
    day: Any,
    stamp: Callable[[dt.datetime], Any],
    *,
    state_written: bool = False,
) -> Steps:
    """Say what an update writes, for either driver (`now`, `day` and `stamp` give times as the
    driver stores them), leaving out the state when `state_written` (the caller wrote it with
    the outbox entry); raise StateConflict when the revision moved on."""
    user = {"user": user_id}
    if writes.page is not None:
        page = writes.page
        values = {"key": page.key, "keep": page.keep, "history": page.history, "now": now}
        yield Step(UPSERT_PAGE, values)
    if writes.forget:
        yield Step(FORGET_CERTIFICATE_NAMES, user)
        yield Step(FORGET_EXIT_MESSAGES, user)
        yield Step(FORGET_ORG_ADMIN, user)
        yield Step(DELETE_USER, user)
        return
    if writes.state is not None and not state_written:
        values = state_values(user_id, loaded, writes, now)
        changed = yield Step(INSERT_STATE if loaded.revision is None else UPDATE_STATE, values)
        if changed != 1:
            raise StateConflict
    for a in writes.answers:
        yield Step(
            INSERT_ANSWER,
            {
                "user": user_id,
                "tree": a.tree,
                "node": a.node,
                "option": a.option,
                "correct": a.correct,
                "now": now,
            },
        )
    if writes.views:
        rows = tuple({"resource": resource} for resource in writes.views)
        yield Step(COUNT_VIEWS, {"day": day, "shard": user_id % VIEW_SHARDS}, rows)
    counted = []
    for count in writes.campaign_counts:
        if count.once is None or (yield Step(MARK_START, {"marker": count.once, "day": day})) == 1:
            counted.append(
                {"campaign": count.campaign, "metric": count.metric, "amount": count.amount}
            )
    if counted:
        yield Step(COUNT_CAMPAIGNS, {"day": day}, tuple(counted))
    if writes.locale is not None:
        yield Step(SET_LOCALE, {"locale": writes.locale, "user": user_id})
    if writes.drop_reminder:
        yield Step(DROP_REMINDER, user)
    if writes.reminder is not None:
        r = writes.reminder
        yield Step(
            UPSERT_REMINDER,
            {
                "user": user_id,
                "chat": r.chat,
                "plan": json.dumps(r.plan),
                "next_at": stamp(r.next_at),
                "language": r.language,
            },
        )
    orgs = writes.orgs
    if orgs is None:
        return
    for join in orgs.joins:
        yield Step(
            JOIN,
            {
                "user": user_id,
                "now": now,
                "completed": now if join.completed else None,
                "department": join.department_id,
                "org": join.org_id,
            },
        )
    for typed in orgs.employee_ids:
        yield Step(
            SET_EMPLOYEE_ID,
            {"employee_id": typed.employee_id, "user": user_id, "org": typed.org_id},
        )
    for course in orgs.completed:
        yield Step(COMPLETE, {"now": now, "user": user_id, "course": course})
    for org_id in orgs.leaves:
        yield Step(LEAVE, {"user": user_id, "org": org_id})
