"""Telegram's sending limits as a port: the bot overall, one private chat and one group each
have an allowance, replies to people go before reminders and campaign sends, and a 429 pauses
the scope it blames. One process keeps the budget in memory (`MemoryLimiter`); several workers
share one in Redis (`bot.storage.redis_limits`), with the same rule.

The rule, per send, over the scopes it touches (the bot and its chat), each a GCRA: a scope
with interval T (1 / rate) and tolerance τ ((burst - 1) T) keeps a theoretical arrival time
TAT; a send may start at max(now, TAT - τ, the scope's pause), and then moves TAT to
max(TAT, start) + T. A reply takes that start even when it lies ahead (it waits in line); a
bulk send (a reminder, a campaign) goes only when its start is now, and otherwise tries again
when it would be: so bulk sends use only what replies leave, and never hold a place ahead of
a reply."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.service.metrics import Metrics


class Priority(StrEnum):
    """Whose send it is: a reply to a person in a conversation, or a bulk send."""

    REPLY = "reply"
    BULK = "bulk"


_PRIORITY: ContextVar[Priority] = ContextVar("beacon_send_priority", default=Priority.REPLY)


def current_priority() -> Priority:
    """Return the priority of the sends made now (a reply unless inside `bulk_sends`)."""
    return _PRIORITY.get()


@contextlib.contextmanager
def bulk_sends() -> Iterator[None]:
    """Mark the sends made inside the block (in this task) as bulk: they yield to replies."""
    token = _PRIORITY.set(Priority.BULK)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


@dataclass(frozen=True, slots=True)
class Allowance:
    """One scope's allowance: `per_second` sends on average, up to `burst` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        """Refuse a rate or burst that is not positive."""
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"an allowance needs a positive rate and burst: {self}")

    @property
    def interval(self) -> float:
        """Return the seconds one send uses of the scope."""
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """Return how far ahead of now a scope's time may run before a send waits."""
        return (self.burst - 1) * self.interval


BOT_BURST = 3
"""Sends the bot may make at once above its steady rate: enough that a worker woken a little
late does not lose its slot, far below what Telegram tolerates."""


@dataclass(frozen=True, slots=True)
class SendLimits:
    """The allowances: the bot overall, a private chat, a group (settings TELEGRAM_*)."""

    bot: Allowance = Allowance(30.0, BOT_BURST)
    private: Allowance = Allowance(1.0, 3)
    group: Allowance = Allowance(20 / 60, 3)

    def for_chat(self, chat_id: int) -> Allowance:
        """Return a chat's allowance: private chats have positive ids, groups negative."""
        return self.private if chat_id > 0 else self.group


@dataclass(frozen=True, slots=True)
class Grant:
    """A limiter's answer: `granted`, the send's place is held and it may go after `wait`
    seconds; not granted (a bulk send), nothing is held and it may ask again after `wait`."""

    wait: float
    granted: bool


class SendLimiter(Protocol):
    """Paces sends to Telegram within the bot's and each chat's allowance."""

    async def reserve(self, chat_id: int, priority: Priority) -> Grant:
        """Ask for a send to `chat_id` (see Grant)."""
        ...

    async def pause(self, chat_id: int, seconds: float) -> str:
        """After a 429 on a send to `chat_id`, pause the scope it blames for `seconds`: the
        chat when it had more than one send in its last interval, else the bot; return
        "chat" or "bot"."""
        ...

    async def close(self) -> None:
        """Release the limiter's connections, if any."""
        ...


@dataclass(slots=True)
class ScopeState:
    """A scope's theoretical arrival time and the end of its pause."""

    tat: float = 0.0
    paused_until: float = 0.0


def plan(
    now: float,
    bot: ScopeState,
    chat: ScopeState,
    limits: tuple[Allowance, Allowance],
    priority: Priority,
) -> Grant:
    """Decide one send (the module's rule), moving the scopes' times when it is granted."""
    bot_allowance, chat_allowance = limits
    start = max(
        now,
        bot.paused_until,
        chat.paused_until,
        bot.tat - bot_allowance.tolerance,
        chat.tat - chat_allowance.tolerance,
    )
    if priority is Priority.BULK and start > now:
        return Grant(start - now, granted=False)
    bot.tat = max(bot.tat, start) + bot_allowance.interval
    chat.tat = max(chat.tat, start) + chat_allowance.interval
    return Grant(start - now, granted=True)


def blames_chat(now: float, chat: ScopeState, allowance: Allowance) -> bool:
    """Say whether a 429 is the chat's own: it had more than one send in its last interval."""
    return chat.tat - now > allowance.interval


MAX_CHATS = 100_000
"""Chats a memory limiter remembers; past that, those whose time has passed are forgotten."""


class MemoryLimiter:
    """The budget in this process's memory (one process sends for the bot)."""

    def __init__(
        self, limits: SendLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Allow `limits`, measured on `clock` (seconds, monotonic; replaceable in tests)."""
        self.limits = limits or SendLimits()
        self.clock = clock
        self.bot = ScopeState()
        self.chats: dict[int, ScopeState] = {}

    def _chat(self, chat_id: int, now: float) -> ScopeState:
        """Return a chat's state, forgetting chats whose time has passed when there are many."""
        if chat_id not in self.chats and len(self.chats) >= MAX_CHATS:
            self.chats = {
                key: state
                for key, state in self.chats.items()
                if max(state.tat, state.paused_until) > now
            }
        return self.chats.setdefault(chat_id, ScopeState())

    async def reserve(self, chat_id: int, priority: Priority) -> Grant:
        """Ask for a send to `chat_id` (see Grant)."""
        now = self.clock()
        allowances = (self.limits.bot, self.limits.for_chat(chat_id))
        return plan(now, self.bot, self._chat(chat_id, now), allowances, priority)

    async def pause(self, chat_id: int, seconds: float) -> str:
        """Pause the blamed scope for `seconds` (see SendLimiter.pause)."""
        now = self.clock()
        chat = self._chat(chat_id, now)
        scope = chat if blames_chat(now, chat, self.limits.for_chat(chat_id)) else self.bot
        scope.paused_until = max(scope.paused_until, now + seconds)
        return "chat" if scope is chat else "bot"

    async def close(self) -> None:
        """Nothing to release."""


class LimiterBusy(Exception):
    """A bulk send found no free place within its bound of tries (replies used it all)."""


MAX_BULK_TRIES = 2_000
"""How often a bulk send asks before giving up (each try waits until the next free place)."""


async def wait_turn(
    limiter: SendLimiter,
    chat_id: int,
    priority: Priority,
    metrics: Metrics,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    max_tries: int = MAX_BULK_TRIES,
) -> float:
    """Wait until a send to `chat_id` may go; count the wait as the "telegram_<priority>"
    limiter's in `metrics` and return it. Raises LimiterBusy after `max_tries` refusals."""
    waited = 0.0
    for _ in range(max_tries):
        grant = await limiter.reserve(chat_id, priority)
        if grant.wait > 0:
            await sleep(grant.wait)
            waited += grant.wait
        if grant.granted:
            metrics.waited(f"telegram_{priority}", waited)
            return waited
    metrics.waited(f"telegram_{priority}", waited)
    raise LimiterBusy(f"no free place after {max_tries} tries")
