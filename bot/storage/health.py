"""Readiness probes for what Beacon stores in: the database answers and its schema is at this
Beacon's head; Redis answers PING. Failures are reduced to a word; no error text is kept."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.health import OK, PROBE_SECONDS
from bot.storage.revisions import behind, current_revision, head


class DatabaseProbe:
    """Checks that the database answers ("database") and that its schema is at head
    ("schema": ok, empty, behind, ahead, or unknown when the database does not answer)."""

    names = ("database", "schema")

    def __init__(self, engine: AsyncEngine) -> None:
        """Probe through `engine`."""
        self.engine = engine

    def schema_word(self, revision: str | None) -> str:
        """Return where a revision stands against head, in one word."""
        if revision is None:
            return "empty"
        if revision == head():
            return OK
        return "ahead" if behind(revision) is None else "behind"

    async def check(self) -> Mapping[str, str]:
        """Read the schema's revision; "unreachable" when the database cannot be asked."""
        try:
            async with self.engine.connect() as connection:
                revision = await connection.run_sync(current_revision)
        except Exception:
            return {"database": "unreachable", "schema": "unknown"}
        return {"database": OK, "schema": self.schema_word(revision)}

    async def close(self) -> None:
        """Nothing to close: the engine is the app's."""


class RedisProbe:
    """Checks that Redis answers PING ("redis": ok or unreachable)."""

    names = ("redis",)

    def __init__(self, url: str, timeout: float = PROBE_SECONDS) -> None:
        """Probe the Redis at `url` (never logged or shown: it may hold a password)."""
        from redis.asyncio import Redis  # imported only when Redis is configured

        self.client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)

    async def check(self) -> Mapping[str, str]:
        """Send PING; "unreachable" when no PONG comes."""
        try:
            answered = await self.client.ping()
        except Exception:
            return {"redis": "unreachable"}
        return {"redis": OK if answered else "unreachable"}

    async def close(self) -> None:
        """Close the connections."""
        await self.client.aclose()
