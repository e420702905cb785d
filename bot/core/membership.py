"""Joining an employer's organization: the consent screen, the employee id, and leaving.

The consent screen says exactly what the employer will see: whether the member completed the
course, the date and the certificate code, and the employee id if the organization asks for one;
nothing else."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.effects import Button, Msg, Screen
from bot.core.events import JoinOffer
from bot.core.state import ConversationState, OrgLink, Position

JOIN_SCREEN = Position("_", "join")
EMPLOYEE_ID_SCREEN = Position("_", "employee_id")
"""Asks for the employee id an organization wants; with the certificate name, the only
screens where typed text is used."""
LEAVE_SCREEN = Position("_", "leave")
MEMBERSHIP_SCREENS = (JOIN_SCREEN, EMPLOYEE_ID_SCREEN, LEAVE_SCREEN)
EMPLOYEE_ID_LIMIT = 40


def _button(label: Msg, revision: int, op: Op, arg: str = "") -> Button:
    """Return a button whose callback carries the revision it was drawn for."""
    return Button(label, encode(Callback(revision, op, arg)))


def _nav(state: ConversationState) -> tuple[Button, ...]:
    """Return Back and Home."""
    return (
        _button(texts.BACK, state.revision, Op.BACK),
        _button(texts.HOME, state.revision, Op.HOME),
    )


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


def join_screen(content: Content, state: ConversationState) -> Screen:
    """Return the consent screen for the pending offer."""
    offer = state.offer
    rev = state.revision
    if offer is None:
        return Screen(JOIN_SCREEN, (texts.NOT_A_MEMBER,), (_nav(state),))
    consent = texts.JOIN_CONSENT_WITH_ID if offer.asks_employee_id else texts.JOIN_CONSENT
    text = consent.fill(
        org=plain(offer.org),
        department=plain(offer.department),
        course=course_title(content, offer.course),
    )
    rows = (
        (_button(texts.JOIN_YES, rev, Op.JOIN, "yes"), _button(texts.JOIN_NO, rev, Op.JOIN, "no")),
    )
    return Screen(JOIN_SCREEN, (text,), rows)


def employee_id_screen(state: ConversationState) -> Screen:
    """Return the question for the employee id."""
    org = plain(state.offer.org if state.offer else "")
    return Screen(EMPLOYEE_ID_SCREEN, (texts.EMPLOYEE_ID_ASK.fill(org=org),), (_nav(state),))


def leave_screen(state: ConversationState) -> Screen:
    """Return the confirmation before leaving: one button per organization joined."""
    rev = state.revision
    if not state.orgs:
        return Screen(LEAVE_SCREEN, (texts.NOT_A_MEMBER,), (_nav(state),))
    parts = tuple(texts.LEAVE_CONFIRM.fill(org=plain(o.name)) for o in state.orgs)
    rows = tuple(
        (_button(texts.LEAVE_YES.fill(org=plain(o.name)), rev, Op.LEAVE, str(o.org_id)),)
        for o in state.orgs
    )
    return Screen(LEAVE_SCREEN, parts, (*rows, _nav(state)))


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
