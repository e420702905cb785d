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
    PollAnswer,
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
        (message(text="hello"), FreeText(TextKind.TYPO)),
        (message(text="he took my passport"), FreeText(TextKind.SHORT)),
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


@pytest.mark.parametrize("message_id", ["7", 7.0, True, 0, -7, 2**31, None, [7], {"id": 7}])
def test_a_malformed_message_id_is_refused(message_id: object) -> None:
    """A message whose message_id is not an int from 1 to 2**31-1 is answered, but its id is
    dropped, so it is never recorded for /exit or edited."""
    parsed = parse_update(message(text="hello", message_id=message_id), None)
    assert isinstance(parsed, Incoming)
    assert (parsed.chat_id, parsed.user_id, parsed.message_id) == (42, 42, None)


def test_a_malformed_message_id_on_a_tapped_message_is_refused() -> None:
    """A tap on a message with an unreadable id is answered without editing anything."""
    tapped = {"message_id": "3", "date": 0, "chat": PRIVATE}
    query = {"id": "cb1", "from": USER, "data": "x", "message": tapped}
    parsed = parse_update({"update_id": 9, "callback_query": query}, None)
    assert parsed == Incoming(9, 42, 42, "es", Tap("x"), None, "cb1")


def test_a_tap_without_its_message_is_answered_in_the_senders_chat() -> None:
    """A callback query with no message (an inline keyboard elsewhere) goes to the sender."""
    query = {"id": "cb1", "from": USER, "chat_instance": "c", "data": "x"}
    parsed = parse_update({"update_id": 9, "callback_query": query}, None)
    assert parsed == Incoming(9, 42, 42, "es", Tap("x"), None, "cb1")


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (None, "malformed update"),
        ([{"update_id": 5}], "malformed update"),
        ("update", "malformed update"),
        (5, "malformed update"),
        ({**message(text="hi"), "update_id": True}, "malformed update_id"),
        ({**message(text="hi"), "update_id": -1}, "malformed update_id"),
        ({**message(text="hi"), "update_id": 2**31}, "malformed update_id"),
        ({**message(text="hi"), "update_id": "5"}, "malformed update_id"),
        ({"message": message(text="hi")["message"]}, "malformed update_id"),
    ],
)
def test_an_unreadable_update_id_is_ignored_as_zero(update: object, reason: str) -> None:
    """An update that is not an object, or whose update_id is not an int from 0 to 2**31-1,
    is ignored under id 0."""
    assert parse_update(update, None) == Ignored(0, reason)


def text(**fields: Any) -> dict[str, Any]:
    """Return a private text message update with some fields replaced."""
    return {"update_id": 5, "message": {**message(text="hi")["message"], **fields}}


def tap(**fields: Any) -> dict[str, Any]:
    """Return a callback query update with some fields replaced."""
    query = {"id": "cb1", "from": USER, "data": "x", **fields}
    return {"update_id": 5, "callback_query": query}


def vote(**fields: Any) -> dict[str, Any]:
    """Return a poll answer update with some fields replaced."""
    return {
        "update_id": 5,
        "poll_answer": {"poll_id": "p", "user": USER, "option_ids": [0], **fields},
    }


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        ({"update_id": 5, "message": None}, "malformed message"),
        ({"update_id": 5, "message": "hello"}, "malformed message"),
        ({"update_id": 5, "callback_query": []}, "malformed callback_query"),
        (text(chat={"id": "42", "type": "private"}), "malformed message"),
        (text(chat={"id": True, "type": "private"}), "malformed message"),
        (text(chat={"id": 2**52, "type": "private"}), "malformed message"),
        (text(chat={"id": -(2**52), "type": "private"}), "malformed message"),
        (text(chat=None), "malformed message"),
        (text(**{"from": {**USER, "id": 42.0}}), "malformed message"),
        (text(**{"from": "someone"}), "malformed message"),
        (tap(id=None), "malformed callback_query"),
        (tap(id=17), "malformed callback_query"),
        (tap(**{"from": {**USER, "id": False}}), "malformed callback_query"),
        (tap(message={"message_id": 3, "chat": {"id": "42"}}), "malformed callback_query"),
        (vote(poll_id=7), "malformed poll_answer"),
        (vote(user={**USER, "id": 2**60}), "malformed poll_answer"),
        (vote(option_ids=[True]), "malformed poll_answer"),
        (vote(option_ids=[-1]), "malformed poll_answer"),
        (vote(option_ids="0"), "malformed poll_answer"),
        (
            {"update_id": 5, "my_chat_member": {"chat": PRIVATE, "from": {"id": "42"}}},
            "malformed my_chat_member",
        ),
    ],
)
def test_malformed_updates_are_ignored_with_their_kind(update: object, reason: str) -> None:
    """A known kind of update with a missing or mistyped part is ignored as malformed."""
    assert parse_update(update, None) == Ignored(5, reason)


def test_an_unknown_kind_is_named_only_when_it_looks_like_one() -> None:
    """An unknown key is named in the reason (it is logged) only when shaped like a kind, so
    no text a key might carry reaches the logs."""
    assert parse_update({"update_id": 5, "chat_boost": {}}, None) == Ignored(
        5, "chat_boost is not answered"
    )
    assert parse_update({"update_id": 5, "My secret 987654321": {}}, None) == Ignored(
        5, "unknown is not answered"
    )


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": 10**400, "longitude": 2.0},
        {"latitude": 1.0, "longitude": -(10**400)},
        {"latitude": 91.0, "longitude": 2.0},
        {"latitude": 1.0, "longitude": 180.5},
        {"latitude": True, "longitude": 2.0},
        {"latitude": float("nan"), "longitude": 2.0},
        {"latitude": 1.0, "longitude": float("inf")},
    ],
)
def test_an_impossible_location_is_unsupported(location: dict[str, Any]) -> None:
    """A location with a huge, out-of-range, boolean or non-finite number is Unsupported."""
    parsed = parse_update(message(location=location), None)
    assert isinstance(parsed, Incoming) and parsed.event == Unsupported("location")


def test_a_poll_answer_is_read() -> None:
    """A vote carries the poll, the voter, a first name cut to 64 characters and the options."""
    parsed = parse_update(vote(user={**USER, "first_name": "A" * 100}, option_ids=[1]), None)
    assert parsed == PollAnswer(5, "p", 42, "A" * 64, [1])


def test_the_largest_ids_are_read() -> None:
    """Ids at the edges of their ranges are accepted as they are."""
    edge = 2**52 - 1
    user = {**USER, "id": edge}
    update = text(chat={"id": -edge, "type": "supergroup"}, message_id=2**31 - 1)
    update["message"].update(text="/help", **{"from": user})
    parsed = parse_update({**update, "update_id": 2**31 - 1}, None)
    assert isinstance(parsed, Incoming)
    assert (parsed.update_id, parsed.chat_id, parsed.user_id) == (2**31 - 1, -edge, edge)
    assert parsed.message_id == 2**31 - 1
    assert isinstance(parse_update({**update, "update_id": 0}, None), Incoming)
