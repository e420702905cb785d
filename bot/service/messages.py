"""Transport-neutral messages: what a transport hands the service and what it gets back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.effects import ButtonKind
from bot.core.events import Event, Tap
from bot.core.state import Position


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a user did; `user_id` is the raw platform id, hashed at once and never kept
    (the address is kept only sealed, until its replies are delivered)."""

    platform: str
    user_id: str
    event: Event
    language_code: str | None = None
    update_id: int | None = None
    address: Mapping[str, int | str | None] = field(default_factory=dict, repr=False)
    """Where the channel sends this update's replies (a chat, a tapped message, a callback)."""
    private: bool = True
    """Whether the conversation is the user's own (a group is not: no figures are shown)."""
    sequence: int | None = None
    """Where the update stands in its channel's order (Telegram's update_id), so one that
    arrives after a newer one changes nothing; None where the channel has no order (the web)."""

    @property
    def is_tap(self) -> bool:
        """Say whether this is a button press (which a transport must always answer)."""
        return isinstance(self.event, Tap)


@dataclass(frozen=True, slots=True)
class OutButton:
    """A button with its visible label and data: callback data, a web address (`url`) or
    text to copy (`copy`)."""

    label: str
    data: str
    kind: ButtonKind = "callback"


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send; `replace` allows editing the message whose button was pressed;
    `tail`: a screen shown again, so a text too long for one message sends only its last piece;
    `screen`: the position it shows (not part of equality)."""

    text: str
    buttons: tuple[tuple[OutButton, ...], ...] = ()
    replace: bool = False
    tail: bool = False
    screen: Position | None = field(default=None, compare=False)
    """Where the screen is, for a channel that draws more than text (the web's text box)."""


@dataclass(frozen=True, slots=True)
class TapAnswer:
    """The answer to a button press, with an optional short note."""

    text: str | None = None


@dataclass(frozen=True, slots=True)
class EraseChat:
    """Delete the conversation's messages where the platform allows it."""


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send, such as a certificate PDF."""

    filename: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture to send, such as a certificate's preview."""

    filename: str
    data: bytes = field(repr=False)


Outbound = Reply | TapAnswer | EraseChat | Document | Photo
