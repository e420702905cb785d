"""What can happen to a conversation: commands, button taps, typed text and other messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TextKind(StrEnum):
    """What typed text looks like; the text itself never enters the engine."""

    SHORT = "short"
    CASE_DETAILS = "case_details"


@dataclass(frozen=True, slots=True)
class Start:
    """`/start`, with an optional deep-link payload."""

    payload: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A global command other than /start and /verify (see bot/core/commands.py)."""

    name: str


@dataclass(frozen=True, slots=True)
class Tap:
    """A tap on a button, carrying its raw callback data."""

    data: str


@dataclass(frozen=True, slots=True)
class FreeText:
    """The user typed something; only its kind is known here."""

    kind: TextKind
    text: str = field(default="", repr=False, compare=False)
    """The text itself, used only where Beacon asked for it (a name for a certificate)."""


@dataclass(frozen=True, slots=True)
class Verify:
    """`/verify CODE`: check a certificate's verification code."""

    code: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A sticker, photo, voice note or anything else Beacon does not read."""

    kind: str


@dataclass(frozen=True, slots=True)
class SharedLocation:
    """A location the user shared; the service maps it to a place before the engine sees it."""

    latitude: float = field(repr=False)
    longitude: float = field(repr=False)


@dataclass(frozen=True, slots=True)
class Located:
    """Where a shared location lies: a country code and a region name (as a geocoder spells
    it in English), or None when unknown. The coordinates are already gone."""

    country: str | None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    """Show the current screen again (a local chat reopened)."""


@dataclass(frozen=True, slots=True)
class JoinOffer:
    """`/start <join_code>` of a known department: the service looked it up (the engine cannot)
    and offers to join. Names of the employer and department, never anything about a person."""

    org_id: int
    org: str
    department_id: int
    department: str
    asks_employee_id: bool
    course: str
    """The course node (`tree:node`) whose completion the employer sees."""


Event = (
    Start
    | Command
    | Tap
    | FreeText
    | Unsupported
    | Resume
    | Verify
    | SharedLocation
    | Located
    | JoinOffer
)
