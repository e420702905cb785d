"""What can happen to a conversation: commands, button taps, typed text and other messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TextKind(StrEnum):
    """What typed text looks like; the text itself never enters the engine."""

    TYPO = "typo"
    """A number, emoji, punctuation or one short word: a slip, not case details."""
    SHORT = "short"
    """A few words: on the report side they may be case details."""
    CASE_DETAILS = "case_details"
    """Long text, many digits, an address or a contact: case details anywhere."""
    COMMAND = "command"
    """A `/command` Beacon does not know."""
    GROUP_COMMAND = "group_command"
    """A command that works only in a group (a group quiz), sent in a private chat."""


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
    id_pattern: str = ""
    """The organization's employee id format (a regular expression), or "" for any id."""
    id_example: str = ""
    """An id in that format, shown when a typed one does not fit."""

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> JoinOffer:
        """Build an offer from its values in field order, as stored; a missing or empty format
        accepts any id."""
        org_id, org, department_id, department, asks, course, *format_ = values
        pattern, example = (*format_, "", "")[:2]
        return cls(
            int(org_id),
            str(org),
            int(department_id),
            str(department),
            bool(asks),
            str(course),
            str(pattern or ""),
            str(example or ""),
        )


@dataclass(frozen=True, slots=True)
class JoinInvalid:
    """`/start <payload>` shaped like a join code that no department has (mistyped or revoked);
    the payload goes on as a deep link if the content names it."""

    payload: str


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
    | JoinInvalid
)
