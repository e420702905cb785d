"""A ChatApi that counts every Bot API call that sends, with its outcome, and every 429 with
the wait Telegram asked for; it passes each call and each failure through unchanged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.service.metrics import Metrics
from bot.transports.telegram.api import (
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ChatApi,
    Keyboard,
    PassingApi,
    QuizPollText,
)

T = TypeVar("T")
CHANNEL = "telegram"
OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (ApiRetryAfter, "rate_limited"),
    (ApiTransient, "transient"),
    (ApiRejected, "rejected"),
    (ApiBlocked, "blocked"),
)
"""The outcome a failure counts as; any other failure counts as "error"."""


class MeteredApi(PassingApi):
    """Wraps a ChatApi: counts sends by method and outcome in `metrics`."""

    def __init__(self, api: ChatApi, metrics: Metrics) -> None:
        """Send through `api`, counting in `metrics`."""
        super().__init__(api)
        self.metrics = metrics

    async def _counted(self, method: str, work: Callable[[], Awaitable[T]]) -> T:
        """Run one call and count its outcome; a 429 also counts its wait."""
        try:
            result = await work()
        except Exception as failure:
            outcome = next((name for kind, name in OUTCOMES if isinstance(failure, kind)), "error")
            self.metrics.sent(CHANNEL, method, outcome)
            if isinstance(failure, ApiRetryAfter):
                self.metrics.told_to_wait(CHANNEL, failure.seconds)
            raise
        self.metrics.sent(CHANNEL, method, "ok")
        return result

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Send a message (counted)."""
        return await self._counted(
            "sendMessage", lambda: self.api.send_message(chat_id, html, keyboard)
        )

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Edit a message (counted)."""
        await self._counted(
            "editMessageText",
            lambda: self.api.edit_message(chat_id, message_id, html, keyboard),
        )

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Answer a button press (counted)."""
        await self._counted(
            "answerCallbackQuery", lambda: self.api.answer_callback(callback_id, text)
        )

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete messages (counted)."""
        await self._counted(
            "deleteMessages", lambda: self.api.delete_messages(chat_id, message_ids)
        )

    async def send_quiz(
        self, chat_id: int, poll: QuizPollText, open_period: int
    ) -> tuple[int, str]:
        """Post a quiz poll (counted)."""
        return await self._counted(
            "sendPoll", lambda: self.api.send_quiz(chat_id, poll, open_period)
        )

    async def send_file(self, chat_id: int, filename: str, data: bytes, photo: bool) -> int:
        """Upload a document or photo (counted)."""
        method = "sendPhoto" if photo else "sendDocument"
        return await self._counted(
            method, lambda: self.api.send_file(chat_id, filename, data, photo)
        )
