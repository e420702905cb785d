"""Bot API methods about the bot itself and chat members: getMe, commands, descriptions, admins."""

from __future__ import annotations

import json

from bot.testing.fake_telegram.builders import chat_member_json
from bot.testing.fake_telegram.models import Context, Handler, JsonObject, bad_request
from bot.testing.fake_telegram.world import World


def commands_key(params: JsonObject) -> tuple[str, str]:
    """Return the key commands are stored under: their scope and language code."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


class BotInfo:
    """Handlers for the bot's profile, command menus and chat membership."""

    def __init__(self, world: World) -> None:
        """Work on world."""
        self.world = world

    def handlers(self) -> dict[str, Handler]:
        """Return the methods this class implements, by their spec names."""
        return {
            "getMe": self.get_me,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "close": self.always_true,
            "logOut": self.always_true,
        }

    async def get_me(self, ctx: Context) -> JsonObject:
        """Return the bot's User object with the getMe-only fields."""
        return dict(self.world.bot_user)

    async def always_true(self, ctx: Context) -> bool:
        """Return True (close and logOut have no effect here)."""
        return True

    async def set_my_commands(self, ctx: Context) -> bool:
        """Store the command list for a scope and language."""
        self.world.commands[commands_key(ctx.params)] = list(ctx.params.get("commands") or [])
        return True

    async def get_my_commands(self, ctx: Context) -> list[JsonObject]:
        """Return the command list stored for a scope and language (empty if none)."""
        return list(self.world.commands.get(commands_key(ctx.params), []))

    async def delete_my_commands(self, ctx: Context) -> bool:
        """Forget the command list of a scope and language."""
        self.world.commands.pop(commands_key(ctx.params), None)
        return True

    async def set_my_description(self, ctx: Context) -> bool:
        """Store (or with an empty text, remove) the bot description for a language."""
        _store_text(self.world.descriptions, ctx.params, "description")
        return True

    async def get_my_description(self, ctx: Context) -> JsonObject:
        """Return the bot description for a language, falling back to the default one."""
        return {"description": _lookup_text(self.world.descriptions, ctx.params)}

    async def set_my_short_description(self, ctx: Context) -> bool:
        """Store (or with an empty text, remove) the short description for a language."""
        _store_text(self.world.short_descriptions, ctx.params, "short_description")
        return True

    async def get_my_short_description(self, ctx: Context) -> JsonObject:
        """Return the short description for a language, falling back to the default one."""
        return {"short_description": _lookup_text(self.world.short_descriptions, ctx.params)}

    async def get_chat(self, ctx: Context) -> JsonObject:
        """Return a minimal ChatFullInfo for a chat."""
        ctx.chat_id = self.world.chats.resolve(ctx.params.get("chat_id"))
        chat = self.world.chats.get(ctx.chat_id).chat
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        accepted = {**dict.fromkeys(gifts, False), "gifts_from_channels": False}
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": accepted,
        }

    async def get_chat_member(self, ctx: Context) -> JsonObject:
        """Return a member's status: administrator if listed with set_admins, else member."""
        ctx.chat_id = self.world.chats.resolve(ctx.params.get("chat_id"))
        user_id = ctx.params.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("user_id is invalid")
        status = "administrator" if user_id in self.world.admins.get(ctx.chat_id, []) else "member"
        return chat_member_json(status, self.world.user_object(user_id))

    async def get_chat_administrators(self, ctx: Context) -> list[JsonObject]:
        """Return the administrators set with set_admins for a group chat."""
        ctx.chat_id = self.world.chats.resolve(ctx.params.get("chat_id"))
        if self.world.chats.get(ctx.chat_id).chat.get("type") == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            chat_member_json("administrator", self.world.user_object(user_id))
            for user_id in self.world.admins.get(ctx.chat_id, [])
        ]


def _store_text(store: dict[str, str], params: JsonObject, field: str) -> None:
    """Set or clear the text of one language in a description store."""
    language = str(params.get("language_code") or "")
    text = params.get(field)
    if text:
        store[language] = str(text)
    else:
        store.pop(language, None)


def _lookup_text(store: dict[str, str], params: JsonObject) -> str:
    """Return the text for a language, or the default text, or an empty string."""
    language = str(params.get("language_code") or "")
    return store.get(language, store.get("", ""))
