"""A served web chat for HTTP tests: the shipped service on a test database and clock, with
certificates (optionally a public address), served on 127.0.0.1 with a client whose cookie jar
is the browser's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy import func, select

from bot.content.bundle import Content
from bot.core.course import course_nodes
from bot.core.effects import Msg
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.service.certificates import Certificates, certificate_secret
from bot.service.conversation import ConversationService
from bot.storage.certificate_table import CertificateTable
from bot.storage.tables import metadata
from bot.storage.web_session_table import PageReader, SqlWebSessions
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database
from bot.testing.service import SECRET, service_on
from bot.testing.user import WebUser
from bot.testing.web import serving
from bot.transports.web.limits import Bucket, MemoryRateLimit
from bot.transports.web.server import COOKIE, WebChat, WebConfig

EXIT_URL = "https://weather.example.org/"
"""The neutral site of a served chat's quick exit (never opened: tests read the redirect)."""


@dataclass
class Web:
    """A served web chat and what a test looks at: its database, clock, service and chat."""

    base: str
    database: Database
    clock: ManualClock
    service: ConversationService
    chat: WebChat
    client: aiohttp.ClientSession

    def user(self, language: str = "en") -> WebUser:
        """Return a visitor sharing the test's cookie jar."""
        return WebUser(self.client, self.base, language)

    def session_id(self) -> str:
        """Return the session id in the cookie jar."""
        cookies = {c.key: c.value for c in self.client.cookie_jar}
        return cookies[COOKIE]

    async def count(self, table: str) -> int:
        """Return how many rows a table holds."""
        async with self.database.engine.connect() as connection:
            counted = select(func.count()).select_from(metadata.tables[table])
            found = await connection.execute(counted)
            return int(found.scalar_one())

    async def everything(self) -> str:
        """Return every stored row of every table Beacon writes, as one text."""
        tables = ("users", "conversations", "web_sessions", "outbox", "quiz_answers")
        rows = []
        async with self.database.engine.connect() as connection:
            for table in tables:
                found = await connection.execute(select(metadata.tables[table]))
                rows += [repr(tuple(row)) for row in found]
        return "\n".join(rows)


@asynccontextmanager
async def web_chat(
    database: Database,
    content: Content,
    config: WebConfig | None = None,
    limit: Bucket | None = None,
    clock: ManualClock | None = None,
    public_url: str | None = None,
) -> AsyncIterator[Web]:
    """Serve a web chat on the test database at FIXED_NOW (a rate limit when given; its
    certificates' QR codes lead to `public_url` when given)."""
    clock = clock or ManualClock(FIXED_NOW)
    orgs = Organizations(OrgDirectory(database.engine), certificate_secret(SECRET))
    service = service_on(database.store, content, clock, orgs)
    titles = {str(pos): Msg(f"{pos}:title", node.title) for pos, node in course_nodes(content)}
    service.certificates = Certificates(
        CertificateTable(database.engine),
        certificate_secret(SECRET),
        titles,
        public_url=public_url,
        telegram=False,
    )
    limits = (MemoryRateLimit(limit), MemoryRateLimit(limit)) if limit else None
    config = config or WebConfig(exit_url=EXIT_URL)
    reader = database.store if isinstance(database.store, PageReader) else None
    chat = WebChat(service, SqlWebSessions(database.engine, reader), config, limits)
    async with (
        serving(chat) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
    ):
        yield Web(base, database, clock, service, chat, client)
