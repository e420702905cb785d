"""The pure engine stepped as a user would (send text, click by label): the synchronous core
of the engine driver in bot.testing.user, and the keyboard every Outbound-level driver reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from bot.content.bundle import Content
from bot.core import engine
from bot.core.events import Event, JoinOffer, Start, Tap
from bot.core.inputs import parse_text
from bot.core.links import read_join_code
from bot.core.state import ConversationState
from bot.i18n.catalogs import Catalogs
from bot.service.effects import Turn, play
from bot.service.messages import Outbound, OutButton, Reply
from bot.service.render import Renderer
from bot.testing.clocks import FIXED_NOW

__all__ = ["FIXED_NOW", "ButtonNotFound", "CoreChat", "Keyboard", "SourceText"]


class ButtonNotFound(AssertionError):
    """The simulated user looked for a button that is not on the last keyboard."""


class Keyboard:
    """The buttons of the last message that had any."""

    def __init__(self) -> None:
        """Start with no buttons."""
        self.rows: tuple[tuple[OutButton, ...], ...] = ()

    def update(self, outbound: list[Outbound]) -> None:
        """Remember the last keyboard among these messages."""
        for message in outbound:
            if isinstance(message, Reply) and message.buttons:
                self.rows = message.buttons

    def position_of(self, label: str) -> tuple[int, int]:
        """Return the row and column of the button with this label."""
        for r, row in enumerate(self.rows):
            for c, button in enumerate(row):
                if button.label == label:
                    return r, c
        labels = [b.label for row in self.rows for b in row]
        raise ButtonNotFound(f"no button {label!r}; the buttons are {labels}")

    def data_for(self, label: str) -> str:
        """Return the callback data of the button with this label (a link or copy button
        sends nothing back, so it cannot be pressed here)."""
        row, column = self.position_of(label)
        found = self.rows[row][column]
        if found.kind != "callback":
            raise ButtonNotFound(f"{label!r} is a {found.kind} button: it sends nothing back")
        return found.data


class CoreChat:
    """Talks to the pure engine; the state goes through JSON between steps, as in storage."""

    def __init__(
        self,
        content: Content,
        catalogs: Catalogs | None = None,
        locale: str = "en",
        now: dt.datetime = FIXED_NOW,
        offers: Mapping[str, JoinOffer] | None = None,
        seed: str = "",
    ) -> None:
        """Chat with `content` in `locale` at a fixed time; `/start` with a join code of
        `offers` offers to join, as the service does with a database's codes; `seed` orders quiz
        options, as the service's seed for one user does (none: file order)."""
        self.offers = dict(offers or {})
        self.content = content
        self.seed = seed
        self.catalogs = catalogs
        self.first_locale = locale
        self.renderer = self.renderer_for(locale)
        self.now = now
        self.saved = json.dumps(ConversationState().to_dict())
        self.keyboard = Keyboard()
        self.effects: list[object] = []

    def renderer_for(self, locale: str) -> Renderer:
        """Return a renderer in `locale` (English source text when there are no catalogs)."""
        return Renderer(self.catalogs.translator(locale) if self.catalogs else SourceText(), locale)

    @property
    def state(self) -> ConversationState:
        """Return the state as it would be reloaded from storage."""
        return ConversationState.from_dict(json.loads(self.saved))

    def event(self, event: Event) -> list[Outbound]:
        """Run one event through the engine and render what it asks to send."""
        if isinstance(event, Start) and read_join_code(event.payload) in self.offers:
            event = self.offers[read_join_code(event.payload) or ""]
        step = engine.step(self.content, self.state.seeded(self.seed), event, self.now)
        self.saved = json.dumps(step.state.to_dict())
        self.effects = list(step.effects)
        turn = play(step.effects, Turn())
        if turn.locale is not None:  # as the service does: a new choice renders this step
            self.renderer = self.renderer_for(turn.locale)
        out: list[Outbound] = list(turn.rendered(self.renderer))
        if turn.forget:
            self.renderer = self.renderer_for(self.first_locale)  # the stored choice is gone
        self.keyboard.update(out)
        return out

    def send(self, text: str) -> list[Outbound]:
        """Type a line (a command or free text)."""
        return self.event(parse_text(text))

    def click(self, label: str) -> list[Outbound]:
        """Press the button with this label on the last keyboard."""
        return self.event(Tap(self.keyboard.data_for(label)))


class SourceText:
    """The identity translator: the source text."""

    def pgettext(self, context: str, message: str, /) -> str:
        """Return the message itself."""
        del context
        return message

    def npgettext(self, context: str, singular: str, plural: str, n: int, /) -> str:
        """Return the English form for `n`."""
        del context
        return singular if n == 1 else plural
