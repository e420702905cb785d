"""Read a Bot API update (as JSON) into what Beacon needs, dropping everything else."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from bot.core.commands import GROUP_ONLY
from bot.core.events import Command, Event, SharedLocation, Start, Tap, Unsupported
from bot.core.inputs import parse_text

MEDIA_KINDS = (
    "sticker", "photo", "voice", "video_note", "video", "animation", "audio", "document",
    "location", "venue", "contact", "poll", "dice", "game", "story",
)  # fmt: skip
PRIVATE = "private"
ANSWERED = ("message", "callback_query", "my_chat_member", "poll_answer")
"""The update kinds Beacon reads, in the order it looks for them."""
MAX_ID = 2**31 - 1
"""The largest update_id and message_id Beacon accepts (Telegram's are 32-bit)."""
PEER_ID_LIMIT = 2**52
"""Chat and user ids are below this in absolute value (Telegram's fit in a double)."""
NAME_LENGTH = 64
"""Telegram's longest first name; a longer one is cut."""
_KIND = re.compile(r"[a-z_]{1,40}")

JsonObject = Mapping[str, Any]


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


GROUP_COMMANDS = GROUP_ONLY
Parsed = Incoming | MembershipChange | Ignored | GroupCommand | PollAnswer


def _is_int(value: object, low: int, high: int) -> TypeGuard[int]:
    """Say whether value is an integer (a bool is not one) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _int(data: JsonObject, key: str, low: int, high: int) -> int | None:
    """Return the integer under key when it lies from low to high, else None."""
    value = data.get(key)
    return value if _is_int(value, low, high) else None


def _ints(data: JsonObject, key: str, low: int, high: int) -> list[int] | None:
    """Return the integers listed under key ([] when missing), or None when one is out of range."""
    values = data.get(key, [])
    if isinstance(values, list) and all(_is_int(value, low, high) for value in values):
        return list(values)
    return None


def _str(data: JsonObject, key: str) -> str | None:
    """Return the string under key, or None when it is missing or not a string."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _object(data: JsonObject, key: str) -> JsonObject:
    """Return the object under key, or an empty one when it is missing or not an object."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _peer_id(data: JsonObject) -> int | None:
    """Return a chat's or user's id, or None when it is missing or out of range."""
    return _int(data, "id", 1 - PEER_ID_LIMIT, PEER_ID_LIMIT - 1)


def _degrees(data: JsonObject, key: str, limit: int) -> float | None:
    """Return the angle under key when it is a number from -limit to limit, else None."""
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and -limit <= value <= limit:
        return float(value)
    return None


def _group_command(
    incoming: Incoming, message: JsonObject, bot_username: str | None
) -> GroupCommand | None:
    """Read `/quiz module` or `/stopquiz` (optionally `@Beacon`) in a group, else None."""
    words = (_str(message, "text") or "").split()
    if not words or not words[0].startswith("/"):
        return None
    name, _, addressed = words[0][1:].partition("@")
    if name.lower() not in GROUP_COMMANDS:
        return None
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None
    return GroupCommand(
        incoming.update_id,
        incoming.chat_id,
        incoming.user_id,
        incoming.language_code,
        name.lower(),
        words[1].lower() if len(words) > 1 else "",
    )


def _poll_answer(update_id: int, answer: JsonObject) -> Parsed:
    """Read a vote in a (non-anonymous) poll."""
    if not answer.get("user"):
        return Ignored(update_id, "anonymous poll answer")
    user = _object(answer, "user")
    poll_id, user_id = _str(answer, "poll_id"), _peer_id(user)
    options = _ints(answer, "option_ids", 0, MAX_ID)
    if poll_id is None or user_id is None or options is None:
        return Ignored(update_id, "malformed poll_answer")
    first_name = (_str(user, "first_name") or "")[:NAME_LENGTH]
    return PollAnswer(update_id, poll_id, user_id, first_name, options)


def shared_location(location: JsonObject) -> Event:
    """Return a shared location's event, or Unsupported when its numbers are unreadable or
    impossible."""
    latitude, longitude = _degrees(location, "latitude", 90), _degrees(location, "longitude", 180)
    if latitude is None or longitude is None:
        return Unsupported("location")
    return SharedLocation(latitude, longitude)


def _event(message: JsonObject, bot_username: str | None) -> Event:
    """Return a message's event: text becomes a command or free text, a location (or venue)
    a SharedLocation, other media Unsupported."""
    text = message.get("text")
    location = message.get("location")
    if isinstance(text, str):
        return parse_text(text, bot_username)
    if isinstance(location, Mapping):
        return shared_location(location)
    return Unsupported(next((kind for kind in MEDIA_KINDS if kind in message), "other"))


def _message(update_id: int, message: JsonObject, bot_username: str | None) -> Parsed:
    """Read a message from a person: in a private chat any message, in a group a command."""
    chat, sender = _object(message, "chat"), _object(message, "from")
    if not message.get("from") or sender.get("is_bot"):
        return Ignored(update_id, "no human sender")
    chat_id, user_id = _peer_id(chat), _peer_id(sender)
    if chat_id is None or user_id is None:
        return Ignored(update_id, "malformed message")
    incoming = Incoming(
        update_id=update_id,
        chat_id=chat_id,
        user_id=user_id,
        language_code=_str(sender, "language_code"),
        event=_event(message, bot_username),
        message_id=_int(message, "message_id", 1, MAX_ID),
        from_user_message=True,
    )
    if chat.get("type") == PRIVATE:
        return incoming
    group = _group_command(incoming, message, bot_username)
    if group is not None:
        return group
    if isinstance(incoming.event, Start | Command):
        return incoming
    return Ignored(update_id, "group message that is not a command to Beacon")


def _callback(update_id: int, query: JsonObject) -> Parsed:
    """Read a button press on one of Beacon's keyboards (in the sender's chat if no message)."""
    sender, message = _object(query, "from"), _object(query, "message")
    user_id, callback_id = _peer_id(sender), _str(query, "id")
    chat_id = _peer_id(_object(message, "chat")) if "chat" in message else user_id
    if user_id is None or chat_id is None or callback_id is None:
        return Ignored(update_id, "malformed callback_query")
    return Incoming(
        update_id=update_id,
        chat_id=chat_id,
        user_id=user_id,
        language_code=_str(sender, "language_code"),
        event=Tap(_str(query, "data") or ""),
        message_id=_int(message, "message_id", 1, MAX_ID),
        callback_id=callback_id,
    )


def _membership(update_id: int, change: JsonObject) -> Parsed:
    """Read the user blocking or unblocking Beacon in a private chat."""
    if _object(change, "chat").get("type") != PRIVATE:
        return Ignored(update_id, "membership change outside a private chat")
    user_id = _peer_id(_object(change, "from"))
    if user_id is None:
        return Ignored(update_id, "malformed my_chat_member")
    status = _object(change, "new_chat_member").get("status")
    return MembershipChange(update_id, user_id, blocked=status == "kicked")


def _kind_name(key: object) -> str:
    """Return an update kind's name for the logs, or "unknown" when it is not shaped like one."""
    return key if isinstance(key, str) and _KIND.fullmatch(key) else "unknown"


def parse_update(update: object, bot_username: str | None) -> Parsed:
    """Return what an update means to Beacon; a malformed one is Ignored (as update 0 when its
    id is unreadable), never raised."""
    if not isinstance(update, Mapping):
        return Ignored(0, "malformed update")
    update_id = _int(update, "update_id", 0, MAX_ID)
    if update_id is None:
        return Ignored(0, "malformed update_id")
    kind = next((key for key in ANSWERED if key in update), None)
    if kind is None:
        other = next((key for key in update if key != "update_id"), "empty")
        return Ignored(update_id, f"{_kind_name(other)} is not answered")
    body = update[kind]
    if not isinstance(body, Mapping):
        return Ignored(update_id, f"malformed {kind}")
    if kind == "message":
        return _message(update_id, body, bot_username)
    if kind == "callback_query":
        return _callback(update_id, body)
    if kind == "my_chat_member":
        return _membership(update_id, body)
    return _poll_answer(update_id, body)
