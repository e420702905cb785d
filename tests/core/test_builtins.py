"""Built-in screens and commands: every op has one owner, every command parses and runs, every
built-in screen renders with buttons it or navigation interprets."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot.content.bundle import Content
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.builtins.registry import REGISTRY, Registry
from bot.core.codec import Callback, Op, decode
from bot.core.commands import COMMANDS, MENU, gathered
from bot.core.effects import Show
from bot.core.engine import step
from bot.core.events import Command, JoinOffer, Start, Verify
from bot.core.inputs import parse_text
from bot.core.navigation import NAVIGATION_OPS
from bot.core.refresh import ReviewCard
from bot.core.screens import screen_for
from bot.core.state import ConversationState, OrgLink, Position

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
OFFER = JoinOffer(7, "City of Phoenix", 3, "Parks", True, "learn:menu")


def test_every_op_has_exactly_one_owner() -> None:
    """Each op is interpreted by one built-in screen or by content navigation, never by two."""
    for op in Op:
        owners = [str(s.position) for s in REGISTRY.screens if op in s.ops]
        owners += ["navigation"] if op in NAVIGATION_OPS else []
        assert len(owners) == 1, f"{op.name}: {owners}"
        assert len(op.value) == 1, "the codec's pattern takes one letter per op"
        assert decode(f"1.a.{op.value}x") == Callback(10, op, "x")


def test_a_clash_is_refused_when_the_registry_is_built() -> None:
    """Two screens owning one op, or one claiming a navigation op, cannot be registered."""
    language = REGISTRY.get(builtin_at("language"))
    assert language is not None
    twin = replace(language, position=builtin_at("twin"), commands=())
    with pytest.raises(ValueError, match="two owners"):
        Registry((language, twin))
    with pytest.raises(ValueError, match="two owners"):
        Registry((replace(language, ops=frozenset({Op.NEXT})),))
    with pytest.raises(ValueError, match="used twice"):
        gathered((ChatCommand("a", 1),), (ChatCommand("a", 2),))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_parses_and_dispatches(content: Content, name: str) -> None:
    """`/name` reads into the command's event, and the engine answers it with a screen or an
    effect, never an exception."""
    event = parse_text(f"/{name}")
    assert event == COMMANDS[name].event("")
    assert isinstance(event, Start | Verify | Command)
    state = ConversationState(revision=2, at=Position("main", "home"))
    for each in (state, replace(state, orgs=(OrgLink(7, "City of Phoenix", "learn:menu"),))):
        result = step(content, each, event, NOW)
        assert result.effects, name


def test_the_menu_keeps_its_order() -> None:
    """The chat's command menu lists the same commands in the same order as before."""
    names = [name for name, _ in MENU]
    assert names == [
        "start", "menu", "help", "language", "exit", "forget", "learn", "reminders", "verify",
    ]  # fmt: skip


def states_at(screen: Builtin) -> list[ConversationState]:
    """Return states on a built-in screen: bare, and with an offer, organizations and cards."""
    bare = ConversationState(revision=3, at=screen.position, place="US-AZ")
    card = ReviewCard("signs", "q1", due=NOW)
    full = replace(
        bare,
        offer=OFFER,
        orgs=(OrgLink(7, "City of Phoenix", "learn:menu"),),
        cards=(card,),
        queue=(Position("signs", "q1"),),
    )
    return [bare, full]


@pytest.mark.parametrize("screen", REGISTRY.screens, ids=lambda s: str(s.position))
def test_every_builtin_screen_renders(content: Content, screen: Builtin) -> None:
    """Each built-in screen draws itself at its position, with buttons whose ops it owns or
    content navigation owns, and the engine shows it on arrival."""
    for state in states_at(screen):
        drawn = screen_for(content, state)
        assert drawn.position == screen.position and drawn.parts
        for row in drawn.buttons:
            for button in row:
                decoded = decode(button.data)
                assert isinstance(decoded, Callback) and decoded.revision == state.revision
                assert decoded.op in screen.ops | NAVIGATION_OPS, (screen.position, decoded)
        shown = step(content, state, Command("no_such_command"), NOW)
        assert any(isinstance(e, Show) for e in shown.effects)
