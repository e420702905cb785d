"""Job leases in the database: one conditional statement takes or renews a job's lease, at the
time the caller's clock gives (never the database's), so many workers run each job once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.statements import upsert_insert, value
from bot.storage.tables import JobLease, table

LEASES = table(JobLease)


class SqlLeases:
    """The job_leases table, on SQLite or PostgreSQL through SQLAlchemy."""

    RELEASE = delete(LEASES).where(
        LEASES.c.name == value("name", LEASES.c.name),
        LEASES.c.holder == value("holder", LEASES.c.holder),
    )

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine (its dialect picks the upsert)."""
        self.engine = engine
        add = upsert_insert(engine.dialect.name)(LEASES).values(
            name=value("name", LEASES.c.name),
            holder=value("holder", LEASES.c.holder),
            expires_at=value("until", LEASES.c.expires_at),
        )
        self.take_or_renew = add.on_conflict_do_update(
            index_elements=[LEASES.c.name],
            set_={"holder": add.excluded.holder, "expires_at": add.excluded.expires_at},
            where=or_(
                LEASES.c.holder == add.excluded.holder,
                LEASES.c.expires_at <= value("now", LEASES.c.expires_at),
            ),
        ).returning(LEASES.c.holder)

    async def take(self, job: str, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take or renew `job`'s lease for `holder` until `until` when it is free, expired at
        `now` or already `holder`'s; say whether `holder` holds it now."""
        values = {
            "name": job,
            "holder": holder,
            "now": now.astimezone(dt.UTC),
            "until": until.astimezone(dt.UTC),
        }
        async with self.engine.begin() as connection:
            taken = (await connection.execute(self.take_or_renew, values)).first()
        return taken is not None

    async def release(self, job: str, holder: str) -> None:
        """Give up `job`'s lease if `holder` holds it, so another worker may take it at once."""
        async with self.engine.begin() as connection:
            await connection.execute(self.RELEASE, {"name": job, "holder": holder})
