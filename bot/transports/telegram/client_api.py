"""The Telegram client port on a library Bot that exposes the Bot API's own method names (both
aiogram and python-telegram-bot do); what differs between the libraries comes in a Library."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.transports.telegram.api import Keyboard, QuizPollText

ADMIN_STATUSES = frozenset({"creator", "administrator"})

T = TypeVar("T")
Translate = Callable[[Awaitable[Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Library:
    """What differs between aiogram and python-telegram-bot: how each builds a keyboard, a
    command and a file, turns its errors into Beacon's Api* exceptions, fetches raw updates and
    closes its connections."""

    markup: Callable[[Keyboard], Any]
    command: Callable[[str, str], Any]
    translated: Translate
    upload: Callable[[str, bytes], Any]
    raw_updates: Callable[[Any, int | None, int, int], Awaitable[Any]]
    close: Callable[[Any], Awaitable[None]]


class LibraryApi:
    """Calls `send_message`, `edit_message_text`, ... on an aiogram or python-telegram-bot Bot,
    and fetches updates as raw JSON so that no library parses (or logs) them."""

    def __init__(self, bot: Any, library: Library) -> None:
        """Wrap `bot` with its library's builders, error translation and update fetching."""
        self.bot = bot
        self.library = library
        self.markup = library.markup
        self.command = library.command
        self.translated = library.translated
        self.upload = library.upload

    async def get_updates(self, offset: int | None, limit: int, wait: int) -> list[Any]:
        """Return pending updates as raw JSON, confirming those below `offset`."""
        result = await self.translated(self.library.raw_updates(self.bot, offset, limit, wait))
        return result if isinstance(result, list) else []

    async def set_webhook(
        self, url: str, secret: str, allowed: Sequence[str], max_connections: int
    ) -> None:
        """Ask Telegram to push updates to `url` with the secret token."""
        await self.translated(
            self.bot.set_webhook(
                url, secret_token=secret, allowed_updates=list(allowed),
                max_connections=max_connections,
            )
        )  # fmt: skip

    async def delete_webhook(self) -> None:
        """Stop webhook delivery, keeping pending updates."""
        await self.translated(self.bot.delete_webhook(drop_pending_updates=False))

    async def close(self) -> None:
        """Close the library's connections."""
        await self.library.close(self.bot)

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Send an HTML message with an inline keyboard; return its message id."""
        sent = await self.translated(
            self.bot.send_message(
                chat_id, html, parse_mode="HTML", reply_markup=self.markup(keyboard)
            )
        )
        return int(sent.message_id)

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Replace a message's text and keyboard."""
        await self.translated(
            self.bot.edit_message_text(
                html, chat_id=chat_id, message_id=message_id, parse_mode="HTML",
                reply_markup=self.markup(keyboard),
            )
        )  # fmt: skip

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Answer a button press."""
        await self.translated(self.bot.answer_callback_query(callback_id, text=text))

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete up to 100 messages."""
        await self.translated(self.bot.delete_messages(chat_id, list(message_ids)))

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], language_code: str | None
    ) -> None:
        """Publish the command menu for a language."""
        items = [self.command(name, text) for name, text in commands]
        await self.translated(self.bot.set_my_commands(items, language_code=language_code))

    async def set_descriptions(
        self, short_description: str, description: str, language_code: str | None
    ) -> None:
        """Publish the short description and description for a language."""
        await self.translated(self.bot.set_my_short_description(short_description, language_code))
        await self.translated(self.bot.set_my_description(description, language_code))

    async def username(self) -> str:
        """Return the bot's username."""
        me = await self.translated(self.bot.get_me())
        return str(me.username or "")

    async def send_quiz(
        self, chat_id: int, poll: QuizPollText, open_period: int
    ) -> tuple[int, str]:
        """Post a quiz poll that closes after `open_period` seconds; return message and poll id."""
        sent = await self.translated(
            self.bot.send_poll(
                chat_id,
                poll.question,
                list(poll.options),
                type="quiz",
                is_anonymous=False,
                correct_option_ids=[poll.correct],
                explanation=poll.explanation,
                open_period=open_period,
            )
        )
        return int(sent.message_id), str(sent.poll.id)

    async def send_file(self, chat_id: int, filename: str, data: bytes, photo: bool) -> int:
        """Upload a document (or a photo); return the message id."""
        upload = self.upload(filename, data)
        call = (
            self.bot.send_photo(chat_id, upload)
            if photo
            else self.bot.send_document(chat_id, upload)
        )
        sent = await self.translated(call)
        return int(sent.message_id)

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Say whether a user is the creator or an administrator of a group."""
        member = await self.translated(self.bot.get_chat_member(chat_id, user_id))
        return str(getattr(member.status, "value", member.status)) in ADMIN_STATUSES
