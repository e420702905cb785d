"""Leaving an organization: /leave or the course's "Leave" button asks which, then leaves it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import LeaveOrg, Notice, Screen
from bot.core.membership import plain
from bot.core.navigation import Step, arrive, current, go_back, redisplay
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("leave")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the confirmation before leaving: one button per organization joined."""
    rev = state.revision
    if not state.orgs:
        return Screen(POSITION, (texts.NOT_A_MEMBER,), (back_home(rev),))
    parts = tuple(texts.LEAVE_CONFIRM.fill(org=plain(o.name)) for o in state.orgs)
    rows = tuple(
        (button(texts.LEAVE_YES.fill(org=plain(o.name)), rev, Op.LEAVE, str(o.org_id)),)
        for o in state.orgs
    )
    return Screen(POSITION, parts, (*rows, back_home(rev)))


def on_leave(content: Content, state: ConversationState, arg: str) -> Step | None:
    """Leave the organization a confirmation button names, then go back."""
    leaving = next((o for o in state.orgs if str(o.org_id) == arg), None)
    if leaving is None:
        return None
    rest = replace(state, orgs=tuple(o for o in state.orgs if o is not leaving))
    back = go_back(content, rest)
    left = (LeaveOrg(leaving.org_id), Notice(texts.LEFT.fill(org=plain(leaving.name))))
    return Step(back.state, (*left, *back.effects))


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Leave the named organization here; open this screen from the course's "Leave" button."""
    if cb.op is not Op.LEAVE:
        return None
    pos = current(content, state)
    if pos == POSITION:
        return on_leave(content, state, cb.arg)
    if isinstance(content.node(pos.tree, pos.node), CourseNode) and state.orgs:
        return arrive(content, state, POSITION)
    return None


def command(content: Content, state: ConversationState) -> Step:
    """Open the screen for a member; tell anyone else they are in no organization."""
    if state.orgs:
        return arrive(content, state, POSITION)
    return redisplay(content, state, Notice(texts.NOT_A_MEMBER))


BUILTIN = Builtin(
    POSITION,
    render,
    tap,
    ops=frozenset({Op.LEAVE}),
    commands=(ChatCommand("leave", 100, run=command),),
)
