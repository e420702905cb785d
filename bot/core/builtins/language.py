"""The language menu: each shipped language by its own name; /language and `@language` open it."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import Msg, Screen, SetLocale
from bot.core.navigation import Step, current, go_back, opener
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("language")


def render(content: Content, state: ConversationState) -> Screen:
    """Return the language menu: each language by its own name, unreviewed ones marked."""
    rows = []
    for lang in content.languages:
        label = Msg("", lang.name, translate=False)
        if not lang.reviewed:
            label = texts.LANGUAGE_UNREVIEWED.fill(name=lang.name)
        rows.append((button(label, state.revision, Op.LANGUAGE, lang.code),))
    return Screen(POSITION, (texts.LANGUAGE_PROMPT,), (*rows, back_home(state.revision)))


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Switch to the tapped language, then go back to where the menu was opened from."""
    if current(content, state) != POSITION or cb.op is not Op.LANGUAGE:
        return None
    if content.language(cb.arg) is None:
        return None
    back = go_back(content, state)
    return Step(back.state, (SetLocale(cb.arg), *back.effects))


BUILTIN = Builtin(
    POSITION,
    render,
    tap,
    ops=frozenset({Op.LANGUAGE}),
    commands=(ChatCommand("language", 40, texts.COMMAND_LANGUAGE, opener(POSITION)),),
)
