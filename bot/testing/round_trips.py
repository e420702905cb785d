"""Counting the statements Beacon sends to PostgreSQL: a query logger on each connection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
from asyncpg.connection import LoggedQuery


def verb(sql: str) -> str:
    """Return a statement's first word in capitals (WITH, INSERT, BEGIN, ...), for messages."""
    words = sql.split(None, 1)
    return words[0].rstrip(";").upper() if words else ""


@dataclass
class StatementCounter:
    """Records each statement run on the connections it is installed on, in the order run;
    asyncpg reports a statement on the loop's next turn, so read them through `settled`."""

    statements: list[str] = field(default_factory=list)

    async def install(self, connection: asyncpg.Connection) -> None:
        """Count what runs on a new connection (pass as PostgresStore.connect's `init`)."""
        connection.add_query_logger(self._record)

    def _record(self, record: LoggedQuery) -> None:
        """Keep one statement's SQL."""
        self.statements.append(record.query)

    async def settled(self) -> list[str]:
        """Return the verbs of the statements run so far, once asyncpg reported them all."""
        for _ in range(3):
            await asyncio.sleep(0)
        return [verb(sql) for sql in self.statements]

    async def since(self, mark: int) -> list[str]:
        """Return the verbs of the statements run after the first `mark` ones."""
        return (await self.settled())[mark:]

    def clear(self) -> None:
        """Forget what was counted."""
        self.statements.clear()
