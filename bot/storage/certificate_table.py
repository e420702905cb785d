"""The certificates table: issue (one per user and course) and look up by serial."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.service.certificates import IssuedCertificate
from bot.storage.timestamps import as_utc, stored_time


class CertificateTable:
    """The certificates table, on SQLite or PostgreSQL (one certificate per user and course)."""

    ISSUE = text(
        "INSERT INTO certificates (user_id, course, name, language, issued_at) "
        "SELECT id, :course, :name, :language, :now FROM users WHERE user_key = :user "
        "ON CONFLICT (user_id, course) DO UPDATE SET name = excluded.name, "
        "language = excluded.language RETURNING id, issued_at"
    )
    FIND = text("SELECT id, course, name, language, issued_at FROM certificates WHERE id = :id")

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine."""
        self.engine = engine

    async def issue(
        self, user_key: str, course: str, name: str, language: str, now: dt.datetime
    ) -> IssuedCertificate:
        """Store (or rename) the user's certificate for a course; return it with its serial."""
        values = {
            "user": user_key,
            "course": course,
            "name": name or None,
            "language": language,
            "now": stored_time(self.engine, now),
        }
        async with self.engine.begin() as connection:
            serial, issued_at = (await connection.execute(self.ISSUE, values)).one()
        return IssuedCertificate(int(serial), course, name or None, language, as_utc(issued_at))

    async def find(self, serial: int) -> IssuedCertificate | None:
        """Return the certificate with this serial, if Beacon issued one."""
        async with self.engine.connect() as connection:
            row = (await connection.execute(self.FIND, {"id": serial})).first()
        if row is None:
            return None
        serial_, course, name, language, issued_at = row
        return IssuedCertificate(int(serial_), course, name, language, as_utc(issued_at))
