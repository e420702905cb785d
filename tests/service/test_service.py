"""ConversationService on a real database: dedupe, double taps, stale keyboards, privacy."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.bundle import Content
from bot.core import texts
from bot.core.events import Event, Resume, Start, Tap
from bot.core.inputs import parse_text
from bot.i18n.catalogs import Catalogs
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Outbound, Reply, TapAnswer
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.storage.repository import ANSWERS, CONVERSATIONS, USERS, VIEWS, SqlStore
from bot.testing.simulator import FIXED_NOW, Keyboard

SECRET = b"s" * 32
RAW_ID = "987654321"


class FixedClock:
    """A clock that always says the same time."""

    def now(self) -> dt.datetime:
        """Return the fixed time."""
        return FIXED_NOW


def service_on(database: AsyncEngine, content: Content) -> tuple[ConversationService, SqlStore]:
    """Return a service and its store on a migrated database."""
    store = SqlStore(database)
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    return ConversationService(content, store, FixedClock(), catalogs, UserKeyer(SECRET)), store


class User:
    """A simulated Telegram-like user with update ids, over the service."""

    def __init__(self, service: ConversationService, user_id: str = RAW_ID) -> None:
        """Talk to `service` as `user_id`."""
        self.service = service
        self.user_id = user_id
        self.update_id = 100
        self.keyboard = Keyboard()

    async def event(self, event: Event, update_id: int | None = None) -> list[Outbound]:
        """Send one event with a fresh update id (or a given one)."""
        if update_id is None:
            self.update_id += 1
            update_id = self.update_id
        inbound = Inbound("telegram", self.user_id, event, "en", update_id)
        out = await self.service.handle(inbound)
        self.keyboard.update(out)
        return out

    async def click(self, label: str) -> list[Outbound]:
        """Press a button on the last keyboard."""
        return await self.event(Tap(self.keyboard.data_for(label)))


async def revision(store: SqlStore) -> int:
    """Return the single conversation's revision."""
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(CONVERSATIONS.c.revision)) or -1)


async def answers(store: SqlStore) -> int:
    """Return how many quiz answers are stored."""
    return (await store.row_counts())["quiz_answers"]


async def to_first_question(user: User) -> None:
    """Walk from /start to the first quiz question."""
    await user.event(Start())
    await user.click("Learn the signs")
    await user.click("Start")


async def test_a_redelivered_update_changes_nothing(
    database: AsyncEngine, content: Content
) -> None:
    """Handling the same update id twice changes state and records once."""
    service, store = service_on(database, content)
    user = User(service)
    await to_first_question(user)
    data = user.keyboard.rows[1][0].data
    first = await user.event(Tap(data), update_id=500)
    before = (await revision(store), await answers(store))
    again = await user.event(Tap(data), update_id=500)
    assert any(isinstance(m, Reply) for m in first)
    assert again == [TapAnswer()]
    assert (await revision(store), await answers(store)) == before == (before[0], 1)


async def test_a_double_tap_changes_state_once(database: AsyncEngine, content: Content) -> None:
    """Two taps on the same keyboard, handled at the same time, answer the question once."""
    service, store = service_on(database, content)
    user = User(service)
    await to_first_question(user)
    start_revision = await revision(store)
    data = user.keyboard.rows[0][0].data
    results = await asyncio.gather(
        service.handle(Inbound("telegram", RAW_ID, Tap(data), "en", 900)),
        service.handle(Inbound("telegram", RAW_ID, Tap(data), "en", 901)),
    )
    assert await answers(store) == 1
    assert await revision(store) == start_revision + 1
    stale = [r for r in results if r == [TapAnswer(texts.STALE.text)]]
    assert len(stale) == 1, results


