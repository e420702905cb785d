"""The refresher: questions due for review, opened from the course, asked one after another."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.core import texts
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import Button, Part, Screen
from bot.core.navigation import Step, arrive, current
from bot.core.refresh import due, next_due
from bot.core.screens import back_home, button
from bot.core.state import ConversationState, Position

POSITION = builtin_at("refresh")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the refresher screen: how many questions are due, or when the next one is."""
    rev = state.revision
    rows: list[tuple[Button, ...]] = []
    upcoming = next_due(state.cards)
    if state.queue:
        parts: tuple[Part, ...] = (texts.REFRESH_DUE.fill(count=len(state.queue)),)
        rows.append((button(texts.REFRESH_START, rev, Op.NEXT),))
    elif upcoming is not None:
        parts = (texts.REFRESH_NEXT.fill(date=upcoming.date()),)
    else:
        parts = (texts.REFRESH_NONE,)
    rows.append(back_home(rev))
    return Screen(POSITION, parts, tuple(rows))


def start_refresh(content: Content, state: ConversationState, now: dt.datetime) -> Step:
    """Open the refresher screen with the questions due now queued, longest overdue first."""
    queue = tuple(
        Position(c.tree, c.node)
        for c in due(state.cards, now)
        if isinstance(content.node(c.tree, c.node), QuizQuestionNode)
    )
    return arrive(content, replace(state, queue=queue), POSITION)


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Start the queued questions."""
    if current(content, state) != POSITION or cb.op is not Op.NEXT or not state.queue:
        return None
    return arrive(content, state, state.queue[0])


BUILTIN = Builtin(POSITION, render, tap, keeps_queue=True)
