"""Reminders end to end below the transport: opting in stores an encrypted chat and a due time;
the scheduler sends each due reminder once, as a bulk send, never in quiet hours, and a restart
between scheduling and sending loses none and repeats none (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content
from bot.core.events import Start
from bot.service.reminders import ReminderScheduler
from bot.service.send_limits import Priority, current_priority
from bot.service.user_keys import ChatSealer
from bot.storage.reminder_table import SqlReminderTable
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.keys import OTHER_USER_KEY_SECRET
from bot.testing.service import RAW_ID, SECRET, service_on
from bot.testing.user import ServiceUser
from bot.testing.workers import Deliveries, seed_due_reminders

MONDAY_NOON_AZ = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)
"""The first reminder of the default plan (Mon, Wed, Fri at 12:00 Arizona) after FIXED_NOW."""


class Outbox:
    """A fake sender: records (platform, chat, locale); can fail or report a block."""

    def __init__(self) -> None:
        """Start empty, delivering."""
        self.sent: list[tuple[str, str, str | None, str | None]] = []
        self.priorities: list[Priority] = []
        self.fail = False
        self.blocked = False

    async def send(
        self, platform: str, chat: str, locale: str | None, language: str | None
    ) -> bool:
        """Record a reminder, or fail as asked."""
        if self.fail:
            raise ConnectionError("network down")
        if self.blocked:
            return False
        self.sent.append((platform, chat, locale, language))
        self.priorities.append(current_priority())
        return True


def scheduler(database: Database, outbox: Outbox, clock: ManualClock) -> ReminderScheduler:
    """Return a scheduler on the test database."""
    table = SqlReminderTable(database.engine)
    return ReminderScheduler(table, ChatSealer(SECRET), outbox.send, clock)


async def opt_in(database: Database, content: Content) -> ServiceUser:
    """Open /reminders and turn the default plan on, through the service."""
    user = ServiceUser(service_on(database.store, content))
    await user.event(Start())
    await user.send("/reminders")
    await user.click("Turn reminders on")
    return user


async def test_opting_in_stores_only_an_encrypted_chat_and_the_next_time(
    database: Database, content: Content
) -> None:
    """The row holds the plan, the next due time and a token that only the key opens."""
    await opt_in(database, content)
    [(_, chat, plan, next_at, language)] = await database.rows("reminders")
    assert language == "en"
    assert RAW_ID not in chat
    assert ChatSealer(SECRET).open(chat) == ("telegram", RAW_ID)
    assert ChatSealer(OTHER_USER_KEY_SECRET.encode()).open(chat) is None
    assert plan == [[0, 2, 4], 12, "America/Phoenix", True]
    assert next_at.replace(tzinfo=dt.UTC) == MONDAY_NOON_AZ


async def test_one_tap_turns_reminders_off_and_forget_removes_them(
    database: Database, content: Content
) -> None:
    """Off deletes the row; on again and /forget deletes it with the user."""
    user = await opt_in(database, content)
    await user.click("Turn reminders off")
    assert await database.rows("reminders") == []
    await user.click("Turn reminders on")
    assert len(await database.rows("reminders")) == 1
    await user.send("/forget")
    await user.click("Yes, delete everything")
    assert await database.rows("reminders") == []


async def test_a_due_reminder_is_sent_once_then_moves_to_the_next_day(
    database: Database, content: Content
) -> None:
    """Nothing before it is due; once at the time; not again; then Wednesday's."""
    await opt_in(database, content)
    outbox, clock = Outbox(), ManualClock(MONDAY_NOON_AZ - dt.timedelta(minutes=1))
    run = scheduler(database, outbox, clock)
    assert await run.run_once() == 0
    clock.moment = MONDAY_NOON_AZ + dt.timedelta(seconds=5)
    assert await run.run_once() == 1
    assert await run.run_once() == 0
    assert outbox.sent == [("telegram", RAW_ID, None, "en")]
    assert outbox.priorities == [Priority.BULK], "a reminder yields to replies"
    assert current_priority() is Priority.REPLY
    [(_, _, _, next_at, _)] = await database.rows("reminders")
    assert next_at.replace(tzinfo=dt.UTC) == MONDAY_NOON_AZ + dt.timedelta(days=2)


