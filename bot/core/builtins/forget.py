"""Forgetting: /forget asks to confirm, then everything Beacon keeps about the user is deleted."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import ForgetUser, Notice, Screen
from bot.core.navigation import Step, current, opener
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("forget")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the confirmation before deleting everything about the user."""
    rows = ((button(texts.FORGET_YES, state.revision, Op.FORGET),), back_home(state.revision))
    return Screen(POSITION, (texts.FORGET_CONFIRM,), rows)


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
