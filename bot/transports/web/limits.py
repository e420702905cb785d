"""Rate limits for the web chat: a token bucket per key (a session, an address), in memory
behind a small interface so a shared store (Redis) can take its place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class RateLimit(Protocol):
    """Says whether one more request under a key is allowed now."""

    def allow(self, key: str, now: float) -> bool:
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

    def allow(self, key: str, now: float) -> bool:
        """Refill the key's bucket for the time passed, then take a token if one is left."""
        tokens, then = self._state.pop(key, (self.bucket.burst, now))
        tokens = min(self.bucket.burst, tokens + max(0.0, now - then) * self.bucket.per_second)
        allowed = tokens >= 1
        self._state[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._state) > self.max_keys:
            oldest = next(iter(self._state))
            del self._state[oldest]
        return allowed
