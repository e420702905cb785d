"""The SQL store: one transaction per handled update, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.service.ports import StoredUser
from bot.storage.tables import (
    Conversation,
    ProcessedUpdate,
    QuizAnswer,
    ResourceViewCount,
    User,
    metadata,
)

USERS: Table = metadata.tables[User.__tablename__]
CONVERSATIONS: Table = metadata.tables[Conversation.__tablename__]
UPDATES: Table = metadata.tables[ProcessedUpdate.__tablename__]
ANSWERS: Table = metadata.tables[QuizAnswer.__tablename__]
VIEWS: Table = metadata.tables[ResourceViewCount.__tablename__]


def upsert_insert(connection: AsyncConnection, table: Table) -> Any:
    """Return the dialect's INSERT, which supports ON CONFLICT on SQLite and PostgreSQL."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class SqlSession:
    """The store's operations inside one open transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        """Work on an open connection whose transaction the store manages."""
        self.connection = connection

    async def claim_update(self, update_key: str, now: dt.datetime) -> bool:
        """Mark an update as handled; False when it already was."""
        statement = (
            upsert_insert(self.connection, UPDATES)
            .values(update_key=update_key, processed_at=now)
            .on_conflict_do_nothing(index_elements=["update_key"])
        )
        result = await self.connection.execute(statement)
        return bool(result.rowcount)

    async def user(self, user_key: str, now: dt.datetime) -> StoredUser:
        """Return the user with this key, created if new; note that they were seen now."""
        insert = (
            upsert_insert(self.connection, USERS)
            .values(user_key=user_key, created_at=now, last_seen_at=now, active=True)
            .on_conflict_do_update(
                index_elements=["user_key"], set_={"last_seen_at": now, "active": True}
            )
            .returning(USERS.c.id, USERS.c.locale)
        )
        row = (await self.connection.execute(insert)).one()
        return StoredUser(id=row.id, locale=row.locale)

    async def load_state(self, user_id: int) -> tuple[dict[str, Any] | None, int | None]:
        """Return the stored conversation state and its revision, or (None, None)."""
        query = select(CONVERSATIONS.c.state, CONVERSATIONS.c.revision).where(
            CONVERSATIONS.c.user_id == user_id
        )
        row = (await self.connection.execute(query)).one_or_none()
        return (None, None) if row is None else (dict(row.state), int(row.revision))

    async def save_state(
        self,
        user_id: int,
        state: dict[str, Any],
        revision: int,
        expected: int | None,
        now: dt.datetime,
    ) -> bool:
        """Store the state if the stored revision is still `expected`; False on a conflict."""
        values = {"state": state, "revision": revision, "updated_at": now}
        if expected is None:
            try:
                async with self.connection.begin_nested():
                    await self.connection.execute(
                        CONVERSATIONS.insert().values(user_id=user_id, **values)
                    )
            except IntegrityError:
                return False
            return True
        result = await self.connection.execute(
            update(CONVERSATIONS)
            .where(CONVERSATIONS.c.user_id == user_id, CONVERSATIONS.c.revision == expected)
            .values(**values)
        )
        return bool(result.rowcount)

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Store the user's language choice."""
        await self.connection.execute(
            update(USERS).where(USERS.c.id == user_id).values(locale=locale)
        )

    async def save_answer(
        self, user_id: int, tree: str, node: str, option: int, correct: bool, now: dt.datetime
    ) -> None:
        """Record a quiz answer."""
        await self.connection.execute(
            ANSWERS.insert().values(
                user_id=user_id,
                tree=tree,
                node=node,
                option=option,
                correct=correct,
                answered_at=now,
            )
        )

    async def count_views(self, resource_ids: Sequence[str], day: dt.date) -> None:
        """Add one anonymous view per resource for the day."""
        for resource_id in resource_ids:
            statement = upsert_insert(self.connection, VIEWS).values(
                resource_id=resource_id, day=day, views=1
            )
            statement = statement.on_conflict_do_update(
                index_elements=["resource_id", "day"],
                set_={"views": VIEWS.c.views + 1},
            )
            await self.connection.execute(statement)

    async def forget(self, user_id: int) -> None:
        """Delete the user and every row about them (the foreign keys cascade)."""
        await self.connection.execute(delete(USERS).where(USERS.c.id == user_id))


class SqlStore:
    """Opens one transaction per handled update."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Use an engine whose schema is already migrated."""
        self.engine = engine
        self._sqlite_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlSession]:
        """Begin a transaction that commits on success and rolls back on any exception.

        SQLite has one writer at a time: queueing writers here, rather than in SQLite's busy
        handler (which sleeps in growing steps), keeps latency even under load.
        """
        async with AsyncExitStack() as stack:
            if self._sqlite_writer is not None:
                await stack.enter_async_context(self._sqlite_writer)
            connection = await stack.enter_async_context(self.engine.begin())
            yield SqlSession(connection)

    async def row_counts(self) -> dict[str, int]:
        """Return the number of rows in every table (for tests and `/forget` checks)."""
        counts = {}
        async with self.engine.connect() as connection:
            for table in (USERS, CONVERSATIONS, UPDATES, ANSWERS, VIEWS):
                count = await connection.scalar(select(func.count()).select_from(table))
                counts[str(table.name)] = int(count or 0)
        return counts
