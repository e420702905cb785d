"""Limits the Bot API states only in prose: text lengths, byte sizes, item counts, name patterns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.testing.fake_telegram.html_text import parse_html

Unit = Literal["characters", "bytes", "items"]


@dataclass(frozen=True)
class Limit:
    """An inclusive size range for one field, with Telegram's name for breaking it."""

    low: int
    high: int
    unit: Unit = "characters"
    label: str = ""
    pattern: re.Pattern[str] | None = None
    empty_label: str = ""


ANY = "*"
_TOO_LONG = "message is too long"
_EMPTY = "message text is empty"

LIMITS: dict[tuple[str, str], Limit] = {
    ("sendMessage", "text"): Limit(1, 4096, label=_TOO_LONG, empty_label=_EMPTY),
    ("editMessageText", "text"): Limit(1, 4096, label=_TOO_LONG, empty_label=_EMPTY),
    ("InlineKeyboardButton", "callback_data"): Limit(1, 64, "bytes", "BUTTON_DATA_INVALID"),
    ("InlineKeyboardButton", "url"): Limit(
        1, 2048, label="BUTTON_URL_INVALID", pattern=re.compile(r"(https?|tg)://\S+")
    ),
    ("CopyTextButton", "text"): Limit(1, 256, label="BUTTON_COPY_TEXT_INVALID"),
    ("answerCallbackQuery", "text"): Limit(0, 200, label="callback answer text is too long"),
    ("sendPoll", "question"): Limit(1, 300, label="POLL_QUESTION_INVALID"),
    ("sendPoll", "options"): Limit(1, 12, "items", "POLL_ANSWERS_INVALID"),
    ("sendPoll", "explanation"): Limit(0, 200, label="POLL_EXPLANATION_INVALID"),
    ("InputPollOption", "text"): Limit(1, 100, label="POLL_ANSWER_INVALID"),
    ("setMyCommands", "commands"): Limit(1, 100, "items", "BOT_COMMANDS_TOO_MUCH"),
    ("BotCommand", "command"): Limit(
        1, 32, label="BOT_COMMAND_INVALID", pattern=re.compile(r"[a-z0-9_]+")
    ),
    ("BotCommand", "description"): Limit(1, 256, label="BOT_COMMAND_DESCRIPTION_INVALID"),
    ("setMyShortDescription", "short_description"): Limit(0, 120),
    ("setMyDescription", "description"): Limit(0, 512),
    ("deleteMessages", "message_ids"): Limit(1, 100, "items"),
    ("setWebhook", "secret_token"): Limit(
        1, 256, label="secret token is invalid", pattern=re.compile(r"[A-Za-z0-9_-]+")
    ),
    (ANY, "caption"): Limit(0, 1024, label="message caption is too long"),
}

_PARSE_MODE_SHARED = frozenset({"text", "caption", "message_text"})


def parse_mode_for(field: str, obj: Mapping[str, Any]) -> str | None:
    """Return the parse mode that applies to a text field of obj, lower-cased, if any."""
    mode = obj.get(f"{field}_parse_mode")
    if mode is None and field in _PARSE_MODE_SHARED:
        mode = obj.get("parse_mode")
    return mode.lower() if isinstance(mode, str) and mode else None


def check_prose(owner: str, obj: Mapping[str, Any], path: str = "") -> list[str]:
    """Return broken prose limits and HTML errors among obj's fields (owner: method or type)."""
    problems: list[str] = []
    for field, value in obj.items():
        where = f"{path}.{field}" if path else field
        measured: Any = value
        if isinstance(value, str) and parse_mode_for(field, obj) == "html":
            parsed = parse_html(value)
            problems.extend(f"{error} (in {where})" for error in parsed.errors)
            measured = parsed.text
            where = f"{where} (after entity parsing)"
        limit = LIMITS.get((owner, field)) or LIMITS.get((ANY, field))
        if limit is not None:
            problems.extend(_check_limit(limit, measured, where))
    return problems


def _check_limit(limit: Limit, value: Any, where: str) -> list[str]:
    """Return the problem, if any, of one value against its limit."""
    if limit.unit == "items":
        if not isinstance(value, list):
            return []
        size = len(value)
    elif isinstance(value, str):
        size = len(value.encode()) if limit.unit == "bytes" else len(value)
        if limit.low >= 1 and limit.unit == "characters" and size and not value.strip():
            size = 0
    else:
        return []
    name = limit.empty_label if size == 0 and limit.empty_label else limit.label
    label = f"{name}: " if name else ""
    if not limit.low <= size <= limit.high:
        return [f"{label}{where} must be {limit.low}-{limit.high} {limit.unit}, got {size}"]
    if limit.pattern is not None and isinstance(value, str) and not limit.pattern.fullmatch(value):
        return [f"{label}{where} must match {limit.pattern.pattern}, got {value!r}"]
    return []
