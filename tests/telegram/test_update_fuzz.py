"""parse_update never raises: 100,000 mutated Bot API updates each parse to a Parsed value whose
ids are in range (a seeded mutation fuzzer over one valid update of each kind)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import App
from bot.core.events import Event
from bot.testing.fake_telegram.builders import (
    chat_json,
    chat_member_json,
    command_entities,
    media_fields,
    private_chat_json,
    user_json,
)
from bot.testing.fake_telegram.models import FakeChat, FakeUser, JsonObject
from bot.testing.recording_api import RecordingApi
from bot.transports.telegram.bridge import TelegramBridge
from bot.transports.telegram.delivery import RetryPolicy, SentMessages
from bot.transports.telegram.updates import (
    MAX_ID,
    PEER_ID_LIMIT,
    GroupCommand,
    Ignored,
    Incoming,
    MembershipChange,
    Parsed,
    PollAnswer,
    parse_update,
)

SEED = 12
MUTATED_UPDATES = 100_000
BOT = "BeaconTestBot"
ANN = FakeUser(987654321, "Ann", "es")
GROUP = FakeChat(-1001234567890, "supergroup", "Outreach")
CHANNEL = FakeChat(-1009876543210, "channel", "News")
BOT_USER: JsonObject = {"id": 5_000_000_001, "is_bot": True, "first_name": "B", "username": BOT}
JUNK: tuple[object, ...] = (
    None, True, False, 0, -1, -(2**63), 2**31, 2**53, 2**64, 10**400, 1.5, -0.0,
    float("nan"), float("inf"), "", "42", "x" * 10_000, "\ud800\u202e\x00\N{PILE OF POO}",
    [], [1, [2, {"id": 3}]], {}, {"id": {"id": None}}, {"message": {"text": "/start"}},
)  # fmt: skip
"""Values a mutation puts in place of another: other types, huge, negative, empty, junk."""
KEYS = (
    "update_id", "message", "callback_query", "my_chat_member", "poll_answer", "from", "chat",
    "id", "type", "text", "message_id", "location", "data", "user", "option_ids", "status",
)  # fmt: skip
"""Keys a mutation adds to an object, so that missing parts turn up with the wrong type."""
DELETE = object()
Path = tuple[str | int, ...]


def _message(chat: JsonObject, **fields: object) -> JsonObject:
    """Return a message from Ann in a chat."""
    return {"message_id": 7, "date": 1_700_000_000, "chat": chat, "from": user_json(ANN), **fields}


def _text(chat: JsonObject, text: str) -> JsonObject:
    """Return a text message from Ann, with the command entity Telegram adds."""
    return _message(chat, text=text, entities=command_entities(text))


def _member_change(status: str) -> JsonObject:
    """Return Ann's private chat's change of the bot's status (kicked: she blocked it)."""
    old = chat_member_json("member" if status == "kicked" else "kicked", BOT_USER)
    return {
        "chat": private_chat_json(ANN),
        "from": user_json(ANN),
        "date": 1_700_000_000,
        "old_chat_member": old,
        "new_chat_member": chat_member_json(status, BOT_USER),
    }


