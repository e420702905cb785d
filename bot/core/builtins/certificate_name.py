"""The name on a certificate: asked when a finished course's certificate is taken; typed text."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import CourseNode, QuizResultNode
from bot.core import texts
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.codec import Callback, Op
from bot.core.course import completed, finishing
from bot.core.effects import IssueCertificate, Msg, Notice, Screen
from bot.core.navigation import Step, arrive, current, go_home, redisplay
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("certificate_name")
NAME_LIMIT = 60


def render(content: Content, state: ConversationState) -> Screen:
    """Return the question for the certificate's name: type it, or take none."""
    rev = state.revision
    rows = ((button(texts.CERTIFICATE_NO_NAME, rev, Op.CERTIFICATE, "none"),), back_home(rev))
    return Screen(POSITION, (texts.CERTIFICATE_ASK,), rows)


def clean_name(text: str) -> str:
    """Return a typed name with control characters dropped and spaces collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def issue(content: Content, state: ConversationState, name: str) -> Step:
    """Issue the certificate of the course the learner came from, then show that course."""
    course = state.history[-1] if state.history else content.entry("learn")
    node = content.node(course.tree, course.node)
    if not isinstance(node, CourseNode) or not completed(state, node):
        return go_home(content, state)
    title = Msg(f"{course}:title", node.title)
    back = arrive(content, replace(state, history=state.history[:-1]), course, remember=False)
    return Step(back.state, (IssueCertificate(str(course), title, name), *back.effects))


def on_name(content: Content, state: ConversationState, text: str) -> Step:
    """Take a typed name for the certificate (kept only with it), or ask again if too long."""
    name = clean_name(text)
    if len(name) > NAME_LIMIT or not name:
        return redisplay(content, state, Notice(texts.CERTIFICATE_NAME_TOO_LONG))
    return issue(content, state, name)


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Issue without a name here; ask for the name from a finished course's button (on the
    course, or on the result of the final check that finished it)."""
    if cb.op is not Op.CERTIFICATE:
        return None
    pos = current(content, state)
    if pos == POSITION:
        return issue(content, state, "")
    node = content.node(pos.tree, pos.node)
    if isinstance(node, CourseNode) and completed(state, node):
        return arrive(content, state, POSITION)
    done = finishing(content, state, pos.tree) if isinstance(node, QuizResultNode) else None
    if done is not None:  # the final check's result: asked from its course, as from there
        return arrive(content, state.moved(done[0]), POSITION)
    return None


BUILTIN = Builtin(POSITION, render, tap, ops=frozenset({Op.CERTIFICATE}), text=on_name)
