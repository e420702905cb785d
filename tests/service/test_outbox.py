"""The outbox through the service, on SQLite and PostgreSQL: what an update sends is stored with
its state, sealed, and stays until it is delivered; a crash leaves it to be sent again."""

from __future__ import annotations

import logging

import pytest

from bot.content.bundle import Content
from bot.core import texts
from bot.core.events import Command, Start, Tap
from bot.service.messages import EraseChat, Inbound, OutButton, Reply, TapAnswer
from bot.service.outbox import (
    MakeAdminReport,
    MakeCertificate,
    Parcel,
    VerifyCode,
    decode,
    encode,
    first_tap_answer,
)
from bot.testing.database import Database
from bot.testing.service import RAW_ID, service_on
from bot.testing.user import ServiceUser

ADDRESS = {"chat": int(RAW_ID), "message": None, "callback": None, "user": int(RAW_ID)}


def inbound(event: object, update_id: int, **more: object) -> Inbound:
    """Return an inbound from the test user with a Telegram-like address."""
    return Inbound("telegram", RAW_ID, event, "en", update_id, ADDRESS, **more)  # type: ignore[arg-type]


async def test_a_reply_waits_in_the_outbox_sealed_until_delivered(
    database: Database, content: Content
) -> None:
    """The home screen is stored with the state; nothing readable is in the row; once
    delivered it is gone."""
    service = service_on(database.store, content)
    pending = await service.accept(inbound(Start(), 1))
    assert pending.id is not None
    [row] = await database.rows("outbox")
    payload = str(row[2])
    assert RAW_ID not in payload and "Welcome" not in payload and "chat" not in payload
    [stored] = await service.outbox.due("telegram", None, 10)
    assert stored.parcel == pending.parcel and stored.sent == 0
    [home] = await service.messages(stored)
    assert isinstance(home, Reply) and "Welcome to Beacon." in home.text
    await service.outbox.delivered(stored)
    assert await database.rows("outbox") == []


async def test_progress_is_kept_so_a_resumed_delivery_starts_where_it_stopped(
    database: Database, content: Content
) -> None:
    """After the first messages went out, the entry says so when it is read back."""
    service = service_on(database.store, content)
    pending = await service.accept(inbound(Start(), 1))
    await service.outbox.progress(pending, 1)
    [stored] = await service.outbox.due("telegram", None, 10)
    assert stored.sent == 1


async def test_forgetting_keeps_only_the_sealed_confirmation_until_it_is_sent(
    database: Database, content: Content
) -> None:
    """/forget deletes every row about the user in the same unit that stores its reply."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    await user.send("/forget")
    data = user.keyboard.data_for("Yes, delete everything")
    pending = await service.accept(inbound(Tap(data), 999))
    counts = await database.counts()
    assert counts["users"] == counts["conversations"] == 0 and counts["outbox"] == 1
    [stored] = await service.outbox.due("telegram", None, 10)
    messages = await service.messages(stored)
    assert any(isinstance(m, Reply) for m in messages)
    assert isinstance(messages[0], TapAnswer)
    await service.outbox.delivered(pending)
    assert await database.rows("outbox") == []


async def test_a_redelivered_update_stores_nothing_and_answers_only_the_tap(
    database: Database, content: Content
) -> None:
    """The same update id again: no new entry, and only the tap's answer to send."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    data = user.keyboard.data_for("Learn the signs")
    first = await service.accept(inbound(Tap(data), 700))
    again = await service.accept(inbound(Tap(data), 700))
    assert first.id is not None and again.id is None
    assert again.parcel.items == (TapAnswer(),)
    assert len(await database.rows("outbox")) == 1


async def test_admin_in_a_group_is_pointed_to_a_private_chat(
    database: Database, content: Content
) -> None:
    """/admin in a group never makes the figures: it says to ask in private."""
    service = service_on(database.store, content)
    pending = await service.accept(inbound(Command("admin"), 1, private=False))
    assert pending.parcel.items == (Reply(texts.ADMIN_PRIVATE_ONLY.text),)
    private = await service.accept(inbound(Command("admin"), 2))
    assert private.parcel.items == (MakeAdminReport(),)


def test_every_item_survives_the_round_trip() -> None:
    """A parcel written and read back is the same parcel."""
    parcel = Parcel(
        "telegram",
        {"chat": 5, "message": 9, "callback": "cb", "user": 5},
        "k" * 64,
        "es",
        "es-MX",
        (
            TapAnswer("old"),
            Reply("¡Hola! <b>", ((OutButton("Sí", "1.2.c0"),),), True),
            Reply(
                "contacts",
                (
                    (OutButton("Copy", "1-888-373-7888", "copy"),),
                    (OutButton("Open", "https://example.org", "url"), OutButton("Back", "1.2.b")),
                ),
            ),
            Reply("again", (), False, tail=True),
            EraseChat(),
            MakeCertificate("learn:menu", "Ana María"),
            VerifyCode("BCN-1234"),
            MakeAdminReport(),
        ),
    )
    assert decode("telegram", encode(parcel)) == parcel


def test_a_tap_answer_comes_first_and_only_for_taps() -> None:
    """A tap is always answered first (an empty answer when the step gave none)."""
    reply = Reply("x")
    assert first_tap_answer([reply], tap=True) == [TapAnswer(), reply]
    assert first_tap_answer([reply, TapAnswer("n")], tap=True) == [TapAnswer("n"), reply]
    assert first_tap_answer([reply, TapAnswer("n")], tap=False) == [reply]


async def test_an_entry_that_cannot_be_opened_is_dropped_and_logged(
    database: Database, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """An entry sealed with another secret is logged by id and removed, never sent."""
    service = service_on(database.store, content)
    other = service_on(database.store, content)
    other.outbox.sealer = type(service.outbox.sealer)(b"another-secret-" * 3, b"beacon/outbox")
    await other.accept(inbound(Start(), 1))
    with caplog.at_level(logging.ERROR):
        assert await service.outbox.due("telegram", None, 10) == []
    assert "outbox_unreadable" in caplog.text
    assert await database.rows("outbox") == []
