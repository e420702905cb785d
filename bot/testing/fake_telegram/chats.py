"""Per-chat state: message ids, stored messages, what the user saw, and when the bot answered."""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass, field

from bot.testing.fake_telegram.builders import default_chat_json
from bot.testing.fake_telegram.models import JsonObject, bad_request


@dataclass
class ChatState:
    """One chat: its Chat object, id counter, stored messages and the user's view of the bot."""

    chat: JsonObject
    next_message_id: int = 1
    bot_messages: dict[int, JsonObject] = field(default_factory=dict)
    user_messages: dict[int, JsonObject] = field(default_factory=dict)
    transcript: list[JsonObject] = field(default_factory=list)
    reply_times: list[float] = field(default_factory=list)

    def take_message_id(self) -> int:
        """Return the next message id of this chat (shared by the bot and the users)."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def note_reply(self, at: float) -> None:
        """Remember that a reply to this chat arrived at time at, keeping times sorted."""
        bisect.insort(self.reply_times, at)

    def first_reply_from(self, since: float) -> float | None:
        """Return the earliest reply arrival time at or after since."""
        index = bisect.bisect_left(self.reply_times, since)
        return self.reply_times[index] if index < len(self.reply_times) else None


def inline_rows(markup: object) -> list[list[JsonObject]]:
    """Return the inline keyboard rows of a reply_markup value (none for other markups)."""
    if isinstance(markup, dict):
        rows = markup.get("inline_keyboard")
        if isinstance(rows, list):
            return [list(row) for row in rows if isinstance(row, list)]
    return []


def seen_entry(message: JsonObject, *, replace: bool = False) -> JsonObject:
    """Return a transcript entry for a text message the bot sent or edited."""
    entry: JsonObject = {"text": message.get("text", "")}
    rows = inline_rows(message.get("reply_markup"))
    if any(rows):
        entry["buttons"] = [[str(button.get("text", "")) for button in row] for row in rows]
    if replace:
        entry["replace"] = True
    return entry


class ChatStore:
    """All chats the server knows, created on first use."""

    def __init__(self) -> None:
        """Start with no chats."""
        self._chats: dict[int, ChatState] = {}

    def register(self, chat: JsonObject) -> ChatState:
        """Introduce (or update) a chat from its Chat object and return its state."""
        state = self.get(int(chat["id"]))
        state.chat = chat
        return state

    def get(self, chat_id: int) -> ChatState:
        """Return the state of a chat, creating it with a default Chat object if new."""
        state = self._chats.get(chat_id)
        if state is None:
            state = self._chats[chat_id] = ChatState(default_chat_json(chat_id))
        return state

    def resolve(self, chat_id: object) -> int:
        """Return the numeric id a chat_id parameter names (a number or an @username)."""
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
        if isinstance(chat_id, str):
            text = chat_id.strip()
            if text.lstrip("-").isdigit():
                return int(text)
            for known, state in self._chats.items():
                username = state.chat.get("username")
                if username and text.lower() == f"@{username}".lower():
                    return known
        raise bad_request("chat not found")

    def transcript(self, chat_id: int) -> list[JsonObject]:
        """Return a copy of what the user saw from the bot in a chat since the last reset."""
        return copy.deepcopy(self.get(chat_id).transcript)

    def messages(self, chat_id: int) -> list[JsonObject]:
        """Return the bot messages still in a chat, oldest first: id, text, reply_markup."""
        stored = self.get(chat_id).bot_messages
        return [
            {
                "id": message_id,
                "text": stored[message_id].get("text"),
                "reply_markup": copy.deepcopy(stored[message_id].get("reply_markup")),
            }
            for message_id in sorted(stored)
        ]

    def last_keyboard(self, chat_id: int) -> list[list[JsonObject]]:
        """Return the buttons of the newest bot message in a chat that has an inline keyboard."""
        stored = self.get(chat_id).bot_messages
        for message_id in sorted(stored, reverse=True):
            rows = inline_rows(stored[message_id].get("reply_markup"))
            if any(rows):
                return copy.deepcopy(rows)
        return []
