"""The employee id an organization asks for: typed after joining (or from the course screen's
button), checked against the organization's format, shown back to confirm; kept only with the
membership, never in the conversation state."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import Msg, Notice, Screen, SetEmployeeId, Show
from bot.core.membership import clean_employee_id, course_position, fits_id_pattern, plain
from bot.core.navigation import Step, arrive, current, go_home, redisplay
from bot.core.screens import back_home, button
from bot.core.state import ConversationState, OrgLink

POSITION = builtin_at("employee_id")
CHECK_POSITION = builtin_at("employee_id_check")
"""The screen that shows a typed id back: "Right?" with Yes and Change."""
ID_SCREENS = frozenset({POSITION, CHECK_POSITION})


def render(content: Content, state: ConversationState) -> Screen:
    """Return the question for the employee id (with the organization's example, if any)."""
    link = state.org(state.id_for)
    if link is None:
        return Screen(POSITION, (texts.NOT_A_MEMBER,), (back_home(state.revision),))
    parts: tuple[Msg, ...] = (texts.EMPLOYEE_ID_ASK.fill(org=plain(link.name)),)
    if link.id_example:
        parts += (texts.EMPLOYEE_ID_LOOKS_LIKE.fill(example=plain(link.id_example)),)
    return Screen(POSITION, parts, (back_home(state.revision),))


def check_screen(state: ConversationState, typed: str | None = None) -> Screen:
    """Return the confirmation of a typed id: the id itself right after it was typed; shown
    again later (the id is not kept in the state), the question without it."""
    link = state.org(state.id_for)
    rev = state.revision
    if link is None:
        return Screen(CHECK_POSITION, (texts.NOT_A_MEMBER,), (back_home(rev),))
    org = plain(link.name)
    if typed is None:
        text = texts.EMPLOYEE_ID_CONFIRM_AGAIN.fill(org=org)
    else:
        text = texts.EMPLOYEE_ID_CONFIRM.fill(org=org, employee_id=plain(typed))
    rows = (
        (
            button(texts.EMPLOYEE_ID_RIGHT, rev, Op.EMPLOYEE_ID, "ok"),
            button(texts.EMPLOYEE_ID_CHANGE, rev, Op.EMPLOYEE_ID, "change"),
        ),
    )
    return Screen(CHECK_POSITION, (text,), rows)


def render_check(content: Content, state: ConversationState) -> Screen:
    """Return the confirmation screen as it is shown again (without the id)."""
    return check_screen(state)


def mismatch(link: OrgLink) -> Notice:
    """Return the kind answer to an id that does not fit the organization's format."""
    org = plain(link.name)
    if link.id_example:
        return Notice(texts.EMPLOYEE_ID_MISMATCH.fill(org=org, example=plain(link.id_example)))
    return Notice(texts.EMPLOYEE_ID_MISMATCH_NO_EXAMPLE.fill(org=org))


def on_employee_id(content: Content, state: ConversationState, text: str) -> Step:
    """Keep a typed id that fits with the membership and show it back to confirm; ask again,
    kindly, for one that is empty, too long or not in the organization's format."""
    link = state.org(state.id_for)
    if link is None:
        return go_home(content, replace(state, id_for=None))
    value = clean_employee_id(text)
    if value is None:
        return redisplay(content, state, Notice(texts.EMPLOYEE_ID_BAD))
    if not fits_id_pattern(link.id_pattern, value):
        return redisplay(content, state, mismatch(link))
    step = arrive(content, state, CHECK_POSITION, remember=False)
    shown = tuple(
        Show(check_screen(step.state, value)) if isinstance(e, Show) else e for e in step.effects
    )
    return Step(step.state, (SetEmployeeId(link.org_id, value), *shown))


def confirmed(content: Content, state: ConversationState) -> Step:
    """Thank the member and open the organization's course (Back then leaves the id screens)."""
    link = state.org(state.id_for)
    if link is None:
        return go_home(content, replace(state, id_for=None))
    course = course_position(content, link.course)
    history = tuple(p for p in state.history if p not in ID_SCREENS)
    if history[-1:] == (course,):
        history = history[:-1]
    done = replace(state, history=history, id_for=None)
    step = arrive(content, done, course, remember=False)
    return Step(
        step.state, (Notice(texts.EMPLOYEE_ID_SAVED.fill(org=plain(link.name))), *step.effects)
    )


def change_from_course(content: Content, state: ConversationState, arg: str) -> Step | None:
    """Ask for the id of the organization a course screen's button names."""
    pos = current(content, state)
    link = next((o for o in state.orgs if str(o.org_id) == arg), None)
    if not isinstance(content.node(pos.tree, pos.node), CourseNode) or link is None:
        return None
    if not link.asks_employee_id:
        return None
    return arrive(content, replace(state, id_for=link.org_id), POSITION)


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """On the confirmation, go on (Right) or type it again (Change); on a course screen, open
    the question for the organization the button names."""
    if cb.op is not Op.EMPLOYEE_ID:
        return None
    if current(content, state) == CHECK_POSITION:
        if cb.arg == "ok":
            return confirmed(content, state)
        if cb.arg == "change":
            return arrive(content, state, POSITION, remember=False)
        return None
    return change_from_course(content, state, cb.arg)


BUILTIN = Builtin(POSITION, render, tap, ops=frozenset({Op.EMPLOYEE_ID}), text=on_employee_id)
