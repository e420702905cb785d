"""Organizations a user joined: their courses, the employee id and its format, the course's
"Change your employee id" and "Leave" buttons.

The screens (join, employee id, leave) are built-ins in bot/core/builtins."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.effects import Button, Msg
from bot.core.events import JoinOffer
from bot.core.state import ConversationState, OrgLink, Position

if TYPE_CHECKING:
    import sre_constants as constants
    import sre_parse as parser
else:  # the same modules, without the deprecation warning of their old names
    from re import _constants as constants
    from re import _parser as parser

EMPLOYEE_ID_LIMIT = 40
EMPLOYEE_ID_WORDS = 3
"""The most space-separated parts an employee id may have: more reads as a sentence, which
Beacon does not keep."""
ID_PATTERN_LIMIT = 60
"""The longest id format an organization may set (a regular expression)."""
ID_PATTERN_REPEATS = 3
"""The most variable-length repeats (`*`, `+`, `{2,5}`) an id format may use."""
_SINGLE = frozenset({constants.LITERAL, constants.NOT_LITERAL, constants.ANY, constants.IN})
"""What a repeat may repeat: one character of a set, so matching never backtracks
exponentially."""
_REPEATS = frozenset({constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT})


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
    link = OrgLink(
        offer.org_id,
        offer.org,
        offer.course,
        offer.asks_employee_id,
        offer.id_pattern,
        offer.id_example,
    )
    return (*kept, link)


def employee_id_rows(state: ConversationState, course: Position) -> list[tuple[Button, ...]]:
    """Return a "Change your employee id" button for each organization that counts this
    course and asks for an id."""
    return [
        (
            _button(
                texts.EMPLOYEE_ID_OPEN.fill(org=plain(o.name)),
                state.revision,
                Op.EMPLOYEE_ID,
                str(o.org_id),
            ),
        )
        for o in state.orgs
        if o.asks_employee_id and Position.parse(o.course, "learn") == course
    ]


def clean_employee_id(text: str) -> str | None:
    """Return a typed employee id on one line with spaces collapsed, or None when it is empty
    or longer than the limit."""
    value = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return value if 0 < len(value) <= EMPLOYEE_ID_LIMIT else None


def _items(pattern: parser.SubPattern) -> list[tuple[Any, Any]]:
    """Return every item of a parsed pattern, groups and branches opened, outermost first."""
    out: list[tuple[Any, Any]] = []
    data: list[tuple[Any, Any]] = list(pattern.data)
    for op, arg in data:
        out.append((op, arg))
        if op in _REPEATS:
            out += _items(arg[2])
        elif op is constants.SUBPATTERN:
            out += _items(arg[3])
        elif op is constants.BRANCH:
            for branch in arg[1]:
                out += _items(branch)
    return out


def id_pattern_problem(pattern: str) -> str | None:
    """Return why an organization's employee id format cannot be used, or None: it must be a
    regular expression of at most 60 characters whose repeats each repeat one character (a
    set such as `\\d` or `[A-Z]`), at most 3 of them of variable length, with no
    backreference or lookaround; so matching a 40-character id is always quick."""
    if not pattern or len(pattern) > ID_PATTERN_LIMIT:
        return f"the id pattern must be 1-{ID_PATTERN_LIMIT} characters"
    try:
        parsed = parser.parse(pattern)
    except re.error as err:
        return f"the id pattern is not a valid regular expression ({err})"
    items = _items(parsed)
    if any(op in (constants.GROUPREF, constants.GROUPREF_EXISTS) for op, _ in items):
        return "the id pattern may not refer back to a group"
    if any(op in (constants.ASSERT, constants.ASSERT_NOT) for op, _ in items):
        return "the id pattern may not look ahead or behind"
    repeats = [arg for op, arg in items if op in _REPEATS]
    if any(op not in _SINGLE for low, high, body in repeats for op, _ in body):
        return "each repeat in the id pattern must repeat one character (e.g. \\d{6})"
    if sum(low != high for low, high, _ in repeats) > ID_PATTERN_REPEATS:
        return f"the id pattern may have at most {ID_PATTERN_REPEATS} repeats of variable length"
    return None


def fits_id_pattern(pattern: str, value: str) -> bool:
    """Say whether a cleaned employee id fits an organization's format (the whole id must
    match; with no format, any id of at most three words fits)."""
    if len(value.split()) > EMPLOYEE_ID_WORDS:
        return False
    return not pattern or re.fullmatch(pattern, value) is not None
