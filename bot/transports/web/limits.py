"""Rate limits for the web chat: a token bucket per key (a session, an address), in this
process's memory, or in Redis when several workers serve the chat (one bucket for all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RateLimit(Protocol):
    """Says whether one more request under a key is allowed now."""

    async def allow(self, key: str, now: float) -> bool:
        """Take one request's token for `key` at `now` (seconds); False when none is left."""
        ...


@dataclass(frozen=True, slots=True)
class Bucket:
    """A bucket's allowance: how many requests at once, and how many more per second."""

    burst: float
    per_second: float


PER_SESSION = Bucket(burst=20, per_second=1)
"""A person taps at most a few times a second; twenty at once is a script."""
PER_ADDRESS = Bucket(burst=60, per_second=5)
"""An address may hold several people (a library, a shelter's network)."""
MAX_KEYS = 50_000
"""Buckets kept at most; the one used least recently is dropped first when there are more."""


class MemoryRateLimit:
    """Token buckets in this process's memory (one process serves the web chat)."""

    def __init__(self, bucket: Bucket, max_keys: int = MAX_KEYS) -> None:
        """Allow `bucket` per key, keeping at most `max_keys` keys."""
        self.bucket = bucket
        self.max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}

    async def allow(self, key: str, now: float) -> bool:
        """Refill the key's bucket for the time passed, then take a token if one is left."""
        tokens, then = self._state.pop(key, (self.bucket.burst, now))
        tokens = min(self.bucket.burst, tokens + max(0.0, now - then) * self.bucket.per_second)
        allowed = tokens >= 1
        self._state[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._state) > self.max_keys:
            oldest = next(iter(self._state))
            del self._state[oldest]
        return allowed


TAKE = """
local burst, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = tokens >= 1
if allowed then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
  'at', string.format('%.6f', math.max(at, now)))
local full = rate > 0 and (burst - tokens) / rate or 86400
redis.call('PEXPIRE', KEYS[1], math.ceil((full + 1) * 1000))
if allowed then return 1 end
return 0
"""
"""KEYS: the bucket. ARGV: burst, per second, now. The bucket is forgotten once it would be
full again (a full bucket and a missing one are the same). Returns 1 when allowed."""


class RedisRateLimit:
    """Token buckets in Redis, shared by every worker serving the web chat."""

    def __init__(self, redis: Redis, bucket: Bucket, prefix: str) -> None:
        """Allow `bucket` per key, keeping buckets in `redis` under `prefix`."""
        self.bucket = bucket
        self.prefix = prefix
        self._take = redis.register_script(TAKE)

    async def allow(self, key: str, now: float) -> bool:
        """Refill the key's bucket for the time passed and take a token, in one step for every
        worker; `now` is the wall clock's (the workers' clocks agree)."""
        args = [self.bucket.burst, self.bucket.per_second, now]
        return int(await self._take(keys=[f"{self.prefix}{key}"], args=args)) == 1
