"""Telegram's sending budget in Redis, shared by every worker: the rule of
`bot.service.send_limits` run as one Lua script per send, so no two workers take one place;
a 429's pause is stored there too, so it holds for all of them. While Redis cannot be reached,
each worker keeps the budget in its own memory (logged once per outage), so replies still go."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.logs import event
from bot.service.send_limits import Grant, MemoryLimiter, Priority, SendLimits
from bot.service.user_keys import UserKeyer

T = TypeVar("T")
log = logging.getLogger("beacon.limits")

PREFIX = "beacon:limits:"
"""Where the budget's keys live (the bot's, each chat's and their pauses)."""
CHAT = "telegram-chat"
"""The keyed-hash label of a chat id in the budget's keys."""
KEEP_SECONDS = 60.0
"""A scope's keys live this long past their time, then Redis forgets them."""

_NOW = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

RESERVE = (
    _NOW
    + """
local function num(key) return tonumber(redis.call('GET', key) or '0') or 0 end
local bot_t, bot_tol = tonumber(ARGV[2]), tonumber(ARGV[3])
local chat_t, chat_tol = tonumber(ARGV[4]), tonumber(ARGV[5])
local bulk, keep = ARGV[6] == 'bulk', tonumber(ARGV[7])
local bot_tat, chat_tat = num(KEYS[1]), num(KEYS[2])
local start = math.max(now, num(KEYS[3]), num(KEYS[4]), bot_tat - bot_tol, chat_tat - chat_tol)
if bulk and start > now then
  return {string.format('%.6f', start - now), 0}
end
bot_tat = math.max(bot_tat, start) + bot_t
chat_tat = math.max(chat_tat, start) + chat_t
redis.call('SET', KEYS[1], string.format('%.6f', bot_tat), 'PX',
  math.ceil((bot_tat - now + keep) * 1000))
redis.call('SET', KEYS[2], string.format('%.6f', chat_tat), 'PX',
  math.ceil((chat_tat - now + keep) * 1000))
return {string.format('%.6f', start - now), 1}
"""
)
"""KEYS: the bot's time, the chat's time, the bot's pause, the chat's pause. ARGV: now (empty:
Redis's own clock), the bot's interval and tolerance, the chat's, the priority, KEEP_SECONDS.
Returns {wait, 1 if granted}."""

PAUSE = (
    _NOW
    + """
local seconds, chat_t, keep = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local chat_tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local scope, key = 'bot', KEYS[2]
if chat_tat - now > chat_t then scope, key = 'chat', KEYS[3] end
local until_ = math.max(tonumber(redis.call('GET', key) or '0') or 0, now + seconds)
redis.call('SET', key, string.format('%.6f', until_), 'PX', math.ceil((until_ - now + keep) * 1000))
return scope
"""
)
"""KEYS: the chat's time, the bot's pause, the chat's pause. ARGV: now, seconds, the chat's
interval, KEEP_SECONDS. Returns the scope paused."""


class RedisLimiter:
    """A SendLimiter whose budget every worker shares in one Redis."""

    def __init__(
        self,
        redis: Redis,
        keyer: UserKeyer,
        limits: SendLimits | None = None,
        prefix: str = PREFIX,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Keep the budget in `redis` under `prefix`, each chat under `keyer`'s keyed hash of
        its id (no Telegram id is stored); times come from Redis's clock (one for every
        machine) unless `clock` is given (tests)."""
        self.redis = redis
        self.keyer = keyer
        self.limits = limits or SendLimits()
        self.prefix = prefix
        self.clock = clock
        self._reserve = redis.register_script(RESERVE)
        self._pause = redis.register_script(PAUSE)
        self.fallback = MemoryLimiter(self.limits, clock or time.monotonic)
        """The budget kept in this process while Redis cannot be reached."""
        self.unreachable = False

    async def _shared(self, work: Awaitable[T], alone: Callable[[], Awaitable[T]]) -> T:
        """Run a script in Redis; when Redis fails, run `alone` on the fallback instead."""
        try:
            result = await work
        except (RedisError, OSError) as failure:
            if not self.unreachable:
                event(log, "limiter_alone", level=logging.WARNING, reason=type(failure).__name__)
            self.unreachable = True
            return await alone()
        if self.unreachable:
            event(log, "limiter_shared_again")
        self.unreachable = False
        return result

    def _now(self) -> str:
        """Return now for a script: the clock's, or empty for Redis's own."""
        return "" if self.clock is None else repr(self.clock())

    def _keys(self, chat_id: int) -> tuple[str, str, str, str]:
        """Return the keys of the bot's and a chat's time and pause."""
        p, chat = self.prefix, self.keyer.key(CHAT, str(chat_id))
        return f"{p}bot", f"{p}chat:{chat}", f"{p}pause:bot", f"{p}pause:chat:{chat}"

    async def reserve(self, chat_id: int, priority: Priority) -> Grant:
        """Ask for a send to `chat_id` (see Grant), atomically for every worker."""
        bot, chat = self.limits.bot, self.limits.for_chat(chat_id)
        args = (
            self._now(), bot.interval, bot.tolerance, chat.interval, chat.tolerance,
            str(priority), KEEP_SECONDS,
        )  # fmt: skip
        answer = await self._shared(
            self._reserve(keys=list(self._keys(chat_id)), args=list(args)),
            lambda: self._alone(chat_id, priority),
        )
        if isinstance(answer, Grant):
            return answer
        wait, granted = answer
        return Grant(max(0.0, float(wait)), granted=int(granted) == 1)

    async def _alone(self, chat_id: int, priority: Priority) -> Grant:
        """Decide a send on this process's fallback budget."""
        return await self.fallback.reserve(chat_id, priority)

    async def pause(self, chat_id: int, seconds: float) -> str:
        """Pause the blamed scope for every worker (see SendLimiter.pause)."""
        _bot_time, chat_time, bot_pause, chat_pause = self._keys(chat_id)
        interval = self.limits.for_chat(chat_id).interval
        scope = await self._shared(
            self._pause(
                keys=[chat_time, bot_pause, chat_pause],
                args=[self._now(), seconds, interval, KEEP_SECONDS],
            ),
            lambda: self.fallback.pause(chat_id, seconds),
        )
        return scope.decode() if isinstance(scope, bytes) else str(scope)

    async def close(self) -> None:
        """Nothing of its own to release (the app closes the Redis client)."""
