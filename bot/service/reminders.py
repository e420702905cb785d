"""Send learning reminders when due: due times live in the database; a round first claims the
reminders it will send (so two workers never send one twice), and each is moved to its next time
only after it went out (a restart loses none and repeats at most the one being sent); sending
is paced by each channel's limiter as bulk sends, which yield to replies."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core import texts
from bot.core.effects import Msg
from bot.core.reminders import ReminderPlan, in_quiet_hours, next_reminder
from bot.logs import event
from bot.service.channels import Channels, UnknownPlatform
from bot.service.ports import Clock
from bot.service.send_limits import bulk_sends
from bot.service.user_keys import ChatSealer

log = logging.getLogger("beacon.reminders")

MAX_BATCHES = 200
"""Batches one round sends at most (20,000 reminders at the default batch of 100)."""
CLAIM_FOR = dt.timedelta(minutes=5)
"""How long a round's claim on its reminders lasts: one a worker claimed and never moved on
(it died) is due again once the claim ends."""


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder whose time has come."""

    user_id: int
    chat: str
    plan: list[Any]
    next_at: dt.datetime
    """Its due time as stored; for a claimed reminder, the end of the claim."""
    locale: str | None
    """The learner's chosen language, if any."""
    language: str | None
    """The platform's language code when they opted in."""


class ReminderTable(Protocol):
    """Where reminders and their due times are kept."""

    async def claim(self, now: dt.datetime, until: dt.datetime, limit: int) -> list[DueReminder]:
        """Claim up to `limit` reminders due at `now` (earliest first; none that another round
        holds) by moving each to `until`; return them."""
        ...

    async def move(self, user_id: int, was: dt.datetime, next_at: dt.datetime | None) -> bool:
        """Move a reminder on from `was` to `next_at` (or drop it when None); False if it
        changed meanwhile."""
        ...


Send = Callable[[str, str, str | None, str | None], Awaitable[bool]]
"""Sends a reminder: (platform, chat id, chosen locale, platform language) -> True when
delivered, False when the chat is gone for good (the user blocked the bot); raises on a
failure worth trying again; raises UnknownPlatform when no channel serves the platform."""
Say = Callable[[Msg, str | None, str | None], str]
"""Renders a text for a user Beacon writes to first: (text, chosen locale, platform language)."""


class ChannelReminders:
    """Sends the reminder text, in the learner's language, through their platform's channel."""

    def __init__(self, channels: Channels, say: Say) -> None:
        """Route through `channels`; render with `say` (the service's)."""
        self.channels = channels
        self.say = say

    async def send(
        self, platform: str, chat: str, locale: str | None, language: str | None
    ) -> bool:
        """Send one reminder (see `Send`)."""
        text = self.say(texts.REMINDER, locale, language)
        return await self.channels.send(platform, chat, text)


class ReminderScheduler:
    """Claims due reminders and sends each once (as bulk sends); runs on the worker that holds the
    reminders job's lease, and stays exact if two workers ever run a round at once."""

    def __init__(
        self,
        table: ReminderTable,
        sealer: ChatSealer,
        send: Send,
        clock: Clock,
        batch: int = 100,
    ) -> None:
        """Send through `send`, reading due reminders from `table` at the clock's time."""
        self.table = table
        self.sealer = sealer
        self.send = send
        self.clock = clock
        self.batch = batch

    async def run_once(self) -> int:
        """Send the reminders due now, a claimed batch at a time, until a claim comes back
        short (at most MAX_BATCHES); return how many went out."""
        sent = 0
        for _ in range(MAX_BATCHES):
            went, finished = await self.run_batch()
            sent += went
            if finished:
                break
        return sent

    async def run_batch(self) -> tuple[int, bool]:
        """Claim up to a batch of the reminders due now and send them; return how many went
        out and whether the round is over (the claim was short, or it ran out of time). Past
        half the claim's time the rest are put back, due at once, so no send starts near the
        claim's end (when another worker could claim the same reminder)."""
        now = self.clock.now()
        claimed = await self.table.claim(now, now + CLAIM_FOR, self.batch)
        sent = 0
        for index, due in enumerate(claimed):
            if self.clock.now() >= now + CLAIM_FOR / 2:
                for rest in claimed[index:]:
                    await self.table.move(rest.user_id, rest.next_at, now)
                event(log, "reminders_put_back", level=logging.WARNING, count=len(claimed) - index)
                return sent, True
            sent += await self.deliver(due, now)
        return sent, len(claimed) < self.batch

    async def deliver(self, due: DueReminder, now: dt.datetime) -> bool:
        """Send one due reminder unless it is quiet hours; then move it to its next time."""
        plan = ReminderPlan.from_list(due.plan)
        following = next_reminder(plan, now)
        opened = self.sealer.open(due.chat)
        if opened is None or not plan.on:
            await self.table.move(due.user_id, due.next_at, None)
            event(log, "reminder_dropped", level=logging.WARNING, reason="unreadable")
            return False
        if in_quiet_hours(now, plan.zone):
            await self.table.move(due.user_id, due.next_at, following)
            event(log, "reminder_skipped", reason="quiet_hours")
            return False
        platform, chat = opened
        try:
            with bulk_sends():  # paced by the channel's limiter, after replies to people
                delivered = await self.send(platform, chat, due.locale, due.language)
        except UnknownPlatform:
            # No channel here serves the learner's platform: keep their plan, try next time.
            await self.table.move(due.user_id, due.next_at, following)
            event(log, "reminder_skipped", level=logging.WARNING, reason="unknown_platform")
            return False
        except Exception as failure:
            # Put it back, due at once: the next round tries again.
            await self.table.move(due.user_id, due.next_at, now)
            event(log, "reminder_failed", level=logging.WARNING, reason=type(failure).__name__)
            return False
        await self.table.move(due.user_id, due.next_at, following if delivered else None)
        event(log, "reminder_sent" if delivered else "reminder_dropped", reason="blocked")
        return delivered
