"""Send what the service returned to a chat: answers first, edits where asked, bounded retries."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.logs import event
from bot.service.messages import Document, EraseChat, Outbound, Photo, Reply, TapAnswer
from bot.service.ports import StoreUnavailable
from bot.transports.telegram.api import (
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ChatApi,
    Keyboard,
)

log = logging.getLogger("beacon.telegram")
T = TypeVar("T")
DELETE_WINDOW_SECONDS = 48 * 3600
DELETE_BATCH = 100
MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's text, in UTF-16 code units after entities are parsed."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying: 429s wait as told; other failures back off exponentially."""

    max_rate_limited: int = 10
    max_transient: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0

    def backoff(self, attempt: int) -> float:
        """Return the wait before retry number `attempt` (1-based) after a transient failure."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))


class DeliveryFailed(Exception):
    """A call still failed after every retry the policy allows."""


class DeliveryStopped(Exception):
    """A message could not go now (it kept failing, or the database was unavailable); the
    messages from `index` on wait for a later attempt."""

    def __init__(self, index: int) -> None:
        """Keep where delivery stopped."""
        super().__init__(f"stopped at message {index}")
        self.index = index


NOT_MODIFIED = "message is not modified"
"""Telegram's answer to an edit that changes nothing: the edit was already made."""


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run a Bot API call, retrying 429s and transient failures within the policy's bounds."""
    rate_limited = transient = 0
    while True:
        try:
            return await call()
        except ApiRetryAfter as wait:
            rate_limited += 1
            if rate_limited > policy.max_rate_limited:
                raise DeliveryFailed("still rate-limited") from wait
            await sleep(wait.seconds)
        except ApiTransient as failure:
            transient += 1
            if transient > policy.max_transient:
                raise DeliveryFailed("server or network kept failing") from failure
            await sleep(policy.backoff(transient))


def as_html(text: str) -> str:
    """Return plain text as Telegram HTML: every <, > and & escaped, nothing else marked up."""
    return html.escape(text, quote=False)


