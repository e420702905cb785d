"""ConversationService on a real database: dedupe, double taps, stale keyboards, privacy."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.content.bundle import Content
from bot.core import texts
from bot.core.events import Resume, Start, Tap
from bot.core.inputs import parse_text
from bot.service.messages import Inbound, Reply, TapAnswer
from bot.service.user_keys import UserKeyer
from bot.storage.tables import metadata
from bot.testing.database import Database
from bot.testing.service import RAW_ID, SECRET, service_on
from bot.testing.user import ServiceUser, distinct_user


async def revision(database: Database) -> int:
    """Return the single conversation's revision."""
    [row] = await database.rows("conversations")
    return int(row[1])


async def answers(database: Database) -> int:
    """Return how many quiz answers are stored."""
    return len(await database.rows("quiz_answers"))


async def to_first_question(user: ServiceUser) -> None:
    """Walk from /start to the first quiz question."""
    await user.event(Start())
    await user.click("Learn the signs")
    await user.click("Recognize the signs")
    await user.click("Start")


async def test_a_redelivered_update_changes_nothing(database: Database, content: Content) -> None:
    """Handling the same update id twice changes state and records once."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await to_first_question(user)
    data = user.keyboard.rows[1][0].data
    first = await user.event(Tap(data), update_id=500)
    before = (await revision(database), await answers(database))
    again = await user.event(Tap(data), update_id=500)
    assert any(isinstance(m, Reply) for m in first)
    assert again == [TapAnswer()]
    assert (await revision(database), await answers(database)) == before == (before[0], 1)


async def test_a_double_tap_changes_state_once(database: Database, content: Content) -> None:
    """Two taps on the same keyboard, handled at the same time, answer the question once."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await to_first_question(user)
    start_revision = await revision(database)
    data = user.keyboard.rows[0][0].data
    results = await asyncio.gather(
        service.handle(Inbound("telegram", RAW_ID, Tap(data), "en", 900)),
        service.handle(Inbound("telegram", RAW_ID, Tap(data), "en", 901)),
    )
    assert await answers(database) == 1
    assert await revision(database) == start_revision + 1
    stale = [r for r in results if r == [TapAnswer(texts.STALE.text)]]
    assert len(stale) == 1, results


async def test_a_re_answer_after_back_is_not_stored(database: Database, content: Content) -> None:
    """Answer, Back, another option: the first answer's feedback again, one stored row."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await to_first_question(user)
    await user.event(Tap(user.keyboard.rows[0][0].data))
    await user.click("Back")
    again = await user.event(Tap(user.keyboard.rows[1][0].data))
    assert TapAnswer(texts.FIRST_ANSWER_COUNTS.text) in again
    assert await answers(database) == 1


async def test_a_stale_keyboard_changes_nothing(database: Database, content: Content) -> None:
    """A button from an earlier screen is answered as stale and acts on nothing."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    old = user.keyboard.data_for("Report or get help")
    await user.click("Learn the signs")
    before = await revision(database)
    out = await user.event(Tap(old))
    assert out == [TapAnswer(texts.STALE.text)]
    assert await revision(database) == before


async def test_forged_callback_data_is_refused_kindly(database: Database, content: Content) -> None:
    """Callback data nobody drew, even with the current revision, changes nothing."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    current = await revision(database)
    for data in ("x" * 64, f"1.{current:x}.c99", "1.0.l../etc", "🙂"):
        out = await user.event(Tap(data))
        assert len(out) == 1 and isinstance(out[0], TapAnswer) and out[0].text
    assert await revision(database) == current


async def test_users_are_stored_only_under_a_keyed_hash(
    database: Database, content: Content
) -> None:
    """The raw platform id appears nowhere in the database; the key is the HMAC."""
    service = service_on(database.store, content)
    await ServiceUser(service).event(Start())
    keys = [row[1] for row in await database.rows("users")]
    dump = repr([await database.rows(table) for table in ("users", "conversations")])
    assert keys == [UserKeyer(SECRET).key("telegram", RAW_ID)]
    assert RAW_ID not in dump


async def test_typed_text_leaves_no_trace(
    database: Database, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """A message with case details is answered with where to send them and kept nowhere."""
    marker = "MARKER-7f3a at 1234 Main St, room 12"
    service = service_on(database.store, content)
    user = ServiceUser(service)
    caplog.set_level(logging.DEBUG)
    await user.event(Start())
    await user.click("Report or get help")
    out = await user.event(parse_text(marker))
    assert isinstance(out[0], Reply) and out[0].text.startswith(texts.CASE_DETAILS.text)
    rows = [await database.rows(table) for table in metadata.tables]
    assert "MARKER" not in repr(rows)
    assert "MARKER" not in caplog.text and RAW_ID not in caplog.text
    assert len(await database.rows("users")) == 1


async def test_a_restart_resumes_where_the_user_was(database: Database, content: Content) -> None:
    """A new service on the same database (a restart) shows the same screen, same keyboard."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await to_first_question(user)
    before = user.keyboard.rows
    restarted = service_on(database.store, content)
    again = ServiceUser(restarted)
    again.update_id = user.update_id
    out = await again.event(Resume())
    assert isinstance(out[0], Reply) and out[0].buttons == before
    await again.click(before[0][0].label)
    assert await answers(database) == 1


async def test_resource_views_are_counted_without_a_user(
    database: Database, content: Content
) -> None:
    """Showing channels adds anonymous per-day counts."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    labels = ("Report or get help", "United States", "Arizona", "A child or teen (maybe under 18)")
    for label in labels:
        await user.click(label)
    rows = {row[0]: row[3] for row in await database.rows("resource_view_counts")}
    assert rows == {"ncmec": 1, "az_dcs": 1, "nhth": 1, "az_tipline": 1}
    columns = set(metadata.tables["resource_view_counts"].c.keys())
    assert columns == {"resource_id", "day", "shard", "views"}


async def test_language_choice_is_stored(database: Database, content: Content) -> None:
    """Choosing a language stores it on the user."""
    service = service_on(database.store, content)
    user = ServiceUser(service)
    await user.event(Start())
    await user.click("Language")
    await user.click("English")
    assert [row[2] for row in await database.rows("users")] == ["en"]


async def test_each_learner_gets_an_order_of_their_own(
    database: Database, content: Content
) -> None:
    """The service seeds each learner from their user key: the state keeps the seed, two
    learners see the first question's options in different orders, and one learner's order
    is the same when they come back."""
    orders = {}
    for user_id in ("103", "104"):
        user = distinct_user(service_on(database.store, content), user_id)
        await to_first_question(user)
        orders[user_id] = [b.label for row in user.keyboard.rows[:3] for b in row]
        await user.event(Resume())
        assert [b.label for row in user.keyboard.rows[:3] for b in row] == orders[user_id]
    assert orders["103"] != orders["104"]
    assert sorted(orders["103"]) == sorted(orders["104"])
    seeds = {row[2]["seed"] for row in await database.rows("conversations")}
    keyer = UserKeyer(SECRET)
    assert seeds == {keyer.seed(keyer.key("telegram", u)) for u in orders}
