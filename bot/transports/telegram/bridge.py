"""The runtime-independent Telegram front: parse each update, handle it in order, deliver."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from bot.logs import event
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound
from bot.transports.telegram.api import ApiBlocked, ChatApi
from bot.transports.telegram.delivery import Delivery, MessageLog, RetryPolicy, Target
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

log = logging.getLogger("beacon.telegram")
PLATFORM = "telegram"
HANDLED_MEMORY = 20_000
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member", "poll_answer"]


class TelegramBridge:
    """Feeds Bot API updates to the service: one user's updates in order, users concurrently."""

    def __init__(
        self,
        service: ConversationService,
        api: ChatApi,
        messages: MessageLog,
        policy: RetryPolicy | None = None,
    ) -> None:
        """Serve `service` through `api`, recording private chats' message ids in `messages`."""
        self.service = service
        self.api = api
        self.messages = messages
        self.delivery = Delivery(api, policy or RetryPolicy(), messages)
        self.quizzes = GroupQuizzes(self.delivery, service)
        self.order = PerKeyOrder()
        self.bot_username: str | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._progress = asyncio.Condition()

    async def start(self) -> None:
        """Learn the bot's username, so group commands addressed to it are recognised and
        certificates' QR codes link to it."""
        self.bot_username = await self.api.username()
        if self.service.certificates is not None and self.bot_username:
            self.service.certificates.public_link = f"https://t.me/{self.bot_username}"

    async def feed(self, update: Mapping[str, Any]) -> None:
        """Handle one update to completion (after earlier updates of the same user)."""
        self._in_flight += 1
        self._idle.clear()
        try:
            parsed = parse_update(update, self.bot_username)
            match parsed:
                case Incoming():
                    await self.order.run(parsed.user_id, lambda: self._handle(parsed))
                case MembershipChange(_, user_id, blocked):
                    await self.service.set_active(PLATFORM, str(user_id), not blocked)
                    event(log, "membership_changed", blocked=blocked)
                case GroupCommand():
                    await self.quizzes.command(parsed)
                case PollAnswer():
                    self.quizzes.vote(parsed)
                case Ignored(_, reason):
                    event(log, "update_ignored", reason=reason.replace(" ", "_"))
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
            await self._note_handled(int(update.get("update_id", 0)))

    async def _note_handled(self, update_id: int) -> None:
        """Remember the last few thousand handled update ids and wake anyone waiting."""
        self._handled[update_id] = None
        while len(self._handled) > HANDLED_MEMORY:
            self._handled.popitem(last=False)
        async with self._progress:
            self._progress.notify_all()

    async def wait_handled(self, update_id: int, limit: float = 10.0) -> None:
        """Wait until the update with this id has been handled and its replies delivered."""
        async with asyncio.timeout(limit), self._progress:
            await self._progress.wait_for(lambda: update_id in self._handled)

    async def _handle(self, incoming: Incoming) -> None:
        """Run the service for one update, record the user's message for exit, deliver replies."""
        # Recorded after the service: the SQL log keeps ids only for users it has stored.
        inbound = Inbound(
            PLATFORM,
            str(incoming.user_id),
            incoming.event,
            incoming.language_code,
            incoming.update_id,
        )
        outbound = await self.service.handle(inbound)
        if incoming.from_user_message and incoming.message_id is not None:
            await self.delivery.remember(incoming.chat_id, incoming.message_id)
        target = Target(incoming.chat_id, incoming.message_id, incoming.callback_id)
        try:
            await self.delivery.deliver(target, outbound)
        except ApiBlocked:
            await self.service.set_active(PLATFORM, str(incoming.user_id), False)
            event(log, "user_blocked_bot")

    async def wait_idle(self, limit: float | None = None) -> None:
        """Wait until no update is being handled (for shutdown and tests), at most `limit` s."""
        await asyncio.wait_for(self._idle.wait(), limit)

    @property
    def in_flight(self) -> int:
        """Return how many updates are being handled now."""
        return self._in_flight
