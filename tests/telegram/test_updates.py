"""Bot API updates become engine events, or are ignored on purpose, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.events import (
    Command,
    FreeText,
    SharedLocation,
    Start,
    Tap,
    TextKind,
    Unsupported,
)
from bot.transports.telegram.updates import (
    Ignored,
    Incoming,
    MembershipChange,
    parse_update,
)

USER = {"id": 42, "is_bot": False, "first_name": "A", "language_code": "es"}
PRIVATE = {"id": 42, "type": "private", "first_name": "A"}
GROUP = {"id": -100, "type": "supergroup", "title": "G"}


def message(chat: dict[str, Any] = PRIVATE, **fields: Any) -> dict[str, Any]:
    """Return a message update."""
    body = {"message_id": 7, "date": 0, "chat": chat, "from": USER, **fields}
    return {"update_id": 5, "message": body}


@pytest.mark.parametrize(
    ("update", "event"),
    [
        (message(text="/start report-phx"), Start("report-phx")),
        (message(text="/menu@BeaconTestBot"), Command("menu")),
        (message(text="hello"), FreeText(TextKind.SHORT)),
        (message(sticker={"file_id": "x"}), Unsupported("sticker")),
        (message(photo=[{"file_id": "x"}]), Unsupported("photo")),
        (message(location={"latitude": 1.0, "longitude": 2.0}), SharedLocation(1.0, 2.0)),
        (message(location={"latitude": "x"}), Unsupported("location")),
        (message(new_chat_title="t"), Unsupported("other")),
        (message(chat=GROUP, text="/help@BeaconTestBot"), Command("help")),
        (message(chat=GROUP, text="/help"), Command("help")),
    ],
)
def test_messages(update: dict[str, Any], event: object) -> None:
    """Private messages and addressed group commands become events, with who and where."""
    parsed = parse_update(update, "BeaconTestBot")
    assert isinstance(parsed, Incoming)
    assert parsed.event == event
    assert (parsed.user_id, parsed.language_code, parsed.message_id) == (42, "es", 7)


@pytest.mark.parametrize(
    "update",
    [
        message(chat=GROUP, text="hello everyone"),
        message(chat=GROUP, text="/help@OtherBot"),
        message(chat=GROUP, sticker={"file_id": "x"}),
        {"update_id": 5, "edited_message": message()["message"]},
        {"update_id": 5, "channel_post": {"message_id": 1, "date": 0, "chat": GROUP, "text": "x"}},
        {"update_id": 5, "poll_answer": {"poll_id": "p", "option_ids": [0]}},
        {"update_id": 5},
        message(text="hi", **{"from": {**USER, "is_bot": True}}),
    ],
)
def test_ignored(update: dict[str, Any]) -> None:
    """Group chatter, edits, channel posts, bots and unknown kinds are ignored with a reason."""
    parsed = parse_update(update, "BeaconTestBot")
    assert isinstance(parsed, Ignored) and parsed.reason


def test_callback_query() -> None:
    """A tap carries its data, the callback id and the message it was on."""
    update = {
        "update_id": 9,
        "callback_query": {
            "id": "cb1", "from": USER, "chat_instance": "c", "data": "1.a.c0",
            "message": {"message_id": 3, "date": 0, "chat": PRIVATE, "text": "x"},
        },
    }  # fmt: skip
    parsed = parse_update(update, None)
    assert parsed == Incoming(9, 42, 42, "es", Tap("1.a.c0"), 3, "cb1")


def test_membership() -> None:
    """Blocking and unblocking in a private chat are recognised; groups are ignored."""

    def change(status: str, chat: dict[str, Any] = PRIVATE) -> dict[str, Any]:
        member = {"user": {"id": 1, "is_bot": True, "first_name": "B"}, "status": status}
        body = {"chat": chat, "from": USER, "date": 0, "new_chat_member": member}
        return {"update_id": 1, "my_chat_member": body}

    assert parse_update(change("kicked"), None) == MembershipChange(1, 42, blocked=True)
    assert parse_update(change("member"), None) == MembershipChange(1, 42, blocked=False)
    assert isinstance(parse_update(change("member", GROUP), None), Ignored)
