"""Forgetting: /forget names what it deletes (a member's record at each organization included)
and asks; then everything Beacon keeps about the user is deleted.

No partial choice: keeping an employer's record would keep the person's row, which retention
deletes after the configured days without use anyway; /leave is the way to remove only that."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import ForgetUser, Notice, Part, Screen, joined
from bot.core.membership import plain
from bot.core.navigation import Step, current, opener
from bot.core.screens import button
from bot.core.state import ConversationState

POSITION = builtin_at("forget")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the confirmation before deleting: each kind of thing deleted, for a member each
    organization's record and what that organization then no longer sees, what happens to a
    certificate; then Delete or Cancel."""
    rev = state.revision
    items = [texts.FORGET_ITEMS]
    for org in state.orgs:
        line = texts.FORGET_MEMBERSHIP_WITH_ID if org.asks_employee_id else texts.FORGET_MEMBERSHIP
        items.append(line.fill(org=plain(org.name)))
    parts: list[Part] = [texts.FORGET_CONFIRM, joined(items)]
    parts += [texts.FORGET_EMPLOYER.fill(org=plain(org.name)) for org in state.orgs]
    parts += [texts.FORGET_CERTIFICATE, texts.FORGET_FINAL]
    rows = (
        (button(texts.FORGET_YES, rev, Op.FORGET),),
        (button(texts.FORGET_CANCEL, rev, Op.BACK),),
    )
    return Screen(POSITION, tuple(parts), rows)


def forget(state: ConversationState) -> Step:
    """Delete everything about the user and say so; the next message starts afresh."""
    return Step(
        ConversationState(revision=state.revision + 1), (ForgetUser(), Notice(texts.FORGET_DONE))
    )


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Forget the user when the confirmation is tapped."""
    if current(content, state) != POSITION or cb.op is not Op.FORGET:
        return None
    return forget(state)


BUILTIN = Builtin(
    POSITION,
    render,
    tap,
    ops=frozenset({Op.FORGET}),
    commands=(ChatCommand("forget", 60, texts.COMMAND_FORGET, opener(POSITION)),),
)
