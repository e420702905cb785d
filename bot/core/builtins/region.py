"""The place questions of the report side: a country (a content place node), then its region."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import PlaceNode
from bot.core import texts
from bot.core.builtins.base import Builtin, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import Button, Part, Screen
from bot.core.navigation import Step, arrive, current, follow, go_home
from bot.core.places import from_arg, known, region_name, to_arg
from bot.core.screens import back_home, button, emergency_line, place_of
from bot.core.state import ConversationState, Position

POSITION = builtin_at("region")
"""Asks for the state or region within the chosen country; part of the report side."""


def render(content: Content, state: ConversationState) -> Screen:
    """Return the regions of the chosen country that have channels, then "somewhere else"."""
    rev = state.revision
    country = content.country(place_of(content, state))
    rows: list[tuple[Button, ...]] = []
    parts: tuple[Part, ...] = (emergency_line(content, state),)
    if country is not None:
        parts = (*parts, texts.REGION_PROMPT)
        rows.extend(
            (button(region_name(r), rev, Op.PLACE, to_arg(r.code)),) for r in country.regions
        )
        rows.append((button(texts.REGION_ELSEWHERE, rev, Op.PLACE, country.code),))
    rows.append((*back_home(rev), button(texts.EXIT, rev, Op.EXIT)))
    return Screen(POSITION, parts, tuple(rows))


def on_place(
    content: Content, state: ConversationState, pos: Position, node: PlaceNode, arg: str
) -> Step | None:
    """Act on a country button: "another country", the same place as before, a country with
    regions (ask which), or a place to show channels for."""
    if not arg:
        return follow(content, state, pos, node.elsewhere)
    code = state.place if arg == "same" else from_arg(arg)
    if code is None or not known(content, code):
        return None
    country = content.country(code)
    if arg != "same" and country is not None and country.regions and code == country.code:
        return arrive(content, replace(state, place=code), POSITION)
    return follow(content, replace(state, place=code), pos, node.next)


def placed(content: Content, state: ConversationState, code: str) -> Step | None:
    """Set the place chosen on the region screen and go on from the place question before it."""
    if not known(content, code) or content.country(code) != content.country(state.place or ""):
        return None
    asked = state.history[-1] if state.history else None
    node = content.node(asked.tree, asked.node) if asked else None
    if asked is None or not isinstance(node, PlaceNode):
        return go_home(content, replace(state, place=code))
    back = replace(state, place=code, history=state.history[:-1])
    return follow(content, back.moved(asked, remember=False), asked, node.next)


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Act on a place button: a region here, or a country on a place question."""
    if cb.op is not Op.PLACE:
        return None
    pos = current(content, state)
    if pos == POSITION:
        return placed(content, state, from_arg(cb.arg))
    node = content.node(pos.tree, pos.node)
    if isinstance(node, PlaceNode):
        return on_place(content, state, pos, node, cb.arg)
    return None


BUILTIN = Builtin(POSITION, render, tap, ops=frozenset({Op.PLACE}))
