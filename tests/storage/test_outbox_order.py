"""One person's outbox entries go out in the order they were written, whichever worker holds
them, on SQLite and PostgreSQL: a later entry waits while another worker holds an earlier one,
takes over an earlier one whose claim ended, is not held up by one that failed or by another
person's; and a person tapping on two devices at once gets one consistent answer."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.content.bundle import Content
from bot.core import texts
from bot.core.events import Start, Tap
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Reply, TapAnswer
from bot.service.outbox import CLAIM_HOLD, Outbox, Pending
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database
from bot.testing.service import RAW_ID, service_on
from bot.testing.user import ServiceUser

OTHER_ID = "424242"


def inbound(event: object, update_id: int, user: str = RAW_ID, tap: bool = False) -> Inbound:
    """Return an inbound from a user with a Telegram-like address (a tap's when `tap`)."""
    address = {"chat": int(user), "message": 7 if tap else None,
               "callback": f"cb{update_id}" if tap else None, "user": int(user)}  # fmt: skip
    return Inbound("telegram", user, event, "en", update_id, address, True)  # type: ignore[arg-type]


def workers(database: Database, content: Content, clock: ManualClock) -> list[ConversationService]:
    """Return two services on one database as two workers would run them: own holders (on
    SQLite too, which one process owns in use, so its statements are tested as well)."""
    database.store.shared = True
    services = [service_on(database.store, content, clock) for _ in range(2)]
    for number, service in enumerate(services):
        service.outbox.holder = f"host/{number}"
    return services


async def ids(outbox: Outbox, pending: Pending, now: dt.datetime) -> tuple[bool, list[int]]:
    """Return whether an entry must wait, and the ids of the earlier ones taken to go first."""
    turn = await outbox.turn(pending, now)
    return turn.wait, [p.id for p in turn.first if p.id is not None]


async def test_one_process_alone_waits_for_nothing(database: Database, content: Content) -> None:
    """On an outbox no other process shares, an entry never waits or looks for earlier ones."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    await zero.accept(inbound(Start(), 1))
    second = await one.accept(inbound(Start(), 2))
    database.store.shared = False
    assert await ids(one.outbox, second, clock.now()) == (False, [])


async def test_a_later_entry_waits_while_another_worker_holds_an_earlier_one(
    database: Database, content: Content
) -> None:
    """Worker 1's entry for a person waits for worker 0's earlier one, until it is delivered;
    another person's entry and worker 0's own entries wait for nothing."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    first = await zero.accept(inbound(Start(), 1))
    second = await one.accept(inbound(Start(), 2))
    stranger = await one.accept(inbound(Start(), 3, OTHER_ID))
    assert first.id is not None and second.id is not None and first.id < second.id
    now = clock.now()
    assert await ids(one.outbox, second, now) == (True, [])
    assert await ids(one.outbox, stranger, now) == (False, [])
    await zero.outbox.delivered(first)
    assert await ids(one.outbox, second, now) == (False, [])


async def test_an_earlier_entry_whose_claim_ended_is_taken_over_and_goes_first(
    database: Database, content: Content
) -> None:
    """Worker 0 died holding an entry: once its claim ended, worker 1 takes it to deliver
    before its own, and worker 0 (back again) cannot take it from under worker 1."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    first = await zero.accept(inbound(Start(), 1))
    second = await one.accept(inbound(Start(), 2))
    later = clock.now() + CLAIM_HOLD + dt.timedelta(seconds=1)
    assert await ids(one.outbox, second, later) == (False, [first.id])
    assert await ids(zero.outbox, second, later) == (True, [])
    [taken] = (await one.outbox.turn(second, later)).first
    assert taken.parcel == first.parcel


async def test_an_earlier_entry_that_failed_or_is_in_hand_holds_nothing_up(
    database: Database, content: Content
) -> None:
    """An entry Telegram kept refusing waits for its retry without holding up the next; an
    entry the worker is delivering itself (skipped) holds up nothing."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    first = await zero.accept(inbound(Start(), 1))
    second = await one.accept(inbound(Start(), 2))
    assert first.id is not None
    assert await ids(one.outbox, second, clock.now()) == (True, [])
    assert (await one.outbox.turn(second, clock.now(), skip={first.id})).wait is False
    assert await zero.outbox.postpone(first, clock.now())
    assert await ids(one.outbox, second, clock.now()) == (False, [])


async def test_an_update_handled_before_takes_its_workers_stranded_entry(
    database: Database, content: Content
) -> None:
    """A commit whose answer was lost leaves the worker's entry behind; the update sent again
    stores nothing, but takes that entry to go now, and waits for nothing."""
    clock = ManualClock(FIXED_NOW)
    zero, _ = workers(database, content, clock)
    stranded = await zero.accept(inbound(Start(), 1))
    again = await zero.accept(inbound(Start(), 1))
    assert again.id is None
    assert await ids(zero.outbox, again, clock.now()) == (False, [stranded.id])


async def test_two_devices_tapping_at_once_get_one_consistent_answer(
    database: Database, content: Content
) -> None:
    """Two taps on one screen reach two workers at the same moment: one takes effect, the
    other is answered as a tap on an earlier screen, sends nothing else and changes nothing
    (tapping it again later is still stale)."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    user = ServiceUser(zero)
    await user.event(Start())
    learn = user.keyboard.data_for("Learn the signs")
    report = user.keyboard.data_for("Report or get help")
    entries = await asyncio.gather(
        zero.accept(inbound(Tap(learn), 9001, tap=True)),
        one.accept(inbound(Tap(report), 9002, tap=True)),
    )
    stale = zero.say(texts.STALE, None, "en")
    answers = [[i for i in e.parcel.items if isinstance(i, TapAnswer)] for e in entries]
    replies = [[i for i in e.parcel.items if isinstance(i, Reply)] for e in entries]
    staled = [n for n, answer in enumerate(answers) if answer == [TapAnswer(stale)]]
    assert len(staled) == 1, answers
    [took] = {0, 1} - set(staled)
    assert replies[took] and not replies[staled[0]]
    assert entries[took].id is not None and entries[staled[0]].id is None
    again = await (zero, one)[staled[0]].accept(inbound(Tap(report if took == 0 else learn), 9003))
    assert [i for i in again.parcel.items if isinstance(i, TapAnswer)] == [TapAnswer(stale)]


def tells_first(database: Database) -> bool:
    """Whether the store says which entry is its person's first (PostgreSQL's does)."""
    return database.search_path is not None


async def test_an_entry_written_as_its_persons_first_waits_for_nothing(
    database: Database, content: Content
) -> None:
    """On PostgreSQL the statement that writes an entry says whether an earlier entry of its
    person is still owed (one that failed is not); such an entry goes without looking again.
    SQLite's store does not tell, and its entries take their turn as before."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    first = await zero.accept(inbound(Start(), 1))
    second = await one.accept(inbound(Start(), 2))
    stranger = await one.accept(inbound(Start(), 3, OTHER_ID))
    told = tells_first(database)
    assert (first.first, second.first, stranger.first) == (told, False, told)
    assert await ids(one.outbox, second, clock.now()) == (True, [])
    assert await zero.outbox.postpone(first, clock.now())
    await one.outbox.delivered(second)
    third = await zero.accept(inbound(Start(), 4))
    assert third.first == told
    assert await ids(zero.outbox, third, clock.now()) == (False, [])


async def test_of_two_entries_written_at_once_only_the_earlier_is_first(
    database: Database, content: Content
) -> None:
    """Two workers write one person's entries at the same moment: the person's state write
    orders them (the later retries after the earlier commits), so only the earlier entry is
    written as first and the later one waits for it."""
    clock = ManualClock(FIXED_NOW)
    zero, one = workers(database, content, clock)
    await zero.outbox.delivered(await zero.accept(inbound(Start(), 1)))
    others = (inbound(Start(), 10 + n, str(500 + n)) for n in range(4))
    await asyncio.gather(*(zero.accept(other) for other in others))  # connections ready for both
    entries = await asyncio.gather(
        zero.accept(inbound(Start(), 2)), one.accept(inbound(Start(), 3))
    )
    assert all(entry.id is not None for entry in entries)
    earlier, later = sorted(entries, key=lambda entry: entry.id or 0)
    assert (earlier.first, later.first) == (tells_first(database), False)
    holder = one.outbox if earlier is entries[0] else zero.outbox
    assert await ids(holder, later, clock.now()) == (True, [])
