"""The Bot API calls Beacon makes, as a port each runtime implements with its own client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.service.messages import OutButton

Keyboard = tuple[tuple[OutButton, ...], ...]
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member", "poll_answer")
"""The kinds of update Beacon asks Telegram for."""


class ApiRetryAfter(Exception):
    """Telegram said 429: wait `seconds`, then try again."""

    def __init__(self, seconds: float) -> None:
        """Keep how long to wait."""
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class ApiTransient(Exception):
    """A server error, time-out or network failure that may pass."""


class ApiBlocked(Exception):
    """The user blocked the bot (403); sending to them again is pointless."""


class ApiUnauthorized(Exception):
    """Telegram does not know the bot token (401)."""


@dataclass(frozen=True, slots=True)
class QuizPollText:
    """A quiz poll's texts, already translated: question, options, the right one, why."""

    question: str
    options: tuple[str, ...]
    correct: int
    explanation: str


class ApiRejected(Exception):
    """Telegram refused the request (400); retrying the same request cannot help."""


class ChatApi(Protocol):
    """The Bot API methods Beacon uses, raising only the Api* exceptions above."""

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Send an HTML message with an inline keyboard; return its message id."""
        ...

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Replace a message's text and keyboard."""
        ...

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Answer a button press (stops the spinner), optionally with a short note."""
        ...

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete up to 100 messages in a chat."""
        ...

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], language_code: str | None
    ) -> None:
        """Publish the command menu for a language (None: the default for all)."""
        ...

    async def set_descriptions(
        self, short_description: str, description: str, language_code: str | None
    ) -> None:
        """Publish the bot's short description and description for a language."""
        ...

    async def username(self) -> str:
        """Return the bot's @username (without the @)."""
        ...

    async def send_quiz(
        self, chat_id: int, poll: QuizPollText, open_period: int
    ) -> tuple[int, str]:
        """Post a quiz poll (not anonymous, closing after `open_period` s); return its message
        id and poll id."""
        ...

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Say whether a user administers a group."""
        ...

    async def send_file(self, chat_id: int, filename: str, data: bytes, photo: bool) -> int:
        """Upload a document (or a photo); return the message id."""
        ...


class PassingApi:
    """A base for ChatApi wrappers: the calls that send nothing to a chat (command menus,
    descriptions, the bot's username, group admins) go straight to the wrapped api."""

    def __init__(self, api: ChatApi) -> None:
        """Wrap `api`."""
        self.api = api

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], language_code: str | None
    ) -> None:
        """Publish a command menu through the wrapped api."""
        await self.api.set_commands(commands, language_code)

    async def set_descriptions(
        self, short_description: str, description: str, language_code: str | None
    ) -> None:
        """Publish the descriptions through the wrapped api."""
        await self.api.set_descriptions(short_description, description, language_code)

    async def username(self) -> str:
        """Return the bot's username from the wrapped api."""
        return await self.api.username()

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Say, through the wrapped api, whether a user administers a group."""
        return await self.api.is_admin(chat_id, user_id)


class UpdateSource(Protocol):
    """How updates reach Beacon: long polling as raw JSON, or a webhook Telegram calls."""

    async def get_updates(self, offset: int | None, limit: int, wait: int) -> list[Any]:
        """Return pending updates as raw JSON (never parsed by the library), confirming those
        below `offset`; wait up to `wait` seconds for one."""
        ...

    async def set_webhook(
        self, url: str, secret: str, allowed: Sequence[str], max_connections: int
    ) -> None:
        """Ask Telegram to push updates to `url` with the secret token."""
        ...

    async def delete_webhook(self) -> None:
        """Stop webhook delivery (pending updates are kept for polling)."""
        ...

    async def close(self) -> None:
        """Close the client's connections."""
        ...


class TelegramClient(ChatApi, UpdateSource, Protocol):
    """A library's Bot API client: sends for Beacon and fetches its updates."""
