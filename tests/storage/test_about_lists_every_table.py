""" "What Beacon keeps" (About) names every kind of thing stored about a person: each table of
the schema is either named there or declared to hold nothing about anyone, and a table that
points at a user (or holds a keyed user or chat id) can never be declared so."""

from __future__ import annotations

from sqlalchemy import Table

from bot.content.bundle import Content
from bot.content.models import MessageNode
from bot.storage.tables import metadata

ABOUT = ("main", "about_keeps")
NAMED_ON_ABOUT = {
    "users": ("pseudonymous key", "first and last used Beacon", "whether you blocked it"),
    "conversations": (
        "your language choice",
        "the area you chose",
        "where you are in a conversation",
        "what is due for a refresher",
    ),
    "quiz_answers": ("your quiz answers",),
    "reminders": ("your chat number, encrypted", "the days and hour"),
    "certificates": ("ask for a certificate", "the name you choose"),
    "memberships": ("join an organization", "the employee id you type", "until you leave"),
    "org_admins": ("manage an organization's training",),
    "exit_messages": ("numbers of this chat's messages",),
    "outbox": ("replies not yet delivered, sealed",),
    "campaign_starts": ("opened a poster's link",),
    "web_sessions": ("only on the web page", "the page's conversation, sealed"),
    "resource_view_counts": ("anonymous counts",),
    "campaign_counts": ("anonymous counts",),
}
"""Each table holding something about a person (or counts), and the words that name it."""
ABOUT_NO_ONE = {
    "processed_updates": "handled update ids, linked to no user",
    "organizations": "employers as set up by an operator",
    "departments": "an employer's departments and join codes",
    "campaigns": "posters' deep links",
    "beacon_meta": "the fingerprint of the user-key secret",
    "job_leases": "which worker runs each background job, and until when",
}
"""Tables that hold nothing about any person, and why."""
USER_COLUMNS = frozenset({"user_key", "chat_key"})
"""Columns that hold a person's keyed id."""


def points_at_a_person(table: Table) -> bool:
    """Say whether a table references users or holds a keyed user or chat id."""
    linked = any(fk.column.table.name == "users" for fk in table.foreign_keys)
    return linked or table.name == "users" or bool(USER_COLUMNS & set(table.columns.keys()))


def test_every_table_is_named_on_about_or_about_no_one(content: Content) -> None:
    """A new table fails here until it is named on "What Beacon keeps" or declared about no one."""
    tables = set(metadata.tables)
    assert tables == set(NAMED_ON_ABOUT) | set(ABOUT_NO_ONE), (
        f"unclassified: {sorted(tables - set(NAMED_ON_ABOUT) - set(ABOUT_NO_ONE))}"
    )
    assert not set(NAMED_ON_ABOUT) & set(ABOUT_NO_ONE)


def test_no_table_about_a_person_is_declared_about_no_one() -> None:
    """A table linked to a user (or keyed by a person) must be named on About."""
    about_someone = {t.name for t in metadata.tables.values() if points_at_a_person(t)}
    assert about_someone & set(ABOUT_NO_ONE) == set()
    assert {"users", "memberships", "org_admins", "exit_messages"} <= about_someone


def test_about_names_each_kind_and_how_long(content: Content) -> None:
    """Each table's words appear on the About screen, with how long things are kept."""
    node = content.node(*ABOUT)
    assert isinstance(node, MessageNode)
    missing = [
        f"{table}: {words!r}"
        for table, phrases in NAMED_ON_ABOUT.items()
        for words in phrases
        if words not in node.text
    ]
    assert missing == []
    for how_long in ("180 days", "48 hours", "at most 2 days", "until the end of the day"):
        assert how_long in node.text
