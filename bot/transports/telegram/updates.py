"""Read a Bot API update (as JSON) into what Beacon needs, dropping everything else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.events import Command, Event, SharedLocation, Start, Tap, Unsupported
from bot.core.inputs import parse_text

MEDIA_KINDS = (
    "sticker", "photo", "voice", "video_note", "video", "animation", "audio", "document",
    "location", "venue", "contact", "poll", "dice", "game", "story",
)  # fmt: skip
PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Incoming:
    """An update Beacon answers: who, where, and the engine event."""

    update_id: int
    chat_id: int
    user_id: int
    language_code: str | None
    event: Event
    message_id: int | None = None
    callback_id: str | None = None
    from_user_message: bool = False


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """The user blocked (or unblocked) the bot in their private chat."""

    update_id: int
    user_id: int
    blocked: bool


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update Beacon does not answer, and why (for the logs)."""

    update_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """`/quiz <module>` or `/stopquiz` in a group, from a person."""

    update_id: int
    chat_id: int
    user_id: int
    language_code: str | None
    name: str
    argument: str


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """A vote in one of Beacon's quiz polls; the first name is kept only for the leaderboard."""

    update_id: int
    poll_id: str
    user_id: int
    first_name: str
    options: list[int]


GROUP_COMMANDS = ("quiz", "stopquiz")
Parsed = Incoming | MembershipChange | Ignored | GroupCommand | PollAnswer


def _group_command(
    update_id: int, message: Mapping[str, Any], bot_username: str | None
) -> GroupCommand | None:
    """Read `/quiz module` or `/stopquiz` (optionally `@Beacon`) in a group, else None."""
    words = str(message.get("text") or "").split()
    if not words or not words[0].startswith("/"):
        return None
    name, _, addressed = words[0][1:].partition("@")
    if name.lower() not in GROUP_COMMANDS:
        return None
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None
    sender = message["from"]
    return GroupCommand(
        update_id,
        int(message["chat"]["id"]),
        int(sender["id"]),
        sender.get("language_code"),
        name.lower(),
        words[1].lower() if len(words) > 1 else "",
    )


def _poll_answer(update_id: int, answer: Mapping[str, Any]) -> Parsed:
    """Read a vote in a (non-anonymous) poll."""
    user = answer.get("user")
    if not user:
        return Ignored(update_id, "anonymous poll answer")
    options = [int(o) for o in answer.get("option_ids", [])]
    return PollAnswer(
        update_id, str(answer["poll_id"]), int(user["id"]), str(user.get("first_name", "")), options
    )


def shared_location(location: Mapping[str, Any]) -> Event:
    """Return a shared location's event, or Unsupported when its numbers are unreadable."""
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        return SharedLocation(float(latitude), float(longitude))
    return Unsupported("location")


def _message(update_id: int, message: Mapping[str, Any], bot_username: str | None) -> Parsed:
    """Read a message: text becomes a command or free text, a location (or venue) a
    SharedLocation, other media Unsupported."""
    chat = message.get("chat", {})
    sender = message.get("from")
    if not sender or sender.get("is_bot"):
        return Ignored(update_id, "no human sender")
    text = message.get("text")
    location = message.get("location")
    if isinstance(text, str):
        event = parse_text(text, bot_username)
    elif isinstance(location, Mapping):
        event = shared_location(location)
    else:
        kind = next((k for k in MEDIA_KINDS if k in message), "other")
        event = Unsupported(kind)
    if chat.get("type") != PRIVATE:
        group = _group_command(update_id, message, bot_username)
        if group is not None:
            return group
        if not isinstance(event, Start | Command):
            return Ignored(update_id, "group message that is not a command to Beacon")
    return Incoming(
        update_id=update_id,
        chat_id=int(chat["id"]),
        user_id=int(sender["id"]),
        language_code=sender.get("language_code"),
        event=event,
        message_id=message.get("message_id"),
        from_user_message=True,
    )


def _callback(update_id: int, query: Mapping[str, Any]) -> Parsed:
    """Read a button press on one of Beacon's keyboards."""
    sender = query["from"]
    message = query.get("message") or {}
    chat_id = message.get("chat", {}).get("id", sender["id"])
    return Incoming(
        update_id=update_id,
        chat_id=int(chat_id),
        user_id=int(sender["id"]),
        language_code=sender.get("language_code"),
        event=Tap(str(query.get("data", ""))),
        message_id=message.get("message_id"),
        callback_id=str(query["id"]),
    )


def _membership(update_id: int, change: Mapping[str, Any]) -> Parsed:
    """Read the user blocking or unblocking Beacon in a private chat."""
    if change.get("chat", {}).get("type") != PRIVATE:
        return Ignored(update_id, "membership change outside a private chat")
    status = change.get("new_chat_member", {}).get("status")
    return MembershipChange(update_id, int(change["from"]["id"]), blocked=status == "kicked")


def parse_update(update: Mapping[str, Any], bot_username: str | None) -> Parsed:
    """Return what an update means to Beacon; never raises on a well-formed Bot API update."""
    update_id = int(update.get("update_id", 0))
    if "message" in update:
        return _message(update_id, update["message"], bot_username)
    if "callback_query" in update:
        return _callback(update_id, update["callback_query"])
    if "my_chat_member" in update:
        return _membership(update_id, update["my_chat_member"])
    if "poll_answer" in update:
        return _poll_answer(update_id, update["poll_answer"])
    kind = next((key for key in update if key != "update_id"), "empty")
    return Ignored(update_id, f"{kind} is not answered")
