"""Issue course certificates (a row, a verification code, a PDF and a PNG) and verify codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from bot.certificates.codes import new_code, read_code
from bot.core import texts
from bot.core.effects import Msg
from bot.service.messages import Document, Outbound, Photo, Reply
from bot.service.render import Renderer

if TYPE_CHECKING:  # drawing (Pillow, fpdf2, fonts) loads with the first certificate drawn
    from bot.certificates.render import CertificateText

FileKind = Literal["pdf", "png"]
"""A certificate's two files: the PDF, and its PNG picture."""


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

    async def owned(self, serial: int, user_key: str) -> IssuedCertificate | None:
        """Return the certificate with this serial if it is the user's under `user_key`."""
        ...


def certificate_secret(user_key_secret: bytes) -> bytes:
    """Return the key for verification codes, derived from (and separate from) the user key."""
    return hmac.new(user_key_secret, b"beacon/certificate-codes", hashlib.sha256).digest()


class Certificates:
    """Turns certificate effects into messages: issue and render, or verify a code."""

    def __init__(
        self,
        table: CertificateStore,
        secret: bytes,
        titles: Mapping[str, Msg],
        public_url: str | None = None,
        telegram: bool = True,
    ) -> None:
        """Keep certificates in `table`; codes are keyed with `secret`; `titles` names each
        course (`tree:node`) for verification messages; `public_url` is the web chat's address
        (PUBLIC_URL), whose verification page the QR code then opens; `telegram` says whether
        Beacon is on Telegram too (the printed hint names /verify only then)."""
        self.table = table
        self.secret = secret
        self.titles = titles
        self.public_url = public_url.rstrip("/") if public_url else None
        self.telegram = telegram
        self.public_link: str | None = None
        """The bot's t.me link once known (Telegram); without a public web address the QR
        code then opens a verification in the bot."""

    def verify_page(self, code: str | None = None) -> str | None:
        """Return the web address that verifies a code (or the verification form without
        one), or None when Beacon has no public web address."""
        if self.public_url is None:
            return None
        return f"{self.public_url}/verify/{code}" if code else f"{self.public_url}/verify"

    def qr_payload(self, code: str) -> str:
        """Return what the QR code holds: the web page that verifies the code, else the bot's
        link that does, else the code itself."""
        if self.public_url is not None:
            return f"{self.public_url}/verify/{code}"
        return f"{self.public_link}?start=verify-{code}" if self.public_link else code

    def hint(self, code: str) -> Msg:
        """Return the line printed under the code: how to check it, naming the web page when
        there is one and /verify when Beacon is on Telegram."""
        address = self.verify_page()
        if address is None:
            return texts.CERTIFICATE_HINT.fill(code=code)
        if self.telegram:
            return texts.CERTIFICATE_HINT_WEB_TELEGRAM.fill(address=address, code=code)
        return texts.CERTIFICATE_HINT_WEB.fill(address=address)

    def title(self, course: str) -> Msg:
        """Return a course's title (its id, untranslated, for a course no longer shipped)."""
        return self.titles.get(course, Msg("", course, translate=False))

    def code(self, issued: IssuedCertificate) -> str:
        """Return a certificate's verification code."""
        return new_code(self.secret, issued.serial)

    def page(self, issued: IssuedCertificate, renderer: Renderer) -> CertificateText:
        """Return everything a certificate prints, in the renderer's language."""
        from bot.certificates.render import CertificateText

        code = self.code(issued)
        return CertificateText(
            heading=renderer.text(texts.CERTIFICATE_HEADING),
            awarded_to=renderer.text(texts.CERTIFICATE_AWARDED),
            name=issued.name or "",
            completed=renderer.text(texts.CERTIFICATE_COMPLETED),
            course=renderer.text(self.title(issued.course)),
            date=renderer.value(issued.issued_at.date()),
            code_label=renderer.text(texts.CERTIFICATE_CODE),
            code=code,
            # Finished (direction marks in Arabic), so "/verify BCN-..." stays one piece.
            verify_hint=renderer.say(self.hint(code)),
            qr_payload=self.qr_payload(code),
            language=renderer.locale,
            right_to_left=renderer.rtl,
        )

    async def draw(self, issued: IssuedCertificate, kind: FileKind, renderer: Renderer) -> bytes:
        """Draw a certificate as a PDF or a PNG (off the event loop)."""
        from bot.certificates.render import render_pdf, render_png

        draw = render_pdf if kind == "pdf" else render_png
        return await asyncio.to_thread(draw, self.page(issued, renderer))

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
        code = self.code(issued)
        pdf, png = await asyncio.gather(
            self.draw(issued, "pdf", renderer), self.draw(issued, "png", renderer)
        )
        ready = texts.CERTIFICATE_READY.fill(title=self.title(course), code=code)
        return [Reply(renderer.say(ready)), Document(f"{code}.pdf", pdf), Photo(f"{code}.png", png)]

    async def check(self, code: str) -> IssuedCertificate | None:
        """Return the certificate a code belongs to, or None for a forged or unknown code."""
        serial = read_code(self.secret, code)
        return await self.table.find(serial) if serial is not None else None

    async def owned(self, code: str, user_key: str) -> IssuedCertificate | None:
        """Return the certificate a code belongs to when it is the user's under `user_key`;
        None for anybody else's, a forged or an unknown code."""
        serial = read_code(self.secret, code)
        return await self.table.owned(serial, user_key) if serial is not None else None

    async def verdict(self, code: str) -> Msg | None:
        """Return what verifying a code says (valid, for which course, when and to whom, or
        not Beacon's), on every channel; None when no code was given."""
        if not code.strip():
            return None
        found = await self.check(code)
        if found is None:
            return texts.VERIFY_INVALID
        title, when = self.title(found.course), found.issued_at.date()
        if found.name:
            return texts.VERIFY_VALID_NAMED.fill(title=title, name=found.name, date=when)
        return texts.VERIFY_VALID.fill(title=title, date=when)

    async def verify(self, code: str, renderer: Renderer) -> list[Outbound]:
        """Say whether a code is one of Beacon's certificates, and for what."""
        said = await self.verdict(code)
        return [Reply(renderer.say(said if said is not None else texts.VERIFY_HOW))]
