"""Exit's message log in the database: ids under the chat's keyed hash, returned once while
under 48 hours old, kept only for stored users, and deleted by /forget (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from bot.service.ports import Loaded, Writes
from bot.service.user_keys import UserKeyer
from bot.storage.exit_message_table import ExitMessageWriter, SqlMessageLog
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.simulator import FIXED_NOW

SECRET = TEST_USER_KEY_SECRET.encode()
CHAT = 424_242_424
HOUR = dt.timedelta(hours=1)


def keep(loaded: Loaded) -> tuple[Writes, None]:
    """Decide to write nothing."""
    return Writes(), None


def forget(loaded: Loaded) -> tuple[Writes, None]:
    """Decide to delete the user."""
    return Writes(forget=True), None


async def meet(database: Database, chat_id: int) -> str:
    """Store the user whose private chat this is, as the service does; return their key."""
    key = UserKeyer(SECRET).key("telegram", str(chat_id))
    await database.store.apply(key, None, FIXED_NOW, keep)
    return key


def message_log(database: Database) -> tuple[SqlMessageLog, ManualClock]:
    """Return a log on the test database with a clock the test moves."""
    clock = ManualClock(FIXED_NOW)
    assert isinstance(database.store, ExitMessageWriter)
    log = SqlMessageLog(database.engine, UserKeyer(SECRET), clock, database.store, "telegram")
    return log, clock


async def test_ids_come_back_once_and_only_while_young(database: Database) -> None:
    """Ids older than 48 hours are not returned; taking forgets every id of the chat."""
    await meet(database, CHAT)
    log, clock = message_log(database)
    await log.add(CHAT, 1)
    await log.add(CHAT, 2)
    clock.advance(47 * HOUR)
    await log.add(CHAT, 3)
    await log.add(CHAT, 3)  # recorded twice (a redelivery): kept once
    clock.advance(2 * HOUR)
    await log.add(CHAT, 4)
    assert await log.take_recent(CHAT) == [3, 4]
    assert await database.rows("exit_messages") == []
    assert await log.take_recent(CHAT) == []


async def test_rows_hold_the_keyed_hash_and_never_the_chat_id(database: Database) -> None:
    """A row is (user's key, message id, time): the raw chat id appears nowhere."""
    key = await meet(database, CHAT)
    log, _ = message_log(database)
    await log.add(CHAT, 7)
    [(chat_key, message_id, sent_at)] = await database.rows("exit_messages")
    assert (chat_key, message_id) == (key, 7)
    assert str(CHAT) not in repr(await database.rows("exit_messages"))
    assert [row[1] for row in await database.rows("users")] == [chat_key]
    assert sent_at is not None


async def test_chats_that_are_not_stored_users_are_not_recorded(database: Database) -> None:
    """A group chat, or a user Beacon does not know (or who used /forget), leaves no row."""
    await meet(database, CHAT)
    log, _ = message_log(database)
    await log.add(-100_123_456, 5)
    await log.add(CHAT + 1, 6)
    assert await database.rows("exit_messages") == []
    assert await log.take_recent(-100_123_456) == []


async def test_each_chat_keeps_its_own_ids(database: Database) -> None:
    """Taking one chat's ids leaves another chat's alone."""
    await meet(database, CHAT)
    await meet(database, CHAT + 1)
    log, _ = message_log(database)
    await log.add(CHAT, 1)
    await log.add(CHAT + 1, 1)
    await log.add(CHAT + 1, 2)
    assert await log.take_recent(CHAT) == [1]
    assert await log.take_recent(CHAT + 1) == [1, 2]


async def test_forget_deletes_the_users_exit_ids(database: Database) -> None:
    """/forget's unit of work removes the user's exit ids with the user; others stay."""
    key = await meet(database, CHAT)
    await meet(database, CHAT + 1)
    log, _ = message_log(database)
    await log.add(CHAT, 1)
    await log.add(CHAT + 1, 2)
    await database.store.apply(key, None, FIXED_NOW, forget)
    rows = await database.rows("exit_messages")
    assert [row[1] for row in rows] == [2] and key not in repr(rows)
    await log.add(CHAT, 3)  # the reply confirming /forget: its user is gone, so not kept
    assert len(await database.rows("exit_messages")) == 1
