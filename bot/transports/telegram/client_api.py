"""The Telegram client port on a library Bot that exposes the Bot API's own method names (both
aiogram and python-telegram-bot do); what differs between the libraries comes in a Library.

The calls made for every update (send, edit, answer a tap, delete) go as plain JSON through the
library's own HTTP session and read the answer as plain JSON: building and parsing the
libraries' typed objects cost more than the rest of Beacon's work on a reply. The rare calls
(menus, polls, files, chat members) keep the libraries' types.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.service.messages import OutButton
from bot.transports.telegram.api import (
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
    ApiUnauthorized,
    Keyboard,
    QuizPollText,
)

ADMIN_STATUSES = frozenset({"creator", "administrator"})

T = TypeVar("T")
Translate = Callable[[Awaitable[Any]], Awaitable[Any]]
Post = Callable[[Any, str, dict[str, Any]], Awaitable[tuple[int, bytes | str]]]
"""Post a Bot API method's JSON parameters through a library's HTTP session; return the HTTP
status and body, raising ApiTransient when the request failed on the way."""


def button_json(out: OutButton) -> dict[str, Any]:
    """Return an inline button as Bot API JSON: callback data, a web page, or text to copy."""
    match out.kind:
        case "url":
            return {"text": out.label, "url": out.data}
        case "copy":
            return {"text": out.label, "copy_text": {"text": out.data}}
    return {"text": out.label, "callback_data": out.data}


def markup_json(keyboard: Keyboard) -> dict[str, Any] | None:
    """Return an inline keyboard as Bot API JSON, or None when there are no buttons."""
    rows = [[button_json(b) for b in row] for row in keyboard]
    return {"inline_keyboard": rows} if rows else None


def answered(status: int, body: bytes | str) -> Any:
    """Return a Bot API answer's result, or raise the Api* exception its status means: 429 (or
    any answer with retry_after) ApiRetryAfter, 403 ApiBlocked, 401 and 404 ApiUnauthorized,
    409 and 5xx (or an unreadable answer) ApiTransient, anything else ApiRejected."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ApiTransient("undecodable answer") from None
    if not isinstance(data, dict):
        raise ApiTransient("undecodable answer")
    if 200 <= status <= 299 and data.get("ok") is True:
        return data.get("result")
    parameters = data.get("parameters")
    wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(wait, int | float) and not isinstance(wait, bool):
        raise ApiRetryAfter(float(wait))
    if status == 403:
        raise ApiBlocked
    if status in (401, 404):
        raise ApiUnauthorized(f"status {status}")
    if status == 409 or status >= 500:
        raise ApiTransient(f"status {status}")
    description = data.get("description")
    raise ApiRejected(description if isinstance(description, str) else f"status {status}")


def message_id_of(result: Any) -> int:
    """Return the message id of a sent message's JSON; ApiTransient when it has none."""
    value = result.get("message_id") if isinstance(result, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiTransient("answer without a message id")
    return value


@dataclass(frozen=True, slots=True)
class Library:
    """What differs between aiogram and python-telegram-bot: how each posts plain JSON, builds a
    command and a file, turns its errors into Beacon's Api* exceptions, fetches raw updates and
    closes its connections."""

    post: Post
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

    async def call(self, method: str, parameters: dict[str, Any]) -> Any:
        """Call a Bot API method with JSON parameters (None values left out); return its JSON
        result, or raise the Api* exception its failure means."""
        present = {key: value for key, value in parameters.items() if value is not None}
        status, body = await self.library.post(self.bot, method, present)
        return answered(status, body)

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Send an HTML message with an inline keyboard; return its message id."""
        sent = await self.call(
            "sendMessage",
            {"chat_id": chat_id, "text": html, "parse_mode": "HTML",
             "reply_markup": markup_json(keyboard)},
        )  # fmt: skip
        return message_id_of(sent)

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Replace a message's text and keyboard."""
        await self.call(
            "editMessageText",
            {"chat_id": chat_id, "message_id": message_id, "text": html, "parse_mode": "HTML",
             "reply_markup": markup_json(keyboard)},
        )  # fmt: skip

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Answer a button press."""
        await self.call("answerCallbackQuery", {"callback_query_id": callback_id, "text": text})

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete up to 100 messages."""
        await self.call("deleteMessages", {"chat_id": chat_id, "message_ids": list(message_ids)})

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
