"""Joining an employer's organization: the consent screen a join link opens.

It says exactly what the employer will see: whether the member completed the course, the date
and the certificate code, and the employee id if the organization asks for one; nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins import employee_id
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.codec import Callback, Op
from bot.core.course import completed
from bot.core.effects import Effect, JoinOrg, Notice, Screen
from bot.core.events import JoinOffer
from bot.core.membership import course_of, course_position, course_title, joined_orgs, plain
from bot.core.navigation import Step, arrive, current, go_home
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("join")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the consent screen for the pending offer."""
    offer = state.offer
    rev = state.revision
    if offer is None:
        return Screen(POSITION, (texts.NOT_A_MEMBER,), (back_home(rev),))
    consent = texts.JOIN_CONSENT_WITH_ID if offer.asks_employee_id else texts.JOIN_CONSENT
    text = consent.fill(
        org=plain(offer.org),
        department=plain(offer.department),
        course=course_title(content, offer.course),
    )
    rows = (
        (button(texts.JOIN_YES, rev, Op.JOIN, "yes"), button(texts.JOIN_NO, rev, Op.JOIN, "no")),
    )
    return Screen(POSITION, (text,), rows)


def offered(content: Content, state: ConversationState, offer: JoinOffer) -> Step:
    """Show the consent screen for an offer to join a department."""
    fresh = replace(state, history=(), offer=offer)
    return arrive(content, fresh, POSITION, remember=False)


def on_join(content: Content, state: ConversationState, arg: str) -> Step | None:
    """Join the offered department (then ask the employee id, or open the course), or not."""
    offer = state.offer
    if offer is None or arg not in ("yes", "no"):
        return None
    if arg == "no":
        return go_home(content, replace(state, offer=None))
    found = course_of(content, offer.course)
    done = found is not None and completed(state, found[1])
    joining: tuple[Effect, ...] = (
        JoinOrg(offer.org_id, offer.department_id, done),
        Notice(texts.JOINED.fill(org=plain(offer.org), department=plain(offer.department))),
    )
    member = replace(state, orgs=joined_orgs(state, offer), offer=None)
    if offer.asks_employee_id:
        asking = replace(member, id_for=offer.org_id)
        step = arrive(content, asking, employee_id.POSITION, remember=False)
    else:
        step = arrive(content, member, course_position(content, offer.course))
    return Step(step.state, (*joining, *step.effects))


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Join or decline on the consent screen."""
    if current(content, state) != POSITION or cb.op is not Op.JOIN:
        return None
    return on_join(content, state, cb.arg)


BUILTIN = Builtin(POSITION, render, tap, ops=frozenset({Op.JOIN}))
