"""What the engine asks the outside world to do: show screens, answer taps, record answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.core.reminders import ReminderPlan
from bot.core.state import Position

Param = tuple[str, "str | int | date | dt.time | Msg"]
"""A named placeholder value; numbers and dates are formatted for the locale, a Msg translated."""


@dataclass(frozen=True, slots=True)
class Msg:
    """A translatable text: its gettext context, its source-language text and its parameters."""

    context: str
    text: str
    params: tuple[Param, ...] = ()
    translate: bool = True
    plural: str | None = None
    """The source plural form; the `count` parameter then picks the form."""

    def fill(self, **params: str | int | date | dt.time | Msg) -> Msg:
        """Return this message with placeholder values attached."""
        return Msg(self.context, self.text, tuple(params.items()), self.translate, self.plural)


def joined(items: list[Msg], separator: str = "\n") -> Msg:
    """Return messages shown as one text, each translated, between `separator`s."""
    template = separator.join(f"{{m{i}}}" for i in range(len(items)))
    return Msg("", template, translate=False).fill(**{f"m{i}": m for i, m in enumerate(items)})


ButtonKind = Literal["callback", "url", "copy"]
"""What a button does: send `data` back (callback), open the web page `data` (url), or copy
`data` to the clipboard (copy), as a channel that can offers it."""


@dataclass(frozen=True, slots=True)
class Button:
    """A button: a label and its data, by kind: callback data, a web address or text to copy."""

    label: Msg
    data: str
    kind: ButtonKind = "callback"


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """One way to reach a resource, as shown on a card."""

    kind: str
    value: str
    note: Msg | None = None
    languages: Msg | None = None


@dataclass(frozen=True, slots=True)
class ResourceCard:
    """A hotline or reporting channel as shown to the user."""

    resource_id: str
    name: Msg
    why: Msg
    operator: Msg
    sharing: Msg
    law_enforcement: bool
    channels: tuple[ChannelLine, ...]
    hours: Msg | None
    """None when Beacon has not confirmed the hours (the line says nothing useful)."""
    languages: Msg | None
    """None when Beacon has not confirmed the languages."""
    source: str
    """Where the details come from: the host of the resource's official page."""
    compiled_on: date
    checked_live_on: date | None = None


Part = Msg | ResourceCard


@dataclass(frozen=True, slots=True)
class Screen:
    """A screen: text parts and rows of buttons; `replace` may edit the previous message;
    `repeat` marks it shown again after stray input (a long screen's last piece is enough)."""

    position: Position | None
    parts: tuple[Part, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class Show:
    """Send a screen."""

    screen: Screen


@dataclass(frozen=True, slots=True)
class Notice:
    """Send a short message before the next screen."""

    message: Msg


@dataclass(frozen=True, slots=True)
class AnswerTap:
    """Answer the button press (stops the client's spinner), with an optional short note."""

    message: Msg | None = None


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """Record a quiz answer."""

    tree: str
    node: str
    option: int
    correct: bool


@dataclass(frozen=True, slots=True)
class CountResourceViews:
    """Add one anonymous view to each resource shown."""

    resource_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetLocale:
    """Store the user's language choice."""

    code: str


@dataclass(frozen=True, slots=True)
class ClearChat:
    """Delete the conversation's messages where the platform allows it, and send nothing more."""


@dataclass(frozen=True, slots=True)
class SetReminder:
    """Keep (plan on) or drop (None) the learner's reminder, next due at `next_at` (UTC)."""

    plan: ReminderPlan | None
    next_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueCertificate:
    """Issue (or re-issue) the course's certificate, with the name the learner chose."""

    course: str
    """The course node, `tree:node`."""
    title: Msg
    name: str = field(repr=False)
    """What the learner typed to print; never shown in a repr, so never in a log line."""


@dataclass(frozen=True, slots=True)
class CheckCertificate:
    """Tell whether a verification code belongs to a certificate Beacon issued."""

    code: str


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Delete every row about the user; nothing of this step is saved."""


@dataclass(frozen=True, slots=True)
class JoinOrg:
    """Make the user a member of an organization's department (already `completed` its course
    or not); a second department of the same organization replaces the first."""

    org_id: int
    department_id: int
    completed: bool = False


@dataclass(frozen=True, slots=True)
class SetEmployeeId:
    """Keep the employee id the member typed, with their membership only."""

    org_id: int
    employee_id: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class LeaveOrg:
    """End the user's membership of an organization."""

    org_id: int


@dataclass(frozen=True, slots=True)
class CourseCompleted:
    """The user has just completed a course: memberships counting it record the date."""

    course: str


@dataclass(frozen=True, slots=True)
class CountCampaign:
    """Add `amount` to a campaign's metric for today: no user id, no text."""

    campaign: str
    metric: str
    amount: int = 1


@dataclass(frozen=True, slots=True)
class AdminReport:
    """Send the figures of the organizations the user administers, or a kind refusal."""


Effect = (
    Show
    | Notice
    | AnswerTap
    | SaveAnswer
    | CountResourceViews
    | SetLocale
    | ClearChat
    | ForgetUser
    | SetReminder
    | IssueCertificate
    | CheckCertificate
    | JoinOrg
    | SetEmployeeId
    | LeaveOrg
    | CourseCompleted
    | AdminReport
    | CountCampaign
)
