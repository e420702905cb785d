"""Bot API methods that send, edit and delete messages, answer taps, and run polls."""

from __future__ import annotations

import functools
import re
from typing import Any

from bot.testing.fake_telegram.builders import MEDIA_KINDS, media_fields
from bot.testing.fake_telegram.chats import ChatState, inline_rows, seen_entry
from bot.testing.fake_telegram.html_text import parse_html
from bot.testing.fake_telegram.limits import parse_mode_for
from bot.testing.fake_telegram.models import (
    ApiError,
    Context,
    FakeUser,
    Handler,
    JsonObject,
    bad_request,
)
from bot.testing.fake_telegram.world import PollRef, World, now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the"
    " same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
_SENDING_PREFIXES = ("send", "copy", "forward", "edit")


def rendered(params: JsonObject, field: str = "text") -> tuple[str, list[JsonObject] | None]:
    """Return the plain text and entities Telegram stores for a text field of a request."""
    text = str(params.get(field, ""))
    if parse_mode_for(field, params) == "html":
        parsed = parse_html(text)
        if not parsed.errors:
            return parsed.text, parsed.entities or None
    entities = params.get("entities" if field == "text" else f"{field}_entities")
    return text, entities if isinstance(entities, list) and entities else None


def inline_markup(params: JsonObject) -> JsonObject | None:
    """Return the reply_markup of a request if it is an inline keyboard (what messages keep)."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def media_kind(method: str) -> str:
    """Return the snake_case media kind a send method names (sendVideoNote -> video_note)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method.removeprefix("send")).lower()


def poll_option_text(option: Any) -> str:
    """Return the text of a poll option given as an InputPollOption or a plain string."""
    return str(option.get("text", "")) if isinstance(option, dict) else str(option)


