"""A ChatApi that keeps Beacon within Telegram's limits: every call that sends to a chat first
waits its turn at the send limiter (a reply before a bulk send, see
`bot.service.send_limits`), and a 429 pauses the scope it blames for every worker sharing the
limiter; calls and failures pass through unchanged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.logs import event
from bot.service.metrics import Metrics
from bot.service.send_limits import SendLimiter, current_priority, wait_turn
from bot.transports.telegram.api import (
    ApiRetryAfter,
    ChatApi,
    Keyboard,
    PassingApi,
    QuizPollText,
)

T = TypeVar("T")
log = logging.getLogger("beacon.telegram")


class LimitedApi(PassingApi):
    """Wraps a ChatApi: sends to a chat wait at `limiter`; answers to taps and settings pass."""

    def __init__(
        self,
        api: ChatApi,
        limiter: SendLimiter,
        metrics: Metrics,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Send through `api` within `limiter`, counting waits in `metrics`."""
        super().__init__(api)
        self.limiter = limiter
        self.metrics = metrics
        self.sleep = sleep

    async def _limited(self, chat_id: int, work: Callable[[], Awaitable[T]]) -> T:
        """Wait for the chat's turn, run the call; on a 429, pause the blamed scope."""
        await wait_turn(self.limiter, chat_id, current_priority(), self.metrics, self.sleep)
        try:
            return await work()
        except ApiRetryAfter as told:
            scope = await self.limiter.pause(chat_id, told.seconds)
            event(log, "rate_limited", level=logging.WARNING, scope=scope, seconds=told.seconds)
            raise

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Send a message in the chat's turn."""
        return await self._limited(chat_id, lambda: self.api.send_message(chat_id, html, keyboard))

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Edit a message in the chat's turn."""
        await self._limited(
            chat_id, lambda: self.api.edit_message(chat_id, message_id, html, keyboard)
        )

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Answer a button press at once (not a message; Telegram does not count it)."""
        await self.api.answer_callback(callback_id, text)

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete messages in the chat's turn."""
        await self._limited(chat_id, lambda: self.api.delete_messages(chat_id, message_ids))

    async def send_quiz(
        self, chat_id: int, poll: QuizPollText, open_period: int
    ) -> tuple[int, str]:
        """Post a quiz poll in the chat's turn."""
        return await self._limited(chat_id, lambda: self.api.send_quiz(chat_id, poll, open_period))

    async def send_file(self, chat_id: int, filename: str, data: bytes, photo: bool) -> int:
        """Upload a document or photo in the chat's turn."""
        return await self._limited(
            chat_id, lambda: self.api.send_file(chat_id, filename, data, photo)
        )
