"""Plain records the fake server shares: simulated users and chats, recorded calls and pushes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class FakeUser:
    """A simulated Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    language_code: str | None = "en"
    username: str | None = None


@dataclass(frozen=True)
class FakeChat:
    """A simulated group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Call:
    """One Bot API request as the server saw it: decoded params, HTTP status, arrival time."""

    method: str
    params: JsonObject
    status: int
    at: float
    result: Any = None
    description: str | None = None
    chat_id: int | None = None


@dataclass(frozen=True)
class Push:
    """One attempt to deliver an update to the webhook, with the status it got (0: no answer)."""

    update_id: int
    status: int
    at: float


@dataclass
class Context:
    """A request being handled: its params, arrival time, and the chat it turned out to concern."""

    params: JsonObject
    at: float
    chat_id: int | None = None


Handler = Callable[[Context], Awaitable[Any]]


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: JsonObject | None = None):
        """Keep the status, description and parameters of the error answer."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonObject:
        """Return the JSON body Telegram sends for this error."""
        body: JsonObject = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(problem: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {problem}")
