"""The runtime-independent Telegram front: parse each update, store it with its replies (the
outbox), then deliver them, one user's in order and users concurrently.

`feed` returns once an update is stored with what it must send, so polling confirms it to
Telegram and a webhook answers only then; delivery follows in the background and marks the
outbox as it goes. What a crash interrupts is delivered again at start-up (`recover`), and what
Telegram kept refusing is tried again by `sweep`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from bot.core import texts
from bot.logs import event
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound
from bot.service.outbox import Pending, Turn
from bot.service.ports import StoreUnavailable
from bot.transports.telegram.api import ALLOWED_UPDATES, ApiBlocked, ChatApi
from bot.transports.telegram.delivery import (
    Delivery,
    DeliveryStopped,
    MessageLog,
    RetryPolicy,
    Target,
    is_private,
    with_retries,
)
from bot.transports.telegram.group_quiz import GroupQuizzes
from bot.transports.telegram.ordering import PerKeyOrder
from bot.transports.telegram.updates import (
    GroupCommand,
    Ignored,
    Incoming,
    MembershipChange,
    PollAnswer,
    parse_update,
)

__all__ = ["ALLOWED_UPDATES", "HandlingRetry", "TelegramBridge"]

log = logging.getLogger("beacon.telegram")
PLATFORM = "telegram"
HANDLED_MEMORY = 20_000
DELIVERIES_IN_FLIGHT = 2_000
"""Updates whose replies may wait for delivery at once; beyond it, handling waits (and polling
confirms nothing more), so a slow Telegram cannot make Beacon hold unbounded work."""
RECOVER_LIMIT = 10_000
ORDER_POLL = (0.02, 1.0)
"""How often an entry looks again whether an earlier one of its person went out: from the
first figure, doubling up to the second, in seconds."""
MARK_RETRY = (0.25, 0.5, 1.0, 2.0, 4.0)
"""The waits before trying again to remove or postpone an entry while the database is
unavailable (about 8 s in all)."""
ORDER_WAIT = 150.0
"""How long an entry waits in all for an earlier one that another worker holds: longer than a
claim (60 s) plus a sweep's interval (30 s), so a dead worker's entries are taken over first."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HandlingRetry:
    """How an update the database could not take is tried again: backoff from `first` up to
    `cap` seconds, for at most `budget` seconds in all."""

    first: float = 0.5
    cap: float = 8.0
    budget: float = 120.0


