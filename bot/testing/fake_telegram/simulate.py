"""What simulated users do, turned into Telegram updates queued for the bot."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from bot.testing.fake_telegram.builders import (
    chat_json,
    chat_member_json,
    command_entities,
    media_fields,
    user_json,
)
from bot.testing.fake_telegram.models import FakeChat, FakeUser, JsonObject
from bot.testing.fake_telegram.world import World, now


class Simulator:
    """Builds updates for what users do and queues them, returning their update ids."""

    def __init__(self, world: World) -> None:
        """Act on world."""
        self.world = world

    def enqueue(self, update: JsonObject) -> int:
        """Queue any update (its update_id is assigned here) and return its id."""
        return self.world.queue.put(update)

    def _user_message(self, user: FakeUser, chat: FakeChat | None, content: JsonObject) -> int:
        """Store a new message from a user in a chat and queue it as a message update."""
        state = self.world.chat_of(user, chat)
        message: JsonObject = {
            "message_id": state.take_message_id(),
            "from": user_json(user),
            "chat": state.chat,
            "date": now(),
            **content,
        }
        state.user_messages[message["message_id"]] = message
        return self.enqueue({"message": message})

    def send_text(self, user: FakeUser, text: str, *, chat: FakeChat | None = None) -> int:
        """Queue a text message from a user (with a bot_command entity if it starts with /)."""
        content: JsonObject = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, chat, content)

    def send_media(self, user: FakeUser, kind: str, *, chat: FakeChat | None = None) -> int:
        """Queue a message with one kind of media (sticker, photo, voice, location, ...)."""
        return self._user_message(user, chat, media_fields(kind, self.world.next_serial(), user))

    def tap(
        self,
        user: FakeUser,
        message_id: int | None,
        data: str,
        *,
        chat: FakeChat | None = None,
    ) -> int:
        """Queue a callback query: the user pressed a button with data on a bot message.

        With `message_id` None the button is on a message the server does not keep (a load
        generator's scripted tap): Telegram then sends an InaccessibleMessage (date 0).
        """
        state = self.world.chat_of(user, chat)
        if message_id is None:
            message: JsonObject | None = {"chat": state.chat, "message_id": 0, "date": 0}
        else:
            message = state.bot_messages.get(message_id)
        if message is None:
            known = sorted(state.bot_messages)
            raise LookupError(f"no bot message {message_id} in chat {state.chat['id']}: {known}")
        query_id = str(4_000_000_000_000_000_000 + self.world.next_serial())
        self.world.callbacks[query_id] = int(state.chat["id"])
        query: JsonObject = {
            "id": query_id,
            "from": user_json(user),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(int(state.chat["id"])) * 7919 + 13),
            "data": data,
        }
        return self.enqueue({"callback_query": query})

    def edit_text(
        self, user: FakeUser, message_id: int, new_text: str, *, chat: FakeChat | None = None
    ) -> int:
        """Queue an edited_message update: the user changed the text of their message."""
        state = self.world.chat_of(user, chat)
        old = state.user_messages.get(message_id)
        if old is None or "text" not in old:
            raise LookupError(f"no text message {message_id} from the user in this chat")
        new = {key: value for key, value in old.items() if key != "entities"}
        new.update(text=new_text, edit_date=now())
        entities = command_entities(new_text)
        if entities:
            new["entities"] = entities
        state.user_messages[message_id] = new
        return self.enqueue({"edited_message": new})

    def channel_post(self, chat_id: int, text: str, *, title: str = "Channel") -> int:
        """Queue a channel_post update: a new post in a channel the bot is in."""
        known = self.world.groups.get(chat_id)
        channel = known if known is not None else FakeChat(chat_id, "channel", title)
        state = self.world.add_group(channel)
        post: JsonObject = {
            "message_id": state.take_message_id(),
            "sender_chat": chat_json(channel),
            "chat": state.chat,
            "date": now(),
            "text": text,
        }
        state.user_messages[post["message_id"]] = post
        return self.enqueue({"channel_post": post})

    def my_chat_member(
        self,
        user: FakeUser,
        old_status: str,
        new_status: str,
        *,
        chat: FakeChat | None = None,
    ) -> int:
        """Queue a my_chat_member update: the bot's status changed (e.g. member -> kicked)."""
        state = self.world.chat_of(user, chat)
        bot = self.world.bot_sender()
        change: JsonObject = {
            "chat": state.chat,
            "from": user_json(user),
            "date": now(),
            "old_chat_member": chat_member_json(old_status, bot),
            "new_chat_member": chat_member_json(new_status, bot),
        }
        return self.enqueue({"my_chat_member": change})

    def poll_answer(self, user: FakeUser, poll_id: str, option_ids: Sequence[int]) -> int:
        """Queue a poll_answer update and count the votes in the stored poll."""
        self.world.meet(user)
        chosen = list(option_ids)
        self._count_votes(poll_id, chosen)
        answer: JsonObject = {
            "poll_id": poll_id,
            "user": user_json(user),
            "option_ids": chosen,
            "option_persistent_ids": [str(option) for option in chosen],
        }
        return self.enqueue({"poll_answer": answer})

    def _count_votes(self, poll_id: str, chosen: list[int]) -> None:
        """Add one voter to the chosen options of a stored poll, if the bot sent it."""
        ref = self.world.polls.get(poll_id)
        if ref is None or not chosen:
            return
        state = self.world.chats.get(ref.chat_id)
        message = state.bot_messages.get(ref.message_id)
        if message is None:
            return
        poll = copy.deepcopy(message["poll"])
        for index in chosen:
            if 0 <= index < len(poll["options"]):
                poll["options"][index]["voter_count"] += 1
        poll["total_voter_count"] += 1
        state.bot_messages[ref.message_id] = {**message, "poll": poll}