def utf16_length(text: str) -> int:
    """Return the length Telegram measures: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split plain text into pieces Telegram accepts: at paragraphs, else lines, else anywhere."""
    if utf16_length(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n"):
        parts = text.split(separator)
        if len(parts) > 1:
            pieces: list[str] = []
            for part in parts:
                joined = f"{pieces[-1]}{separator}{part}" if pieces else part
                if pieces and utf16_length(joined) <= limit:
                    pieces[-1] = joined
                else:
                    pieces.append(part)
            return [piece for part in pieces for piece in split_message(part, limit)]
    cut = limit
    while utf16_length(text[:cut]) > limit:
        cut -= 1
    return [text[:cut], *split_message(text[cut:], limit)]


class MessageLog(Protocol):
    """The message ids of each private chat that exit may delete (both sides, under 48 hours)."""

    async def add(self, chat_id: int, message_id: int) -> None:
        """Remember a message of a chat, sent now."""
        ...

    async def take_recent(self, chat_id: int) -> list[int]:
        """Forget all of a chat's messages, returning those still young enough to delete."""
        ...


class SentMessages:
    """A MessageLog in memory (lost on restart): at most `per_chat` ids per chat."""

    def __init__(self, per_chat: int = 500, clock: Callable[[], float] = time.time) -> None:
        """Remember at most `per_chat` ids per chat."""
        self.per_chat = per_chat
        self.clock = clock
        self._ids: dict[int, deque[tuple[int, float]]] = {}

    async def add(self, chat_id: int, message_id: int) -> None:
        """Remember a message in a chat."""
        ids = self._ids.setdefault(chat_id, deque(maxlen=self.per_chat))
        ids.append((message_id, self.clock()))

    async def take_recent(self, chat_id: int) -> list[int]:
        """Forget a chat's messages, returning those still young enough to delete."""
        now = self.clock()
        ids = self._ids.pop(chat_id, deque())
        return [mid for mid, at in ids if now - at < DELETE_WINDOW_SECONDS]


def is_private(chat_id: int) -> bool:
    """Say whether a chat id is a private chat's (a user's id); groups and channels are < 0."""
    return chat_id > 0


@dataclass(frozen=True, slots=True)
class Target:
    """Where replies go: the chat, and the tapped message and callback when there was a tap."""

    chat_id: int
    message_id: int | None = None
    callback_id: str | None = None


class Delivery:
    """Delivers a step's messages to one chat through a ChatApi."""

    def __init__(self, api: ChatApi, policy: RetryPolicy, messages: MessageLog) -> None:
        """Deliver through `api` with `policy`, remembering private chats' ids in `messages`."""
        self.api = api
        self.policy = policy
        self.messages = messages

    async def remember(self, chat_id: int, message_id: int) -> None:
        """Record a message for exit if it is in a private chat; group messages are not kept."""
        if is_private(chat_id):
            await self.messages.add(chat_id, message_id)

    async def deliver(
        self,
        target: Target,
        outbound: Sequence[Outbound],
        *,
        start: int = 0,
        mark: Callable[[int], Awaitable[None]] | None = None,
        answer_taps: bool = True,
    ) -> None:
        """Send the messages from `start` on, in order: answer the tap, send or edit replies,
        upload files, erase the chat. After each message but the last (a tap's answer aside),
        `mark(n)` records that the first n went out.

        Raises ApiBlocked when the user blocked the bot, and DeliveryStopped when a message
        kept failing; a message Telegram refuses (400) is logged and skipped, and a tap's
        answer that fails is only logged (the spinner stops by itself).
        """
        last = len(outbound) - 1
        for index, message in enumerate(outbound):
            if index < start:
                continue
            if isinstance(message, TapAnswer):
                if answer_taps and target.callback_id is not None:
                    work = self._answer(target.callback_id, message)
                    await self._try(work, "answerCallbackQuery")
                continue
            try:
                await self._one(target, message)
            except ApiRejected:
                event(log, "delivery_failed", level=logging.WARNING, reason="ApiRejected")
            except (DeliveryFailed, StoreUnavailable) as failure:
                reason = type(failure).__name__
                event(log, "delivery_stopped", level=logging.WARNING, reason=reason)
                raise DeliveryStopped(index) from None
            if mark is not None and index < last:
                await mark(index + 1)

    async def _one(self, target: Target, message: Outbound) -> None:
        """Send one message of a step."""
        if isinstance(message, Reply):
            await self._reply(target, message)
        elif isinstance(message, EraseChat):
            await self._erase(target.chat_id)
        elif isinstance(message, Document | Photo):
            await self._file(target.chat_id, message)

    async def _try(self, work: Awaitable[None], method: str) -> None:
        """Await one delivery; log (never swallow silently) a failure that retries cannot fix."""
        try:
            await work
        except (DeliveryFailed, ApiRejected) as failure:
            event(
                log,
                "delivery_failed",
                level=logging.WARNING,
                method=method,
                reason=type(failure).__name__,
            )

    async def _answer(self, callback_id: str, answer: TapAnswer) -> None:
        """Answer a callback query."""
        await with_retries(lambda: self.api.answer_callback(callback_id, answer.text), self.policy)

    async def _reply(self, target: Target, reply: Reply) -> None:
        """Edit the tapped message when the reply replaces it, else send new messages: a text
        over Telegram's limit goes as several, the keyboard on the last (only the last when the
        reply is a screen shown again)."""
        *before, last = split_message(reply.text)
        if reply.tail:
            before = []
        for piece in before:
            await self.send(target.chat_id, as_html(piece), ())
        text = as_html(last)
        if reply.replace and not before and target.message_id is not None:
            message_id = target.message_id
            try:
                await with_retries(
                    lambda: self.api.edit_message(target.chat_id, message_id, text, reply.buttons),
                    self.policy,
                )
                return
            except ApiRejected as refused:
                if NOT_MODIFIED in str(refused):
                    return  # the same edit was made before (a delivery resumed after a crash)
                event(log, "edit_refused_sending_instead")
        await self.send(target.chat_id, text, reply.buttons)

    async def send(self, chat_id: int, html: str, keyboard: Keyboard = ()) -> None:
        """Send one message within the retry policy and remember its id for exit; raises
        ApiBlocked, ApiRejected or DeliveryFailed when it cannot go."""
        sent = await with_retries(
            lambda: self.api.send_message(chat_id, html, keyboard), self.policy
        )
        await self.remember(chat_id, sent)

    async def _file(self, chat_id: int, file: Document | Photo) -> None:
        """Upload a document or photo and remember it for exit."""
        photo = isinstance(file, Photo)
        sent = await with_retries(
            lambda: self.api.send_file(chat_id, file.filename, file.data, photo), self.policy
        )
        await self.remember(chat_id, sent)

    async def _erase(self, chat_id: int) -> None:
        """Delete the chat's recent messages on both sides, in batches of 100."""
        ids = await self.messages.take_recent(chat_id)
        for start in range(0, len(ids), DELETE_BATCH):
            await self._delete(chat_id, ids[start : start + DELETE_BATCH])

    async def _delete(self, chat_id: int, batch: list[int]) -> None:
        """Delete one batch of messages."""
        await with_retries(lambda: self.api.delete_messages(chat_id, batch), self.policy)