def update_id_of(update: Any) -> int:
    """Return an update's id when it is readable, else 0."""
    value = update.get("update_id") if isinstance(update, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class TelegramBridge:
    """Feeds Bot API updates to the service and delivers what it stored to send."""

    def __init__(
        self,
        service: ConversationService,
        api: ChatApi,
        messages: MessageLog,
        policy: RetryPolicy | None = None,
        retry: HandlingRetry | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Serve `service` through `api`, recording private chats' message ids in `messages`."""
        self.service = service
        self.api = api
        self.messages = messages
        self.delivery = Delivery(api, policy or RetryPolicy(), messages)
        self.quizzes = GroupQuizzes(self.delivery, service)
        self.retry = retry or HandlingRetry()
        self.sleep = sleep
        self.order = PerKeyOrder()
        self.deliveries = PerKeyOrder()
        self.bot_username: str | None = None
        self._slots = asyncio.Semaphore(DELIVERIES_IN_FLIGHT)
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._delivering: set[int] = set()
        self._undeleted: set[int] = set()
        self._apologised: OrderedDict[str, None] = OrderedDict()
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}

    async def start(self, username: str) -> None:
        """Know the bot's username, so group commands addressed to it are recognised and
        certificates' QR codes link to it."""
        self.bot_username = username
        if self.service.certificates is not None and username:
            self.service.certificates.public_link = f"https://t.me/{username}"

    # Receiving

    async def feed(self, update: Any) -> bool:
        """Handle one update until it is stored with its replies (delivery follows); True when
        it was handled or needs nothing, False when the database stayed unavailable (logged).
        Never raises, whatever the update holds."""
        update_id = update_id_of(update)
        self._enter()
        delivering = False
        try:
            parsed = parse_update(update, self.bot_username)
            match parsed:
                case Incoming():
                    delivering = await self.order.run(parsed.user_id, partial(self._accept, parsed))
                    return delivering
                case MembershipChange(_, user_id, blocked):
                    change = partial(self.service.set_active, PLATFORM, str(user_id), not blocked)
                    if not await self._retrying(update_id, change, None, None):
                        return False
                    event(log, "membership_changed", blocked=blocked)
                case GroupCommand():
                    await self.quizzes.command(parsed)
                case PollAnswer():
                    self.quizzes.vote(parsed)
                case Ignored(_, reason):
                    event(
                        log, "update_ignored", update_id=update_id, reason=reason.replace(" ", "_")
                    )
            return True
        except Exception as failure:  # one broken update must never stop the others
            reason = type(failure).__name__
            event(log, "update_failed", level=logging.ERROR, update_id=update_id, reason=reason)
            return True
        finally:
            if not delivering:
                self._note_handled(update_id)
            self._leave()

    async def _accept(self, incoming: Incoming) -> bool:
        """Store one update with what it must send (trying again while the database is
        unavailable) and schedule its delivery; False when the database stayed unavailable."""
        address: dict[str, int | str | None] = {
            "chat": incoming.chat_id,
            "message": incoming.message_id,
            "callback": incoming.callback_id,
            "user": incoming.user_id,
        }
        inbound = Inbound(
            PLATFORM,
            str(incoming.user_id),
            incoming.event,
            incoming.language_code,
            incoming.update_id,
            address,
            is_private(incoming.chat_id),
            sequence=incoming.update_id,
        )
        accepted: list[Pending] = []

        async def accept() -> None:
            """Store the update and keep its entry."""
            accepted.append(await self.service.accept(inbound))

        handled = await self._retrying(
            incoming.update_id, accept, incoming.callback_id, incoming.language_code
        )
        if handled:
            await self._schedule(incoming.user_id, accepted[0], incoming, incoming.update_id)
        return handled

    async def _retrying(
        self,
        update_id: int,
        work: Callable[[], Awaitable[None]],
        callback_id: str | None,
        language: str | None,
    ) -> bool:
        """Run `work`, trying again with backoff while the database is unavailable, for the
        retry budget; a tap waiting meanwhile is answered at once. False when it gave up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry.budget
        delay = self.retry.first
        attempt = 0
        while True:
            try:
                await work()
                return True
            except StoreUnavailable as trouble:
                attempt += 1
                if callback_id is not None:
                    await self._apologise(callback_id, language)
                if loop.time() + delay > deadline:
                    event(
                        log, "update_not_handled", level=logging.ERROR, update_id=update_id,
                        reason=trouble.reason, attempts=attempt,
                    )  # fmt: skip
                    return False
                event(
                    log, "update_retrying", level=logging.WARNING, update_id=update_id,
                    reason=trouble.reason, attempt=attempt,
                )  # fmt: skip
                await self.sleep(delay)
                delay = min(self.retry.cap, delay * 2)
            except Exception:
                if callback_id is not None:  # a fault retrying cannot mend: answer, then report
                    await self._apologise(callback_id, language)
                raise

    async def _apologise(self, callback_id: str, language: str | None) -> None:
        """Answer a tap Beacon could not act on yet, once: "Something went wrong..."."""
        if callback_id in self._apologised:
            return
        self._apologised[callback_id] = None
        while len(self._apologised) > HANDLED_MEMORY:
            self._apologised.popitem(last=False)
        text = self.service.say(texts.TRY_AGAIN, None, language)
        try:
            await with_retries(
                lambda: self.api.answer_callback(callback_id, text), self.delivery.policy
            )
        except Exception as failure:  # best effort: the spinner stops by itself
            event(log, "apology_failed", level=logging.WARNING, reason=type(failure).__name__)

    # Delivering

    async def _schedule(
        self, user_id: int, pending: Pending, incoming: Incoming | None, update_id: int
    ) -> None:
        """Deliver an entry in the background, after that user's earlier ones; waits while
        too many deliveries are pending."""
        if pending.id is not None:
            self._delivering.add(pending.id)
        await self._slots.acquire()
        self._enter()
        work = partial(self._deliver, pending, incoming)
        task = asyncio.create_task(self.deliveries.run(user_id, work))
        self._tasks.add(task)
        task.add_done_callback(partial(self._delivered, update_id, pending.id))

    def _delivered(self, update_id: int, entry_id: int | None, task: asyncio.Task[None]) -> None:
        """Account for a finished delivery task."""
        self._tasks.discard(task)
        if entry_id is not None:
            self._delivering.discard(entry_id)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            reason = type(task.exception()).__name__
            event(log, "delivery_crashed", level=logging.ERROR, reason=reason)
        self._note_handled(update_id)
        self._leave()

    async def _deliver(self, pending: Pending, incoming: Incoming | None) -> None:
        """Deliver an entry once every earlier entry of its person went out."""
        await self._wait_turn(pending)
        await self._send_entry(pending, incoming)

    async def _wait_turn(self, pending: Pending) -> None:
        """Wait while another worker holds an earlier entry of this entry's person, delivering
        first the earlier ones this worker may take (its own left by a failure, or another's
        whose claim ended), each once; after ORDER_WAIT the entry goes anyway (logged)."""
        delay, cap = ORDER_POLL
        waited = 0.0
        tried: set[int] = set()
        while waited < ORDER_WAIT:
            skip = self._delivering | self._undeleted | tried
            try:
                turn = await self.service.outbox.turn(pending, self.service.clock.now(), skip)
            except StoreUnavailable:
                turn = Turn(pending.id is not None)
            for earlier in turn.first:
                tried.add(earlier.id or 0)
                await self._send_taken(earlier)
            if not turn.wait and not turn.first:
                return
            if turn.wait:
                await self.sleep(delay)
                waited += delay
                delay = min(cap, delay * 2)
        event(log, "outbox_order_gave_up", level=logging.WARNING, entry=pending.id)

    async def _send_taken(self, pending: Pending) -> None:
        """Deliver an earlier entry taken while waiting for a later one, marked as in hand."""
        if pending.id is not None:
            self._delivering.add(pending.id)
        try:
            await self._send_entry(pending, None)
        finally:
            if pending.id is not None:
                self._delivering.discard(pending.id)

    async def _send_entry(self, pending: Pending, incoming: Incoming | None) -> None:
        """Send an entry's messages from where it stopped, marking progress; leave it for a
        later sweep when they cannot go now."""
        outbox = self.service.outbox
        address = pending.parcel.address
        chat = _int(address.get("chat"))
        if chat is None:
            await outbox.delivered(pending)
            return
        if incoming is not None and incoming.from_user_message and incoming.message_id:
            await self.delivery.remember(chat, incoming.message_id)
        callback = address.get("callback")
        callback_id = str(callback) if callback is not None else None
        target = Target(chat, _int(address.get("message")), callback_id)
        fresh = incoming is not None and callback_id not in self._apologised
        try:
            messages = await self.service.messages(pending)
            mark = partial(self._mark, pending)
            await self.delivery.deliver(
                target, messages, start=pending.sent, mark=mark, answer_taps=fresh
            )
        except ApiBlocked:
            await self._blocked(address)
        except (DeliveryStopped, StoreUnavailable):
            await self._postpone(pending)
            return
        await self._forget(pending)

    async def _mark(self, pending: Pending, sent: int) -> None:
        """Record delivery progress; a failure only risks repeating a message later."""
        try:
            await self.service.outbox.progress(pending, sent)
        except StoreUnavailable as trouble:
            event(log, "outbox_mark_failed", level=logging.WARNING, reason=trouble.reason)

    async def _forget(self, pending: Pending) -> None:
        """Remove a delivered entry (its person's later entries, on any worker, wait for it);
        if the database stays unavailable, a sweep removes it later."""
        trouble = await self._retried(partial(self.service.outbox.delivered, pending))
        if trouble is not None and pending.id is not None:
            self._undeleted.add(pending.id)

    async def _postpone(self, pending: Pending) -> None:
        """Leave an entry for a later sweep."""
        now = self.service.clock.now()
        trouble = await self._retried(partial(self.service.outbox.postpone, pending, now))
        if trouble is not None:
            event(log, "outbox_postpone_failed", level=logging.WARNING, reason=trouble.reason)

    async def _retried(self, mark: Callable[[], Awaitable[object]]) -> StoreUnavailable | None:
        """Run a removal or postponement, trying again after each of MARK_RETRY's waits while
        a shared database is unavailable (once when this process alone delivers the outbox);
        return the last trouble, or None once it went through."""
        waits = MARK_RETRY if self.service.outbox.store.shared else ()
        for delay in (*waits, None):
            try:
                await mark()
                return None
            except StoreUnavailable as trouble:
                if delay is None:
                    return trouble
                await self.sleep(delay)
        return None

    async def _blocked(self, address: dict[str, int | str | None]) -> None:
        """Note that the user blocked the bot; their replies are dropped."""
        user = _int(address.get("user"))
        event(log, "user_blocked_bot")
        if user is not None:
            try:
                await self.service.set_active(PLATFORM, str(user), False)
            except StoreUnavailable:
                return

    async def recover(self) -> int:
        """Deliver every entry this worker's previous run left undelivered, and those due that
        no other worker holds (before any new update, so each user's order holds); return how
        many there were."""
        now = self.service.clock.now()
        entries = await self.service.outbox.claim(PLATFORM, now, RECOVER_LIMIT, recover=True)
        for pending in entries:
            await self._resume(pending)
        if entries:
            event(log, "outbox_recovered", entries=len(entries))
        return len(entries)

    async def sweep(self) -> int:
        """Deliver entries whose time has come that nothing here is delivering (a failed
        delivery, or one a crashed process left); return how many were started."""
        for entry_id in list(self._undeleted):
            try:
                await self.service.outbox.store.outbox_done(entry_id)
            except StoreUnavailable:
                break
            self._undeleted.discard(entry_id)
        due = await self.service.outbox.claim(PLATFORM, self.service.clock.now(), RECOVER_LIMIT)
        started = 0
        for pending in due:
            if pending.id in self._delivering or pending.id in self._undeleted:
                continue
            await self._resume(pending)
            started += 1
        return started

    async def _resume(self, pending: Pending) -> None:
        """Deliver an entry from the outbox, in its user's order."""
        user = _int(pending.parcel.address.get("user")) or 0
        await self._schedule(user, pending, None, 0)

    # Waiting (shutdown and tests)

    def _enter(self) -> None:
        """Count one more piece of work in flight."""
        self._busy += 1
        self._idle.clear()

    def _leave(self) -> None:
        """Count one piece of work done."""
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    def _note_handled(self, update_id: int) -> None:
        """Remember the last few thousand handled update ids and wake anyone waiting."""
        self._handled[update_id] = None
        while len(self._handled) > HANDLED_MEMORY:
            self._handled.popitem(last=False)
        for waiter in self._waiters.pop(update_id, []):
            if not waiter.done():
                waiter.set_result(None)

    async def wait_handled(self, update_id: int, limit: float = 10.0) -> None:
        """Wait until the update with this id has been handled and its replies delivered."""
        if update_id in self._handled:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(update_id, []).append(waiter)
        await asyncio.wait_for(waiter, limit)

    async def wait_idle(self, limit: float | None = None) -> None:
        """Wait until nothing is being handled or delivered, at most `limit` seconds."""
        await asyncio.wait_for(self._idle.wait(), limit)

    async def close(self, limit: float | None = None) -> None:
        """Wait for work in flight (at most `limit` seconds), then stop what is left: its
        entries stay in the outbox for the next start."""
        try:
            await self.wait_idle(limit)
        except TimeoutError:
            event(log, "stopped_with_work_left", level=logging.WARNING, tasks=len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.quizzes.close()

    @property
    def in_flight(self) -> int:
        """Return how many updates and deliveries are in flight now."""
        return self._busy


def _int(value: object) -> int | None:
    """Return an address field as an int, or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