async def test_a_stale_keyboard_changes_nothing(database: AsyncEngine, content: Content) -> None:
    """A button from an earlier screen is answered as stale and acts on nothing."""
    service, store = service_on(database, content)
    user = User(service)
    await user.event(Start())
    old = user.keyboard.data_for("Report or get help")
    await user.click("Learn the signs")
    before = await revision(store)
    out = await user.event(Tap(old))
    assert out == [TapAnswer(texts.STALE.text)]
    assert await revision(store) == before


async def test_forged_callback_data_is_refused_kindly(
    database: AsyncEngine, content: Content
) -> None:
    """Callback data nobody drew, even with the current revision, changes nothing."""
    service, store = service_on(database, content)
    user = User(service)
    await user.event(Start())
    current = await revision(store)
    for data in ("x" * 64, f"1.{current:x}.c99", "1.0.l../etc", "🙂"):
        out = await user.event(Tap(data))
        assert len(out) == 1 and isinstance(out[0], TapAnswer) and out[0].text
    assert await revision(store) == current


async def test_users_are_stored_only_under_a_keyed_hash(
    database: AsyncEngine, content: Content
) -> None:
    """The raw platform id appears nowhere in the database; the key is the HMAC."""
    service, _ = service_on(database, content)
    await User(service).event(Start())
    async with database.connect() as connection:
        keys = list(await connection.scalars(select(USERS.c.user_key)))
        dump = repr(
            [
                tuple(row)
                for table in (USERS, CONVERSATIONS)
                for row in await connection.execute(select(table))
            ]
        )
    assert keys == [UserKeyer(SECRET).key("telegram", RAW_ID)]
    assert RAW_ID not in dump


async def test_typed_text_leaves_no_trace(
    database: AsyncEngine, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """A message with case details is answered with where to send them and kept nowhere."""
    marker = "MARKER-7f3a at 1234 Main St, room 12"
    service, store = service_on(database, content)
    user = User(service)
    caplog.set_level(logging.DEBUG)
    await user.event(Start())
    await user.click("Report or get help")
    out = await user.event(parse_text(marker))
    assert isinstance(out[0], Reply) and out[0].text == texts.CASE_DETAILS.text
    async with database.connect() as connection:
        rows = [
            tuple(row)
            for table in (USERS, CONVERSATIONS, ANSWERS, VIEWS)
            for row in await connection.execute(select(table))
        ]
    assert "MARKER" not in repr(rows)
    assert "MARKER" not in caplog.text and RAW_ID not in caplog.text
    assert (await store.row_counts())["users"] == 1


async def test_a_restart_resumes_where_the_user_was(
    database: AsyncEngine, content: Content
) -> None:
    """A new service on the same database (a restart) shows the same screen, same keyboard."""
    service, _ = service_on(database, content)
    user = User(service)
    await to_first_question(user)
    before = user.keyboard.rows
    restarted, _ = service_on(database, content)
    again = User(restarted)
    again.update_id = user.update_id
    out = await again.event(Resume())
    assert isinstance(out[0], Reply) and out[0].buttons == before
    await again.click(before[0][0].label)
    assert await answers(SqlStore(database)) == 1


async def test_resource_views_are_counted_without_a_user(
    database: AsyncEngine, content: Content
) -> None:
    """Showing channels adds anonymous per-day counts."""
    service, _ = service_on(database, content)
    user = User(service)
    await user.event(Start())
    for label in ("Report or get help", "No", "Arizona", "Yes"):
        await user.click(label)
    async with database.connect() as connection:
        rows = {r.resource_id: r.views for r in await connection.execute(select(VIEWS))}
    assert rows == {"ncmec": 1, "az_dcs": 1, "nhth": 1}
    assert set(VIEWS.c.keys()) == {"resource_id", "day", "views"}


async def test_language_choice_is_stored(database: AsyncEngine, content: Content) -> None:
    """Choosing a language stores it on the user."""
    service, _ = service_on(database, content)
    user = User(service)
    await user.event(Start())
    await user.click("Language")
    await user.click("English")
    async with database.connect() as connection:
        assert list(await connection.scalars(select(USERS.c.locale))) == ["en"]
