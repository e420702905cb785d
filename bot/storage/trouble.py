"""Which database failures may pass (locked, connection lost, no rights) and are worth retrying.

Each is turned into StoreUnavailable with a short reason; the error's own text is never kept,
because drivers put statements and their parameters in it.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.service.ports import StoreUnavailable

_SQLITE = (
    ("locked", "locked"),
    ("readonly", "read_only"),
    ("disk i/o", "io_error"),
    ("unable to open", "cannot_open"),
    ("full", "disk_full"),
)
_POSTGRES_CLASSES = {
    "08": "connection_lost",
    "53": "server_busy",
    "57": "server_unavailable",
    "40": "conflict",
    "58": "server_io_error",
}
_POSTGRES_STATES = {"42501": "no_rights", "55P03": "locked", "25006": "read_only"}


def transient_reason(error: BaseException) -> str | None:
    """Return a short reason when `error` is a database failure that may pass, else None."""
    cause = getattr(error, "orig", None)  # SQLAlchemy wraps the driver's error
    if isinstance(cause, BaseException) and cause is not error:
        inner = transient_reason(cause)
        if inner is not None:
            return inner
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return next((reason for words, reason in _SQLITE if words in message), "operational")
    asyncpg = sys.modules.get("asyncpg")  # not imported: no error can be asyncpg's
    if asyncpg is not None and isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return _POSTGRES_STATES.get(state) or _POSTGRES_CLASSES.get(state[:2])
    if asyncpg is not None and isinstance(error, asyncpg.InterfaceError):
        return "connection_lost"
    if isinstance(error, ConnectionError | OSError | TimeoutError):
        return "connection_lost"
    if error.__cause__ is not None and error.__cause__ is not error:
        return transient_reason(error.__cause__)
    return None


def unavailable(error: BaseException) -> StoreUnavailable | None:
    """Return StoreUnavailable for a failure that may pass, else None."""
    reason = transient_reason(error)
    return None if reason is None else StoreUnavailable(reason)


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Raise StoreUnavailable (without the driver's text) for failures that may pass."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        trouble = unavailable(error)
        if trouble is None:
            raise
        raise trouble from None