class Messaging:
    """Handlers for message methods, working on the shared world."""

    def __init__(self, world: World) -> None:
        """Work on world."""
        self.world = world

    def handlers(self) -> dict[str, Handler]:
        """Return the methods this class implements, by their spec names."""
        return {
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "sendPoll": self.send_poll,
            "stopPoll": self.stop_poll,
        }

    def fallback(self, method: str, returns: tuple[str, ...]) -> Handler | None:
        """Return a generic handler for an unimplemented method that returns messages."""
        if method == "sendMediaGroup":
            return self.send_media_group
        if returns == ("Message",) and method.startswith(("send", "forward", "copy")):
            return functools.partial(self.send_other, method)
        return None

    def check_blocked(self, method: str, params: JsonObject) -> None:
        """Raise Telegram's 403 when the bot sends to the private chat of a user who blocked it."""
        if not self.world.blocked or not method.startswith(_SENDING_PREFIXES):
            return
        chat_id = params.get("chat_id")
        if chat_id is None:
            return
        try:
            resolved = self.world.chats.resolve(chat_id)
        except ApiError:
            return
        if resolved in self.world.blocked:
            raise ApiError(403, BLOCKED)

    def _chat(self, ctx: Context) -> ChatState:
        """Return the chat a request names, noting its id on the context."""
        if ctx.params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        ctx.chat_id = self.world.chats.resolve(ctx.params["chat_id"])
        return self.world.chats.get(ctx.chat_id)

    def _stored(self, ctx: Context, missing: str) -> tuple[ChatState, JsonObject]:
        """Return the chat and the bot message a request names, or raise 400 missing."""
        chat = self._chat(ctx)
        message_id = ctx.params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = chat.bot_messages.get(message_id)
        if message is None:
            if message_id in chat.user_messages and "edit" in missing:
                raise bad_request("message can't be edited")
            raise bad_request(missing)
        return chat, message

    def _new_message(self, chat: ChatState, content: JsonObject) -> JsonObject:
        """Store and return a bot message in a chat with the next message id."""
        message: JsonObject = {
            "message_id": chat.take_message_id(),
            "from": self.world.bot_sender(),
            "chat": chat.chat,
            "date": now(),
            **content,
        }
        chat.bot_messages[message["message_id"]] = message
        return message

    async def send_message(self, ctx: Context) -> JsonObject:
        """Store a text message from the bot and show it to the user."""
        chat = self._chat(ctx)
        text, entities = rendered(ctx.params)
        content: JsonObject = {"text": text}
        if entities:
            content["entities"] = entities
        markup = inline_markup(ctx.params)
        if markup is not None:
            content["reply_markup"] = markup
        message = self._new_message(chat, content)
        chat.transcript.append(seen_entry(message))
        return message

    def _media_content(self, kind: str, params: JsonObject) -> JsonObject:
        """Return the Message fields for media the bot sends, using its parameters if given."""
        if kind == "location":
            place = ("latitude", "longitude")
            return {"location": {key: params.get(key, 0.0) for key in place}}
        if kind == "contact":
            card = ("phone_number", "first_name", "last_name")
            return {"contact": {key: params[key] for key in card if key in params}}
        if kind not in MEDIA_KINDS:
            return {}
        sender = FakeUser(int(self.world.bot_user["id"]), str(self.world.bot_user["first_name"]))
        return media_fields(kind, self.world.next_serial(), sender)

    def _with_caption(self, content: JsonObject, params: JsonObject) -> JsonObject:
        """Add the rendered caption of a request to message content."""
        if params.get("caption"):
            caption, entities = rendered(params, "caption")
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return content

    async def send_other(self, method: str, ctx: Context) -> JsonObject:
        """Store a minimal message for any other send method (media stubbed, caption kept)."""
        chat = self._chat(ctx)
        content = self._with_caption(
            self._media_content(media_kind(method), ctx.params), ctx.params
        )
        markup = inline_markup(ctx.params)
        if markup is not None:
            content["reply_markup"] = markup
        return self._new_message(chat, content)

    async def send_media_group(self, ctx: Context) -> list[JsonObject]:
        """Store one minimal message per item of an album."""
        chat = self._chat(ctx)
        group_id = str(self.world.next_serial())
        sent = []
        for item in ctx.params.get("media") or []:
            medium: JsonObject = item if isinstance(item, dict) else {}
            content = self._media_content(str(medium.get("type", "")), {})
            content["media_group_id"] = group_id
            sent.append(self._new_message(chat, self._with_caption(content, medium)))
        return sent

    async def edit_message_text(self, ctx: Context) -> JsonObject | bool:
        """Replace the text (and keyboard) of a bot message, refusing a no-op edit."""
        if ctx.params.get("inline_message_id") and ctx.params.get("chat_id") is None:
            return True
        chat, old = self._stored(ctx, "message to edit not found")
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        text, entities = rendered(ctx.params)
        markup = inline_markup(ctx.params)
        same_markup = markup == old.get("reply_markup")
        if text == old["text"] and entities == old.get("entities") and same_markup:
            raise bad_request(NOT_MODIFIED)
        new = {key: value for key, value in old.items() if key not in ("entities", "reply_markup")}
        new.update(text=text, edit_date=now())
        if entities:
            new["entities"] = entities
        if markup is not None:
            new["reply_markup"] = markup
        chat.bot_messages[new["message_id"]] = new
        chat.transcript.append(seen_entry(new, replace=True))
        return new

    async def edit_message_reply_markup(self, ctx: Context) -> JsonObject | bool:
        """Replace (or remove) the inline keyboard of a bot message."""
        if ctx.params.get("inline_message_id") and ctx.params.get("chat_id") is None:
            return True
        chat, old = self._stored(ctx, "message to edit not found")
        markup = inline_markup(ctx.params)
        if not any(inline_rows(markup)):
            markup = None
        if markup == old.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        new = {key: value for key, value in old.items() if key != "reply_markup"}
        new["edit_date"] = now()
        if markup is not None:
            new["reply_markup"] = markup
        chat.bot_messages[new["message_id"]] = new
        return new

    async def delete_message(self, ctx: Context) -> bool:
        """Delete one message of a chat (the bot's or a user's)."""
        chat = self._chat(ctx)
        message_id = ctx.params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        gone = chat.bot_messages.pop(message_id, None) or chat.user_messages.pop(message_id, None)
        if gone is None:
            raise bad_request("message to delete not found")
        chat.transcript.append({"erase_chat": True})
        return True

    async def delete_messages(self, ctx: Context) -> bool:
        """Delete the listed messages of a chat, skipping ones that are already gone."""
        chat = self._chat(ctx)
        for message_id in ctx.params.get("message_ids") or []:
            chat.bot_messages.pop(message_id, None)
            chat.user_messages.pop(message_id, None)
        chat.transcript.append({"erase_chat": True})
        return True

    async def answer_callback_query(self, ctx: Context) -> bool:
        """Answer a tap once, showing its text (if any) to the user who tapped."""
        query_id = str(ctx.params.get("callback_query_id", ""))
        chat_id = self.world.callbacks.pop(query_id, None)
        if chat_id is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        ctx.chat_id = chat_id
        text = ctx.params.get("text") or None
        self.world.chats.get(chat_id).transcript.append({"tap_answer": text})
        return True

    async def send_poll(self, ctx: Context) -> JsonObject:
        """Store a poll message from the bot and show its question and options."""
        chat = self._chat(ctx)
        params = ctx.params
        poll_id = str(5_000_000_000_000_000_000 + self.world.next_serial())
        texts = [poll_option_text(option) for option in params.get("options") or []]
        quiz = params.get("type") == "quiz"
        poll: JsonObject = {
            "id": poll_id,
            "question": rendered(params, "question")[0],
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": 0}
                for index, text in enumerate(texts)
            ],
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": "quiz" if quiz else "regular",
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", not quiz)),
            "members_only": bool(params.get("members_only", False)),
        }
        correct = params.get("correct_option_ids")
        if quiz and correct:
            poll["correct_option_ids"] = [int(option) for option in correct]
        if params.get("explanation"):
            poll["explanation"] = rendered(params, "explanation")[0]
        message = self._new_message(chat, {"poll": poll})
        self.world.polls[poll_id] = PollRef(chat.chat["id"], message["message_id"])
        chat.transcript.append({"poll": poll["question"], "options": texts})
        return message

    async def stop_poll(self, ctx: Context) -> JsonObject:
        """Close a poll the bot sent and return its final state."""
        chat, old = self._stored(ctx, "message with poll to stop not found")
        if "poll" not in old:
            raise bad_request("message with poll to stop not found")
        if old["poll"]["is_closed"]:
            raise bad_request("poll has already been closed")
        poll = {**old["poll"], "is_closed": True}
        new = {**old, "poll": poll}
        markup = inline_markup(ctx.params)
        if markup is not None:
            new["reply_markup"] = markup
        chat.bot_messages[new["message_id"]] = new
        return poll
