"""What a built-in screen and a command declare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.content.bundle import Content
from bot.core.codec import Callback, Op
from bot.core.effects import Msg, Screen
from bot.core.events import Command, Event
from bot.core.navigation import BUILTIN_TREE, Step
from bot.core.state import ConversationState, Position

Render = Callable[[Content, ConversationState], Screen]
Tap = Callable[[Content, ConversationState, Callback, dt.datetime], Step | None]
Typed = Callable[[Content, ConversationState, str], Step]
Action = Callable[[Content, ConversationState], Step]


def builtin_at(name: str) -> Position:
    """Return the position of the built-in screen `name` (a content link `@name` opens it)."""
    return Position(BUILTIN_TREE, name)


def no_tap(
    content: Content, state: ConversationState, cb: Callback, now: dt.datetime
) -> Step | None:
    """Refuse every tap (a screen with only Back and Home)."""
    return None


@dataclass(frozen=True, slots=True)
class ChatCommand:
    """A `/command`: its name, its place and description in the chat's menu, what it does."""

    name: str
    rank: int
    """Its place in the menu, lowest first; also the order of `COMMANDS`."""
    menu: Msg | None = None
    """Its description in Telegram's command menu; None: it works but is not listed."""
    run: Action | None = None
    """What it does; None: it is read into its own event (see `read`) or it does nothing."""
    read: Callable[[str], Event] | None = None
    """How its argument makes an event; None: `Command(name)`, the argument dropped."""

    def event(self, arg: str) -> Event:
        """Return the event this command with this argument makes."""
        return self.read(arg) if self.read is not None else Command(self.name)


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in screen: where it is, how it renders, the taps it takes and its commands."""

    position: Position
    render: Render
    tap: Tap = no_tap
    """Acts on a tap of an op it owns (wherever its button was drawn), or of any other op
    tapped on its own screen (but Back, Home and Exit); None when the tap does not fit."""
    ops: frozenset[Op] = frozenset()
    """The ops it owns: no other screen or content node interprets them."""
    commands: tuple[ChatCommand, ...] = ()
    text: Typed | None = None
    """Reads typed text on this screen (a name, an id); None: typed text is not used here."""
    keeps_queue: bool = False
    """Arriving here keeps the refresher's queue of questions."""
