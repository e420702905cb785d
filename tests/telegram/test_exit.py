"""Quick exit on Telegram, end to end: /exit and the Exit button delete every message of the
private chat still under 48 hours old, both sides, across a restart, and then Beacon says nothing
more; /forget leaves no row about the user in any table."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.storage.certificate_table import CertificateTable
from bot.storage.tables import metadata
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running

SENDING = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto"}
)
TYPED = "There is a girl at 1234 Main St who never leaves the motel"
NOT_ABOUT_ANYONE = frozenset(
    {
        "processed_updates",
        "resource_view_counts",
        "campaigns",
        "campaign_counts",
        "organizations",
        "departments",
        "beacon_meta",
        "job_leases",
        "campaign_starts",
        "outbox",
    }
)
"""Tables with no link to a person: update ids (platform:update_id), anonymous counts,
outreach campaigns with their per-day counts, the secret's fingerprint, which worker holds each
job's lease, keyed start markers, and sealed replies waiting to go out (the test checks that
none is left)."""
LINKS = ("user_id", "user_key", "chat_key", "session_key")
"""Columns that name a person: their row id, or their keyed id (a web session's key is one)."""


def chat_ids(fake: FakeTelegram, person: FakeUser) -> tuple[set[int], set[int]]:
    """Return the ids of the bot's and the user's messages still in the private chat."""
    chat = fake.world.chats.get(person.id)
    return set(chat.bot_messages), set(chat.user_messages)


def next_message_id(fake: FakeTelegram, person: FakeUser) -> int:
    """Return the id the next message of the private chat will get (either side)."""
    return fake.world.chats.get(person.id).next_message_id


def deleted(fake: FakeTelegram, person: FakeUser) -> list[int]:
    """Return every message id Beacon asked Telegram to delete in the private chat."""
    return sorted(
        int(message_id)
        for call in fake.calls_to("deleteMessages")
        if call.chat_id == person.id and call.status == 200
        for message_id in call.params["message_ids"]
    )


def assert_silent_after_erasing(fake: FakeTelegram, person: FakeUser) -> None:
    """Assert the chat was erased and Beacon sent or edited nothing there afterwards."""
    calls = [call for call in fake.calls if call.chat_id == person.id]
    erasing = [i for i, call in enumerate(calls) if call.method == "deleteMessages"]
    assert erasing, "Beacon never called deleteMessages"
    after = [call.method for call in calls[erasing[-1] + 1 :] if call.method in SENDING]
    assert after == []


async def talk_on_the_report_side(user: TelegramUser) -> None:
    """Open Beacon, go to "Report or get help", type details, and tap the first answer."""
    await user.act({"send": "/start"})
    await user.act({"click": "Report or get help"})
    typed = await user.act({"send": TYPED})
    assert typed[0]["text"].startswith("Beacon is not a hotline and cannot receive a report")
    _, rows = user.latest_keyboard()
    await user.act({"tap_data": rows[0][0]["callback_data"]})


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_exit_empties_the_chat_and_says_nothing_more(
    fake: FakeTelegram, app: App, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """After talking on the report side, /exit deletes both sides; nothing is sent after."""
    caplog.set_level(logging.DEBUG, logger="beacon")
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await talk_on_the_report_side(user)
        bot_before, user_before = chat_ids(fake, person)
        assert len(bot_before) >= 3 and len(user_before) == 2
        exit_message = next_message_id(fake, person)
        seen = await user.act({"send": "/exit"})
        assert seen == [{"erase_chat": True}]
        assert fake.messages(person.id) == []
        assert chat_ids(fake, person) == (set(), set())
        assert deleted(fake, person) == sorted(bot_before | user_before | {exit_message})
        assert_silent_after_erasing(fake, person)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("beacon"))
    assert ours and str(person.id) not in ours and TYPED not in ours and fake.token not in ours


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_the_exit_button_empties_the_chat(fake: FakeTelegram, app: App, kind: str) -> None:
    """The Exit button on a report screen answers the tap, then deletes both sides, silently."""
    async with running(fake, app, kind, "webhook") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await talk_on_the_report_side(user)
        seen = await user.act({"click": "Exit"})
        assert seen == [{"tap_answer": None}, {"erase_chat": True}]
        assert chat_ids(fake, person) == (set(), set())
        assert_silent_after_erasing(fake, person)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_exit_deletes_only_what_is_under_48_hours_old(
    fake: FakeTelegram, app: App, clock: ManualClock, kind: str
) -> None:
    """Messages from 49 hours ago stay (Telegram refuses them); everything since is deleted."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await user.act({"send": "/start"})
        await user.act({"send": "/help"})
        old_bot, old_user = chat_ids(fake, person)
        clock.advance(dt.timedelta(hours=49))
        await talk_on_the_report_side(user)
        new_bot, new_user_side = chat_ids(fake, person)
        young = (new_bot - old_bot) | (new_user_side - old_user)
        assert len(young) >= 5
        exit_message = next_message_id(fake, person)
        await user.act({"send": "/exit"})
        assert deleted(fake, person) == sorted(young | {exit_message})
        assert chat_ids(fake, person) == (old_bot, old_user)
        assert_silent_after_erasing(fake, person)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_exit_after_a_restart_deletes_what_came_before_it(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """Chat, stop Beacon, start a new runtime on the same database: /exit still empties it."""
    person = new_user()
    async with running(fake, app, kind, "polling") as runtime:
        await talk_on_the_report_side(TelegramUser(fake, runtime, person))
    before = chat_ids(fake, person)
    assert before[0] and before[1]
    async with running(fake, app, kind, "polling") as restarted:
        await TelegramUser(fake, restarted, person).act({"send": "/exit"})
        assert chat_ids(fake, person) == (set(), set())
        assert set(deleted(fake, person)) >= before[0] | before[1]
        assert_silent_after_erasing(fake, person)


async def rows_about(app: App, user_key: str, user_id: int) -> dict[str, list[Any]]:
    """Return, for every table, the rows that name this user by key or id."""
    found: dict[str, list[Any]] = {}
    async with app.database.connect() as connection:
        for name, table in metadata.tables.items():
            links = [column for column in LINKS if column in table.c]
            assert links or name in NOT_ABOUT_ANYONE, f"{name}: how does it link to a user?"
            rows = list(await connection.execute(select(table)))
            found[name] = [
                row
                for row in rows
                if user_key in repr(tuple(row))
                or ("user_id" in links and row._mapping["user_id"] == user_id)
            ]
    return found


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_forget_leaves_no_row_about_the_user(fake: FakeTelegram, app: App, kind: str) -> None:
    """Report side, a quiz answer, reminders, a certificate: after /forget no table names them."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await talk_on_the_report_side(user)
        await user.act({"send": "/start signs"})
        await user.act({"click": "Start"})
        await user.act({"click": "Yes, it's a clear sign"})
        await user.act({"send": "/reminders"})
        await user.act({"click": "Turn reminders on"})
        user_key = app.service.keyer.key("telegram", str(person.id))
        certificates = CertificateTable(app.database)
        issued = await certificates.issue(
            user_key, "learn:menu", "Ana", "en", app.service.clock.now()
        )
        async with app.database.connect() as connection:
            users = metadata.tables["users"]
            query = select(users.c.id).where(users.c.user_key == user_key)
            user_id = int((await connection.execute(query)).scalar_one())
        before = await rows_about(app, user_key, user_id)
        touched = ("users", "conversations", "quiz_answers", "reminders", "certificates")
        assert all(before[name] for name in (*touched, "exit_messages")), before
        await user.act({"send": "/forget"})
        done = await user.act({"click": "Yes, delete everything"})
        assert done[-1]["text"]
    after = await rows_about(app, user_key, user_id)
    assert after == {name: [] for name in metadata.tables}
    async with app.database.connect() as connection:
        waiting = (await connection.exec_driver_sql("SELECT count(*) FROM outbox")).scalar()
    assert waiting == 0, "a reply is still waiting in the outbox"
    kept = await certificates.find(issued.serial)
    assert kept is not None and kept.name is None and kept.course == "learn:menu"
