"""Organizations a user joined: their courses, the employee id, the course's "Leave" buttons.

The screens (join, employee id, leave) are built-ins in bot/core/builtins."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.effects import Button, Msg
from bot.core.events import JoinOffer
from bot.core.state import ConversationState, OrgLink, Position

EMPLOYEE_ID_LIMIT = 40


def _button(label: Msg, revision: int, op: Op, arg: str = "") -> Button:
    """Return a button whose callback carries the revision it was drawn for."""
    return Button(label, encode(Callback(revision, op, arg)))


def plain(value: str) -> Msg:
    """Return a name shown as it is (an organization's or a department's)."""
    return Msg("", value, translate=False)


def course_title(content: Content, course: str) -> Msg:
    """Return a course's title as a translatable text (its ref when it is not a course)."""
    pos = Position.parse(course, "learn")
    node = content.node(pos.tree, pos.node)
    return Msg(f"{pos}:title", node.title) if isinstance(node, CourseNode) else plain(course)


def course_of(content: Content, course: str) -> tuple[Position, CourseNode] | None:
    """Return where a course ref points, if it is a course."""
    pos = Position.parse(course, "learn")
    node = content.node(pos.tree, pos.node)
    return (pos, node) if isinstance(node, CourseNode) else None


def course_position(content: Content, course: str) -> Position:
    """Return where an organization's course opens (the `learn` entry if it is not a course)."""
    found = course_of(content, course)
    return found[0] if found else content.entry("learn")


def leave_rows(state: ConversationState, course: Position) -> list[tuple[Button, ...]]:
    """Return a "Leave <org>" button for each organization that counts this course."""
    return [
        (_button(texts.LEAVE_OPEN.fill(org=plain(o.name)), state.revision, Op.LEAVE),)
        for o in state.orgs
        if Position.parse(o.course, "learn") == course
    ]


def joined_orgs(state: ConversationState, offer: JoinOffer) -> tuple[OrgLink, ...]:
    """Return the user's organizations with the offered one added (or its department moved)."""
    kept = tuple(o for o in state.orgs if o.org_id != offer.org_id)
    return (*kept, OrgLink(offer.org_id, offer.org, offer.course))


def clean_employee_id(text: str) -> str | None:
    """Return a typed employee id on one line with spaces collapsed, or None when it is empty
    or longer than the limit."""
    value = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return value if 0 < len(value) <= EMPLOYEE_ID_LIMIT else None
