"""The certificates table: issue (one per user and course) and look up by serial."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.certificates import IssuedCertificate
from bot.storage.statements import upsert_insert
from bot.storage.tables import Certificate, User, table
from bot.storage.timestamps import as_utc

CERTIFICATES = table(Certificate)
USERS = table(User)


class CertificateTable:
    """The certificates table, on SQLite or PostgreSQL (one certificate per user and course)."""

    FIND = select(
        CERTIFICATES.c.id,
        CERTIFICATES.c.course,
        CERTIFICATES.c.name,
        CERTIFICATES.c.language,
        CERTIFICATES.c.issued_at,
    ).where(CERTIFICATES.c.id == bindparam("id"))
    OWNED = FIND.join_from(CERTIFICATES, USERS, CERTIFICATES.c.user_id == USERS.c.id).where(
        USERS.c.user_key == bindparam("user_key")
    )

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine."""
        self.engine = engine

    async def issue(
        self, user_key: str, course: str, name: str, language: str, now: dt.datetime
    ) -> IssuedCertificate:
        """Store (or rename) the user's certificate for a course; return it with its serial."""
        rows = select(
            USERS.c.id,
            literal(course, CERTIFICATES.c.course.type),
            literal(name or None, CERTIFICATES.c.name.type),
            literal(language, CERTIFICATES.c.language.type),
            literal(now.astimezone(dt.UTC), CERTIFICATES.c.issued_at.type),
        ).where(USERS.c.user_key == user_key)
        add = upsert_insert(self.engine.dialect.name)(CERTIFICATES).from_select(
            ["user_id", "course", "name", "language", "issued_at"], rows
        )
        issue = add.on_conflict_do_update(
            index_elements=[CERTIFICATES.c.user_id, CERTIFICATES.c.course],
            set_={"name": add.excluded.name, "language": add.excluded.language},
        ).returning(CERTIFICATES.c.id, CERTIFICATES.c.issued_at)
        async with self.engine.begin() as connection:
            serial, issued_at = (await connection.execute(issue)).one()
        return IssuedCertificate(int(serial), course, name or None, language, as_utc(issued_at))

    async def find(self, serial: int) -> IssuedCertificate | None:
        """Return the certificate with this serial, if Beacon issued one."""
        return await self._one(self.FIND, {"id": serial})

    async def owned(self, serial: int, user_key: str) -> IssuedCertificate | None:
        """Return the certificate with this serial if it is the user's under `user_key` (a
        certificate unlinked by /forget or quick exit is nobody's)."""
        return await self._one(self.OWNED, {"id": serial, "user_key": user_key})

    async def _one(self, query: Select[Any], values: dict[str, Any]) -> IssuedCertificate | None:
        """Run a query for one certificate; return it, or None when there is none."""
        async with self.engine.connect() as connection:
            row = (await connection.execute(query, values)).first()
        if row is None:
            return None
        serial_, course, name, language, issued_at = row
        return IssuedCertificate(int(serial_), course, name, language, as_utc(issued_at))
