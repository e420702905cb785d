"""Telegram's flood control, enforced: a token bucket for the bot and one for each chat; a send
that finds one empty is answered 429 with the seconds until it would have a token, and counted.
Measured on the server's own clock (the arrival time of each call)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.testing.fake_telegram.models import ApiError

COUNTED = frozenset({"sendMessage", "editMessageText", "sendPoll", "sendDocument", "sendPhoto"})
"""The calls Telegram counts as messages."""


@dataclass(frozen=True)
class FloodLimits:
    """What the server tolerates: the bot's sends a second and burst, a private chat's, a
    group's a minute. Telegram allows short bursts; the defaults allow a little more than
    Beacon's limiter sends at once, so requests arriving a little out of step are not punished,
    while any sustained excess empties the bucket within seconds."""

    bot_per_second: float = 30.0
    bot_burst: int = 10
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    chat_burst: int = 4


@dataclass
class Bucket:
    """Tokens at a time: refilled at `rate` a second up to `size`."""

    rate: float
    size: float
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look."""
        self.tokens = min(self.size, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = max(self.at, now)

    def short_for(self) -> float:
        """Return the seconds until a token is there (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodControl:
    """Decides each counted send against the bot's and its chat's bucket."""

    def __init__(self, limits: FloodLimits) -> None:
        """Enforce `limits`; nothing refused yet."""
        self.limits = limits
        self.bot: Bucket | None = None
        self.chats: dict[int, Bucket] = {}
        self.refused = 0
        """How many 429s were given."""
        self.refused_by_scope: dict[str, int] = {"bot": 0, "chat": 0}

    def _chat(self, chat_id: int, now: float) -> Bucket:
        """Return a chat's bucket, full when new."""
        if chat_id not in self.chats:
            limits = self.limits
            rate = limits.private_per_second if chat_id > 0 else limits.group_per_minute / 60
            self.chats[chat_id] = Bucket(rate, limits.chat_burst, limits.chat_burst, now)
        return self.chats[chat_id]

    def check(self, method: str, chat_id: int | None, now: float) -> ApiError | None:
        """Take a token from the bot and the chat for a counted send at `now`; or refuse it
        with a 429 whose retry_after is the whole seconds until both have one."""
        if method not in COUNTED:
            return None
        limits = self.limits
        if self.bot is None:
            self.bot = Bucket(limits.bot_per_second, limits.bot_burst, limits.bot_burst, now)
        buckets = {"bot": self.bot}
        if chat_id is not None:
            buckets["chat"] = self._chat(chat_id, now)
        for bucket in buckets.values():
            bucket.refill(now)
        short = {scope: bucket.short_for() for scope, bucket in buckets.items()}
        if any(seconds > 0 for seconds in short.values()):
            self.refused += 1
            for scope, seconds in short.items():
                if seconds > 0:
                    self.refused_by_scope[scope] += 1
            retry_after = max(1, math.ceil(max(short.values())))
            return ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for bucket in buckets.values():
            bucket.tokens -= 1
        return None
