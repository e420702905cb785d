"""Timestamps as SQLite and PostgreSQL store them, for the tables used through SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


def stored_time(engine: AsyncEngine, moment: dt.datetime) -> Any:
    """Return a time as the database keeps it: naive UTC text on SQLite, aware on PostgreSQL."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.dialect.name == "sqlite" else utc


def as_utc(value: Any) -> dt.datetime:
    """Read a timestamp from either database as an aware UTC datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
