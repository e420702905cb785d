"""Redis for tests: the machine's server (127.0.0.1:6379), each test under its own key prefix,
whose keys are deleted afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis

REDIS_URL = "redis://127.0.0.1:6379/0"
"""The test Redis (CI runs one there; tests that need it are not skipped)."""


async def delete_prefix(redis: Redis, prefix: str) -> None:
    """Delete every key under `prefix`."""
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=500)]
    if keys:
        await redis.delete(*keys)


@contextlib.asynccontextmanager
async def redis_for_test() -> AsyncIterator[tuple[Redis, str]]:
    """Yield a client of the test Redis and a key prefix no other test uses; delete the
    prefix's keys and close the client afterwards."""
    redis = Redis.from_url(REDIS_URL)
    prefix = f"beacon-test:{uuid.uuid4().hex}:"
    try:
        yield redis, prefix
    finally:
        await delete_prefix(redis, prefix)
        await redis.aclose()