async def test_a_restart_between_scheduling_and_sending_loses_none_and_repeats_none(
    database: Database, content: Content
) -> None:
    """The first process fails to send and stops; a new one sends it, exactly once."""
    await opt_in(database, content)
    clock = ManualClock(MONDAY_NOON_AZ + dt.timedelta(minutes=1))
    failing = Outbox()
    failing.fail = True
    assert await scheduler(database, failing, clock).run_once() == 0
    assert len(await database.rows("reminders")) == 1
    outbox = Outbox()
    restarted = scheduler(database, outbox, clock)
    assert await restarted.run_once() == 1
    assert await scheduler(database, outbox, clock).run_once() == 0
    assert len(outbox.sent) == 1


async def test_a_late_reminder_in_quiet_hours_is_skipped_not_sent(
    database: Database, content: Content
) -> None:
    """Down all Monday and back at 22:00 Arizona time: nothing is sent; Wednesday is next."""
    await opt_in(database, content)
    outbox = Outbox()
    late = ManualClock(dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC))  # Monday 22:00 MST
    assert await scheduler(database, outbox, late).run_once() == 0
    assert outbox.sent == []
    [(_, _, _, next_at, _)] = await database.rows("reminders")
    assert next_at.replace(tzinfo=dt.UTC) == MONDAY_NOON_AZ + dt.timedelta(days=2)


async def test_a_user_who_blocked_the_bot_loses_the_reminder(
    database: Database, content: Content
) -> None:
    """A blocked chat drops the row, so Beacon stops trying."""
    await opt_in(database, content)
    outbox = Outbox()
    outbox.blocked = True
    clock = ManualClock(MONDAY_NOON_AZ)
    assert await scheduler(database, outbox, clock).run_once() == 0
    assert await database.rows("reminders") == []


async def test_a_round_past_half_its_claim_puts_the_rest_back_due_at_once(
    database: Database,
) -> None:
    """Sends that take a minute each: after three (half of the five-minute claim gone) the
    round stops, and the seven left are due again at the round's time, not at the claim's end;
    the next round sends them."""
    clock = ManualClock(MONDAY_NOON_AZ)
    chats = await seed_due_reminders(database.engine, 10, clock.now())
    deliveries = Deliveries()
    record = deliveries.sender("slow")

    async def slow(platform: str, chat: str, locale: str | None, language: str | None) -> bool:
        """Deliver, taking a minute of the test clock."""
        clock.advance(dt.timedelta(minutes=1))
        return await record(platform, chat, locale, language)

    table = SqlReminderTable(database.engine)
    job = ReminderScheduler(table, ChatSealer(SECRET), slow, clock)
    assert await job.run_once() == 3
    assert len(await table.due(MONDAY_NOON_AZ, 100)) == 7
    assert await job.run_once() == 3
    assert await job.run_once() == 3
    assert await job.run_once() == 1
    assert set(deliveries.by_chat) == chats and set(deliveries.by_chat.values()) == {1}


async def test_a_failed_send_is_put_back_due_at_once(database: Database, content: Content) -> None:
    """A send that fails leaves the reminder due at the round's time, not claimed for five
    minutes: the next round, a moment later, sends it."""
    await opt_in(database, content)
    clock = ManualClock(MONDAY_NOON_AZ + dt.timedelta(minutes=1))
    failing = Outbox()
    failing.fail = True
    assert await scheduler(database, failing, clock).run_once() == 0
    [(_, _, _, next_at, _)] = await database.rows("reminders")
    assert next_at.replace(tzinfo=dt.UTC) == clock.now()
    clock.advance(dt.timedelta(seconds=30))
    outbox = Outbox()
    assert await scheduler(database, outbox, clock).run_once() == 1
