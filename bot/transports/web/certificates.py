"""Certificates on the web chat. A download link draws the learner's certificate again from its
row (a PDF or a PNG; no file is kept in the page's history or the session), for the session
that owns it only; anybody else, or a forged or unknown code, gets a kind 404 page. `/verify`
(a form) and `/verify/<code>` are public pages, with no session made, that give Telegram's
/verify verdict in the browser's language."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core import texts as core_texts
from bot.core.effects import Msg
from bot.logs import event
from bot.service.certificates import Certificates, FileKind

if TYPE_CHECKING:
    from bot.transports.web.server import WebChat

FILE = re.compile(r"^(?P<code>[A-Za-z0-9-]{1,40})\.(?P<kind>pdf|png)$")
"""A download's last path segment: a code as printed (or typed) and the file's kind."""
CONTENT_TYPES: dict[FileKind, str] = {"pdf": "application/pdf", "png": "image/png"}
CODE_LIMIT = 64
"""A typed code longer than this is no code of Beacon's (and is not shown back)."""
log = logging.getLogger("beacon.web")


def download_path(filename: str) -> str:
    """Return the address that downloads a certificate file the page names (`<code>.pdf`)."""
    return f"/certificate/{filename}"


def verify_path(code: str | None = None) -> str:
    """Return the address of the verification page, for a code or its form."""
    return f"/verify/{code}" if code else "/verify"


class CertificatePages:
    """The download and verification routes of a web chat."""

    def __init__(self, chat: WebChat) -> None:
        """Serve the certificates of `chat`'s service."""
        self.chat = chat
        self.form_token = hmac.new(chat.csrf_key, b"beacon/verify-form", hashlib.sha256).hexdigest()
        """The verification form's token: there is no session to tie it to, so it is the
        same for everyone (the page only reads, so a forged post could change nothing)."""

    @property
    def certificates(self) -> Certificates:
        """Return the service's certificates (every app has them); a 404 without."""
        found = self.chat.service.certificates
        if found is None:
            raise web.HTTPNotFound()
        return found

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Add the download route and the verification pages."""
        router.add_get("/certificate/{file}", self.download, allow_head=False)
        router.add_get("/verify", self.form)
        router.add_post("/verify", self.posted)
        router.add_get("/verify/{code}", self.verify)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Draw the session's certificate again as the file asked for, as an attachment; a
        kind 404 page for anybody else's, a forged or an unknown code (never the file)."""
        sid = self.chat.cookie_of(request)
        wanted = FILE.match(request.match_info["file"])
        found = None
        if sid is not None and wanted is not None:
            found = await self.certificates.owned(wanted["code"], self.chat.key_of(sid))
        if wanted is None or found is None:
            event(log, "web_certificate_refused")
            return self.chat.plain_response(request, "no_certificate.html", sid, 404)
        kind: FileKind = "pdf" if wanted["kind"] == "pdf" else "png"
        renderer = self.chat.service.renderer(found.language, None)
        data = await self.certificates.draw(found, kind, renderer)
        filename = f"{self.certificates.code(found)}.{kind}"
        event(log, "web_certificate_downloaded", kind=kind)
        return web.Response(
            body=data,
            content_type=CONTENT_TYPES[kind],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    async def form(self, request: web.Request) -> web.StreamResponse:
        """Show the verification form, or the verdict for `?code=`."""
        return await self.answer(request, request.query.get("code"))

    async def posted(self, request: web.Request) -> web.StreamResponse:
        """Give the verdict for the form's code; a post without the form's token is answered
        like a forged button (403, nothing checked)."""
        form = await request.post()
        token = form.get("csrf")
        if not (isinstance(token, str) and hmac.compare_digest(token, self.form_token)):
            event(log, "web_form_refused", reason="csrf")
            return await self.answer(request, None, core_texts.UNREADABLE, 403)
        code = form.get("code")
        return await self.answer(request, code if isinstance(code, str) else "")

    async def verify(self, request: web.Request) -> web.StreamResponse:
        """Give the verdict for the code in the address (the certificate's QR code)."""
        return await self.answer(request, request.match_info["code"])

    async def answer(
        self,
        request: web.Request,
        code: str | None,
        refused: Msg | None = None,
        status: int = 200,
    ) -> web.StreamResponse:
        """Draw the verification page in the browser's language: the verdict for `code`
        (none for no code), the form to check another; no session is made."""
        typed = (code or "").strip()
        if len(typed) > CODE_LIMIT:
            typed = ""
            said: Msg | None = core_texts.VERIFY_INVALID
        else:
            said = refused or await self.certificates.verdict(typed)
        if refused is not None:
            verdict = "refused"
        elif said is None:
            verdict = ""
        else:
            verdict = "invalid" if said == core_texts.VERIFY_INVALID else "valid"
        if verdict:
            event(log, "web_verified", verdict=verdict)
        renderer = self.chat.service.renderer(None, self.chat.language(request))
        return self.chat.plain_response(
            request,
            "verify.html",
            self.chat.cookie_of(request),
            status,
            verdict=verdict,
            said=renderer.say(said) if said is not None else "",
            code=typed,
            form_token=self.form_token,
        )
