"""Telegram JSON objects for simulated users, chats, media, chat members and commands."""

from __future__ import annotations

from bot.testing.fake_telegram.html_text import utf16_len
from bot.testing.fake_telegram.models import FakeChat, FakeUser, JsonObject

MEDIA_KINDS = (
    "sticker",
    "photo",
    "voice",
    "document",
    "location",
    "video",
    "audio",
    "contact",
    "animation",
    "video_note",
)

SMILE = "\N{SLIGHTLY SMILING FACE}"

_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    # Not in the shared Bot API 10.1 reference, but aiogram 3.31 (Bot API 10.3) requires it.
    "can_send_welcome_messages",
)

_RESTRICTIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def user_json(user: FakeUser) -> JsonObject:
    """Return the User object of a simulated user."""
    data: JsonObject = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    if user.username:
        data["username"] = user.username
    if user.language_code:
        data["language_code"] = user.language_code
    return data


def unknown_user_json(user_id: int) -> JsonObject:
    """Return a User object for an id the test never introduced."""
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}


def private_chat_json(user: FakeUser) -> JsonObject:
    """Return the Chat object of a user's private chat with the bot."""
    data: JsonObject = {"id": user.id, "type": "private", "first_name": user.first_name}
    if user.username:
        data["username"] = user.username
    return data


def chat_json(chat: FakeChat) -> JsonObject:
    """Return the Chat object of a simulated group or channel."""
    data: JsonObject = {"id": chat.id, "type": chat.type}
    if chat.title:
        data["title"] = chat.title
    if chat.username:
        data["username"] = chat.username
    return data


def default_chat_json(chat_id: int) -> JsonObject:
    """Return a Chat object for an id the test never introduced (private if positive)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}


def command_entities(text: str) -> list[JsonObject]:
    """Return the bot_command entity Telegram adds when a text starts with a command."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    word = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]


def _file(kind: str, number: int) -> JsonObject:
    """Return the file_id and file_unique_id of a simulated file."""
    return {"file_id": f"{kind}-file-{number}", "file_unique_id": f"{kind}-unique-{number}"}


def _photo_sizes(number: int) -> list[JsonObject]:
    """Return the sizes Telegram lists for one photo, smallest first."""
    return [
        {**_file("photo-s", number), "width": 90, "height": 67, "file_size": 1200},
        {**_file("photo-m", number), "width": 320, "height": 240, "file_size": 14000},
        {**_file("photo-x", number), "width": 1280, "height": 960, "file_size": 120000},
    ]


def media_fields(kind: str, number: int, sender: FakeUser) -> JsonObject:
    """Return the Message fields for one kind of media a user sends."""
    file = _file(kind, number)
    match kind:
        case "sticker":
            shape = {"type": "regular", "width": 512, "height": 512}
            sticker = {**shape, "is_animated": False, "is_video": False, "emoji": SMILE}
            return {"sticker": {**file, **sticker}}
        case "photo":
            return {"photo": _photo_sizes(number)}
        case "voice":
            return {"voice": {**file, "duration": 3, "mime_type": "audio/ogg"}}
        case "document":
            return {"document": {**file, "file_name": "file.pdf", "mime_type": "application/pdf"}}
        case "location":
            return {"location": {"latitude": 51.5007, "longitude": -0.1246}}
        case "video":
            return {"video": {**file, "width": 640, "height": 360, "duration": 5}}
        case "audio":
            return {"audio": {**file, "duration": 180, "mime_type": "audio/mpeg"}}
        case "contact":
            card = {"phone_number": "+15550100", "first_name": sender.first_name}
            return {"contact": {**card, "user_id": sender.id}}
        case "animation":
            clip = {"width": 320, "height": 240, "duration": 2, "mime_type": "video/mp4"}
            # Telegram sends an animation as a document too.
            return {"animation": {**file, **clip}, "document": {**file, "mime_type": "video/mp4"}}
        case "video_note":
            thumbnail = {**_file("thumb", number), "width": 90, "height": 90}
            return {"video_note": {**file, "length": 240, "duration": 4, "thumbnail": thumbnail}}
    raise ValueError(f"unknown media kind {kind!r}; use one of {', '.join(MEDIA_KINDS)}")


def chat_member_json(status: str, user: JsonObject) -> JsonObject:
    """Return a ChatMember object of the given status for a user."""
    member: JsonObject = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member["is_anonymous"] = False
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member["can_be_edited"] = False
    elif status == "restricted":
        member["is_member"] = True
        member.update(dict.fromkeys(_RESTRICTIONS, False))
        member["until_date"] = 0
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    return member
