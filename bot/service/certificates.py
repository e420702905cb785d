"""Issue course certificates (a row, a verification code, a PDF and a PNG) and verify codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.certificates.codes import new_code, read_code
from bot.certificates.render import CertificateText, render_pdf, render_png
from bot.core import texts
from bot.core.effects import Msg
from bot.service.messages import Document, Outbound, Photo, Reply
from bot.service.render import Renderer


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate as stored: serial, course title, chosen name, language and date."""

    serial: int
    course: str
    name: str | None
    language: str
    issued_at: dt.datetime


class CertificateStore(Protocol):
    """Where certificates are kept."""

    async def issue(
        self, user_key: str, course: str, name: str, language: str, now: dt.datetime
    ) -> IssuedCertificate:
        """Store (or rename) the user's certificate for a course; return it with its serial."""
        ...

    async def find(self, serial: int) -> IssuedCertificate | None:
        """Return the certificate with this serial, if Beacon issued one."""
        ...


def certificate_secret(user_key_secret: bytes) -> bytes:
    """Return the key for verification codes, derived from (and separate from) the user key."""
    return hmac.new(user_key_secret, b"beacon/certificate-codes", hashlib.sha256).digest()


class Certificates:
    """Turns certificate effects into messages: issue and render, or verify a code."""

    def __init__(self, table: CertificateStore, secret: bytes, titles: Mapping[str, Msg]) -> None:
        """Keep certificates in `table`; codes are keyed with `secret`; `titles` names each
        course (`tree:node`) for verification messages."""
        self.table = table
        self.secret = secret
        self.titles = titles
        self.public_link: str | None = None
        """The bot's t.me link once known (Telegram); the QR code then opens a verification."""

    def qr_payload(self, code: str) -> str:
        """Return what the QR code holds: a link that verifies the code, or the code itself."""
        return f"{self.public_link}?start=verify-{code}" if self.public_link else code

    async def issue(
        self,
        user_key: str,
        course: str,
        name: str,
        renderer: Renderer,
        now: dt.datetime,
    ) -> list[Outbound]:
        """Issue the certificate and return it as a message, a PDF and a PNG preview."""
        issued = await self.table.issue(user_key, course, name, renderer.locale, now)
        title = self.titles.get(course, Msg("", course, translate=False))
        code = new_code(self.secret, issued.serial)
        page = CertificateText(
            heading=renderer.text(texts.CERTIFICATE_HEADING),
            awarded_to=renderer.text(texts.CERTIFICATE_AWARDED),
            name=name,
            completed=renderer.text(texts.CERTIFICATE_COMPLETED),
            course=renderer.text(title),
            date=renderer.value(issued.issued_at.date()),
            code_label=renderer.text(texts.CERTIFICATE_CODE),
            code=code,
            # Finished (direction marks in Arabic), so "/verify BCN-..." stays one piece.
            verify_hint=renderer.say(texts.CERTIFICATE_HINT.fill(code=code)),
            qr_payload=self.qr_payload(code),
            language=renderer.locale,
            right_to_left=renderer.rtl,
        )
        pdf, png = await asyncio.gather(
            asyncio.to_thread(render_pdf, page), asyncio.to_thread(render_png, page)
        )
        ready = texts.CERTIFICATE_READY.fill(title=title, code=code)
        return [Reply(renderer.say(ready)), Document(f"{code}.pdf", pdf), Photo(f"{code}.png", png)]

    async def check(self, code: str) -> IssuedCertificate | None:
        """Return the certificate a code belongs to, or None for a forged or unknown code."""
        serial = read_code(self.secret, code)
        return await self.table.find(serial) if serial is not None else None

    async def verify(self, code: str, renderer: Renderer) -> list[Outbound]:
        """Say whether a code is one of Beacon's certificates, and for what."""
        if not code.strip():
            return [Reply(renderer.say(texts.VERIFY_HOW))]
        found = await self.check(code)
        if found is None:
            return [Reply(renderer.say(texts.VERIFY_INVALID))]
        title = self.titles.get(found.course, Msg("", found.course, translate=False))
        when = found.issued_at.date()
        if found.name:
            message = texts.VERIFY_VALID_NAMED.fill(title=title, name=found.name, date=when)
        else:
            message = texts.VERIFY_VALID.fill(title=title, date=when)
        return [Reply(renderer.say(message))]
