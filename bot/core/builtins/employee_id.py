"""The employee id an organization asks for after joining; typed text, kept with the membership."""

from __future__ import annotations

from dataclasses import replace

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.effects import Notice, Screen, SetEmployeeId
from bot.core.membership import clean_employee_id, course_position, plain
from bot.core.navigation import Step, arrive, go_home, redisplay
from bot.core.screens import back_home
from bot.core.state import ConversationState

POSITION = builtin_at("employee_id")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the question for the employee id."""
    org = plain(state.offer.org if state.offer else "")
    parts = (texts.EMPLOYEE_ID_ASK.fill(org=org),)
    return Screen(POSITION, parts, (back_home(state.revision),))


def on_employee_id(content: Content, state: ConversationState, text: str) -> Step:
    """Keep the typed employee id with the membership, then open the course; or ask again."""
    offer = state.offer
    value = clean_employee_id(text)
    if offer is None:
        return go_home(content, state)
    if value is None:
        return redisplay(content, state, Notice(texts.EMPLOYEE_ID_BAD))
    saved = (
        SetEmployeeId(offer.org_id, value),
        Notice(texts.EMPLOYEE_ID_SAVED.fill(org=plain(offer.org))),
    )
    step = arrive(content, replace(state, offer=None), course_position(content, offer.course))
    return Step(step.state, (*saved, *step.effects))


BUILTIN = Builtin(POSITION, render, text=on_employee_id)