def corpus() -> list[JsonObject]:
    """Return one valid update of each kind Beacon answers or ignores."""
    private, group = private_chat_json(ANN), chat_json(GROUP)
    tapped = {**_text(private, "Pick one"), "from": BOT_USER}
    query = {"id": "4000000000000000001", "from": user_json(ANN), "chat_instance": "7919"}
    venue = {"location": {"latitude": 33.45, "longitude": -112.07}, "title": "Hall"}
    post = {"message_id": 3, "date": 1_700_000_000, "chat": chat_json(CHANNEL), "text": "news"}
    bodies: list[JsonObject] = [
        {"message": _text(private, "hello")},
        {"message": _text(private, f"/menu@{BOT}")},
        {"message": _text(private, "/start report-phx")},
        {"callback_query": {**query, "message": tapped, "data": "1.a.c0"}},
        {"callback_query": {**query, "inline_message_id": "abc", "data": "1.a.c1"}},
        {"message": _message(private, **media_fields("location", 1, ANN))},
        {"message": _message(private, venue={**venue, "address": "1 Main St"}, **venue)},
        {"message": _message(private, **media_fields("sticker", 2, ANN))},
        {"message": _message(private, **media_fields("photo", 3, ANN))},
        {"my_chat_member": _member_change("kicked")},
        {"my_chat_member": _member_change("member")},
        {"poll_answer": {"poll_id": "5", "user": user_json(ANN), "option_ids": [1]}},
        {"message": _text(group, f"/quiz@{BOT} signs")},
        {"message": _text(group, f"/help@{BOT}")},
        {"message": _text(group, "hello everyone")},
        {"edited_message": {**_text(private, "hello again"), "edit_date": 1_700_000_001}},
        {"channel_post": {**post, "sender_chat": chat_json(CHANNEL)}},
    ]
    return [{"update_id": 100 + number, **body} for number, body in enumerate(bodies)]


def _paths(value: object) -> list[Path]:
    """Return the path of a value and of everything inside it."""
    found: list[Path] = []
    pending: list[tuple[Path, object]] = [((), value)]
    while pending:
        path, part = pending.pop()
        found.append(path)
        if isinstance(part, dict):
            pending.extend(((*path, key), child) for key, child in part.items())
        elif isinstance(part, list):
            pending.extend(((*path, index), child) for index, child in enumerate(part))
    return found


def _descent(value: object, rng: random.Random) -> Path:
    """Return the path of a random part of value, found by entering a random child at each
    level until a leaf, or with one chance in four at each object."""
    path: list[str | int] = []
    while isinstance(value, dict | list) and value and rng.random() < 0.75:
        key = rng.choice(list(value)) if isinstance(value, dict) else rng.randrange(len(value))
        path.append(key)
        value = value[key]
    return tuple(path)


def _retyped(value: object) -> object:
    """Return the same content as another JSON type (1 -> "1", "a" -> ["a"], {} -> [])."""
    match value:
        case bool():
            return int(value)
        case int() | float():
            return str(value)
        case str():
            return [value]
        case dict():
            return list(value.values())
        case list():
            return {str(index): item for index, item in enumerate(value)}
    return {"id": value}


def _changed(value: object, rng: random.Random) -> object:
    """Return what one mutation makes of a value: DELETE, junk, an added key, or a retyping."""
    match rng.randrange(4):
        case 0:
            return DELETE
        case 1:
            return rng.choice(JUNK)
        case 2 if isinstance(value, dict):
            return {**value, rng.choice(KEYS): rng.choice(JUNK)}
    return _retyped(value)


def _mutated(value: object, path: Path, rng: random.Random) -> object:
    """Return value with the part at path changed, copying only the objects along the path."""
    if not path:
        changed = _changed(value, rng)
        return rng.choice(JUNK) if changed is DELETE else changed
    if not isinstance(value, dict | list):
        return value
    parts: dict[Any, object] = dict(value) if isinstance(value, dict) else dict(enumerate(value))
    head, rest = path[0], path[1:]
    new = _mutated(parts[head], rest, rng) if rest else _changed(parts[head], rng)
    if new is DELETE:
        del parts[head]
    else:
        parts[head] = new
    return parts if isinstance(value, dict) else list(parts.values())


def mutated_updates(count: int = MUTATED_UPDATES, seed: int = SEED) -> Iterator[object]:
    """Yield `count` updates, each a corpus update with one to three random mutations: the
    first anywhere in it, the others along a random descent (into what earlier ones put)."""
    rng = random.Random(seed)
    originals = corpus()
    places = [_paths(update) for update in originals]
    for _ in range(count):
        chosen = rng.randrange(len(originals))
        update: object = originals[chosen]
        for step in range(rng.choice((1, 1, 1, 2, 3))):
            path = rng.choice(places[chosen]) if step == 0 else _descent(update, rng)
            update = _mutated(update, path, rng)
        yield update


