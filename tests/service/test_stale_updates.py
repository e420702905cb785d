"""A late, older update never overrides a newer one: on a real database, an update numbered
below the last one applied to its person changes nothing, says so, and is counted as stale."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from bot.content.bundle import Content
from bot.core.events import FreeText, Start, Tap, TextKind
from bot.core.ordering import SEQUENCE_KEPT
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Reply, TapAnswer
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database
from bot.testing.service import RAW_ID, service_on
from bot.testing.user import ServiceUser

OVERTAKEN = "That message arrived after a newer one, so nothing changed."
STALE = "That button is from an earlier screen, so nothing changed."
LAST = 201
"""The number of the last update applied before an older one arrives."""


async def saved(database: Database) -> tuple[object, ...]:
    """Return the one stored conversation row (its state and revision)."""
    [row] = await database.rows("conversations")
    return tuple(row[:3])


def outcomes(service: ConversationService, outcome: str) -> float:
    """Return how many Telegram updates the service counted with this outcome."""
    registry = service.metrics.registry
    value = registry.get_sample_value(
        "beacon_updates_total", {"channel": "telegram", "outcome": outcome}
    )
    return value or 0.0


async def on_the_learning_menu(service: ConversationService) -> ServiceUser:
    """Return a user on the learning menu, the last update numbered 201, with numbers below
    it never used (an older update still on its way)."""
    user = ServiceUser(service, sequenced=True)
    await user.event(Start())
    user.update_id = LAST - 1
    await user.click("Learn the signs")
    return user


async def test_an_older_message_after_a_newer_one_changes_nothing(
    database: Database, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """Text numbered below the last update applied leaves the state as it is, says it arrived
    after a newer one and shows the current screen again; it counts as stale, and its log
    line holds neither the text nor the user."""
    service = service_on(database.store, content)
    user = await on_the_learning_menu(service)
    before, keyboard = await saved(database), user.keyboard.rows
    caplog.set_level(logging.DEBUG)
    out = await user.event(FreeText(TextKind.SHORT, "MARKER words"), update_id=LAST - 50)
    assert await saved(database) == before
    assert isinstance(out[0], Reply) and out[0].text == OVERTAKEN
    assert isinstance(out[-1], Reply) and out[-1].buttons == keyboard
    assert outcomes(service, "stale") == 1
    assert "stale_update" in caplog.text
    assert "MARKER" not in caplog.text and RAW_ID not in caplog.text


async def test_an_older_tap_gets_the_stale_answer(database: Database, content: Content) -> None:
    """A tap numbered below the last update applied, even on the screen's own keyboard, is
    answered as a stale button and changes nothing (no quiz answer, no move)."""
    service = service_on(database.store, content)
    user = await on_the_learning_menu(service)
    data = user.keyboard.data_for("Recognize the signs")
    before = await saved(database)
    out = await user.event(Tap(data), update_id=LAST - 50)
    assert out == [TapAnswer(STALE)]
    assert await saved(database) == before
    assert outcomes(service, "stale") == 1


async def test_a_newer_update_still_applies_after_a_stale_one(
    database: Database, content: Content
) -> None:
    """A stale update does not move the order back: the next newer update applies."""
    service = service_on(database.store, content)
    user = await on_the_learning_menu(service)
    await user.event(FreeText(TextKind.SHORT, "late"), update_id=LAST - 50)
    user.update_id = LAST
    await user.click("Recognize the signs")
    assert outcomes(service, "handled") == 3
    assert any("Recognize" in m.text for m in user.outbound if isinstance(m, Reply))


async def test_the_same_number_without_a_claim_changes_nothing(
    database: Database, content: Content
) -> None:
    """The number applied last, arriving again where no update id was claimed, is a duplicate
    as the claim would make it: nothing changes and a tap gets a blank answer."""
    service = service_on(database.store, content)
    user = await on_the_learning_menu(service)
    data = user.keyboard.data_for("Recognize the signs")
    before = await saved(database)
    again = Inbound("telegram", RAW_ID, Tap(data), "en", None, sequence=user.update_id)
    assert await service.handle(again) == [TapAnswer()]
    assert await saved(database) == before
    assert outcomes(service, "duplicate") == 1


async def test_an_order_older_than_a_day_is_forgotten(database: Database, content: Content) -> None:
    """A day after the last update, a lower number (a new bot token) is in order again."""
    clock = ManualClock(FIXED_NOW)
    service = service_on(database.store, content, clock)
    user = await on_the_learning_menu(service)
    clock.advance(SEQUENCE_KEPT + dt.timedelta(minutes=1))
    user.update_id = 1
    await user.click("Recognize the signs")
    assert outcomes(service, "stale") == 0
    assert any("Recognize" in m.text for m in user.outbound if isinstance(m, Reply))


async def test_a_channel_without_order_is_unaffected(database: Database, content: Content) -> None:
    """Updates with no number (the web, the terminal) apply whatever the numbers before."""
    service = service_on(database.store, content)
    user = await on_the_learning_menu(service)
    user.sequenced = False
    user.update_id = 1
    await user.click("Recognize the signs")
    assert outcomes(service, "stale") == 0
    assert outcomes(service, "handled") == 3


def numbered(person: int, event: object, number: int) -> Inbound:
    """Return a Telegram inbound from the `person`th of many, numbered `number` in its
    person's order (update ids, which are unique across people, keep that order)."""
    user = str(7_000_000 + person)
    address = {"chat": int(user), "message": None, "callback": None, "user": int(user)}
    update_id = number * 1000 + person
    return Inbound("telegram", user, event, "en", update_id, address, sequence=update_id)  # type: ignore[arg-type]


async def test_two_messages_at_once_keep_the_newer_number(
    database: Database, content: Content
) -> None:
    """Two typed messages of one person (neither moves them, so the revision stays) reach two
    workers at once: whichever commits last, the newer number is the one kept, so an update
    numbered between them is stale afterwards. The newer goes first, so the older is the one
    that may load before the newer commits; rounds of several people make that likely."""
    database.store.shared = True
    zero, one = (service_on(database.store, content) for _ in range(2))
    people = range(8)
    await asyncio.gather(*(zero.accept(numbered(p, Start(), 100)) for p in people))
    text = FreeText(TextKind.SHORT, "words")
    for newer in range(130, 330, 20):
        await asyncio.gather(
            *(one.accept(numbered(p, text, newer)) for p in people),
            *(zero.accept(numbered(p, text, newer - 10)) for p in people),
        )
        rows = await database.rows("conversations")
        assert sorted(row[2]["sequence"][0] // 1000 for row in rows) == [newer] * len(people)
    between = await zero.accept(numbered(0, text, newer - 5))
    assert next(i.text for i in between.parcel.items if isinstance(i, Reply)) == OVERTAKEN
