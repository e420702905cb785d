"""Everything the fake Telegram remembers between requests, shared by handlers and simulators."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.testing.fake_telegram.builders import (
    chat_json,
    private_chat_json,
    unknown_user_json,
    user_json,
)
from bot.testing.fake_telegram.chats import ChatState, ChatStore
from bot.testing.fake_telegram.models import FakeChat, FakeUser, JsonObject
from bot.testing.fake_telegram.updates import UpdateQueue


@dataclass(frozen=True)
class PollRef:
    """Where a poll the bot sent lives."""

    chat_id: int
    message_id: int


@dataclass
class World:
    """The bot, the chats and users it knows, pending updates and per-bot settings."""

    bot_user: JsonObject
    chats: ChatStore = field(default_factory=ChatStore)
    queue: UpdateQueue = field(default_factory=UpdateQueue)
    users: dict[int, FakeUser] = field(default_factory=dict)
    groups: dict[int, FakeChat] = field(default_factory=dict)
    callbacks: dict[str, int] = field(default_factory=dict)
    polls: dict[str, PollRef] = field(default_factory=dict)
    admins: dict[int, list[int]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    commands: dict[tuple[str, str], list[JsonObject]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    serial: int = 0

    def next_serial(self) -> int:
        """Return a fresh number for ids that must be unique (callbacks, polls, files)."""
        self.serial += 1
        return self.serial

    def bot_sender(self) -> JsonObject:
        """Return the bot's User object as it appears in the from field of its messages."""
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self.bot_user[key] for key in keys if key in self.bot_user}

    def meet(self, user: FakeUser) -> ChatState:
        """Remember a user and return the state of their private chat with the bot."""
        self.users[user.id] = user
        return self.chats.register(private_chat_json(user))

    def add_group(self, chat: FakeChat) -> ChatState:
        """Remember a group or channel and return its state."""
        self.groups[chat.id] = chat
        return self.chats.register(chat_json(chat))

    def chat_of(self, user: FakeUser, chat: FakeChat | None) -> ChatState:
        """Return the chat a user acts in: the given group or their private chat."""
        private = self.meet(user)
        return private if chat is None else self.add_group(chat)

    def user_object(self, user_id: int) -> JsonObject:
        """Return the User object for an id: the bot, a known user, or a stand-in."""
        if user_id == self.bot_user["id"]:
            return self.bot_sender()
        user = self.users.get(user_id)
        return user_json(user) if user else unknown_user_json(user_id)


def now() -> int:
    """Return the current Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())