def _peer(value: object) -> bool:
    """Say whether a chat or user id is an int below 2**52 in absolute value."""
    return type(value) is int and abs(value) < PEER_ID_LIMIT


def problem(parsed: Parsed) -> str | None:
    """Return what is wrong with a parsed update (an id out of range, a wrong type), or None."""
    if type(parsed.update_id) is not int or not 0 <= parsed.update_id <= MAX_ID:
        return "update_id"
    match parsed:
        case Incoming(_, chat_id, user_id, language, event, message_id, callback_id):
            if not (_peer(chat_id) and _peer(user_id)):
                return "chat or user id"
            if message_id is not None and not (
                type(message_id) is int and 1 <= message_id <= MAX_ID
            ):
                return "message_id"
            if not isinstance(event, Event) or not isinstance(language, str | None):
                return "event or language"
            return None if isinstance(callback_id, str | None) else "callback_id"
        case GroupCommand(_, chat_id, user_id):
            return None if _peer(chat_id) and _peer(user_id) else "chat or user id"
        case MembershipChange(_, user_id):
            return None if _peer(user_id) else "user id"
        case PollAnswer(_, poll_id, user_id, _, options):
            valid = all(type(option) is int and 0 <= option <= MAX_ID for option in options)
            return None if isinstance(poll_id, str) and _peer(user_id) and valid else "poll answer"
        case Ignored(_, reason):
            return None if reason else "no reason"
    return f"not a Parsed value: {type(parsed).__name__}"


def test_the_corpus_is_valid_updates_of_each_kind() -> None:
    """Unmutated, the corpus parses to what each update is (so mutations start from sense)."""
    kinds = [type(parse_update(update, BOT)).__name__ for update in corpus()]
    assert kinds == [
        *["Incoming"] * 9,
        *["MembershipChange"] * 2,
        "PollAnswer",
        "GroupCommand",
        "Incoming",
        *["Ignored"] * 3,
    ]


def test_no_mutated_update_raises_or_yields_an_id_out_of_range() -> None:
    """100,000 mutated updates: none raises, each Parsed value is sound, and both answered and
    ignored updates turn up in numbers (so the mutations neither all break nor all miss)."""
    kinds: Counter[str] = Counter()
    failures: list[str] = []
    for number, update in enumerate(mutated_updates()):
        try:
            parsed = parse_update(update, BOT)
        except Exception as error:
            failures.append(f"#{number} raised {type(error).__name__}: {repr(update)[:300]}")
            continue
        kinds[type(parsed).__name__] += 1
        wrong = problem(parsed)
        if wrong is not None:
            failures.append(f"#{number} {wrong}: {parsed!r:.300}")
    assert failures[:5] == []
    assert sum(kinds.values()) == MUTATED_UPDATES
    assert min(kinds.values()) > 1_000 and len(kinds) == 5, kinds


BRIDGE_UPDATES = 2_000


async def test_the_bridge_feeds_mutated_updates_without_raising(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """2,000 mutated updates fed to a real bridge (real service and database, a recording
    Telegram): feed never raises, and none needed its last-resort guard (no update_failed)."""
    api = RecordingApi()
    bridge = TelegramBridge(app.service, api, SentMessages(), RetryPolicy(backoff_base=0.0))
    await bridge.start("BeaconTestBot")
    results = [await bridge.feed(update) for update in mutated_updates(BRIDGE_UPDATES, seed=7)]
    await bridge.close(30)
    assert all(isinstance(result, bool) for result in results)
    assert results.count(True) > BRIDGE_UPDATES // 2
    assert "update_failed" not in caplog.text and "delivery_crashed" not in caplog.text
