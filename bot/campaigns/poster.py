"""A campaign's printable A4 poster: a call to action, the QR code of its link (the web chat's,
else Telegram's), the address written out (and the Telegram link too when both are made), what
Beacon is not, and for anyone who cannot scan, the emergency number and the national hotline of
the deployment's place.

Drawn as a PDF, a PNG and an SVG: a template on bot.printing (fonts per script, line fitting,
Arabic shaping and bidi, QR code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.campaigns.registry import CampaignSpec
from bot.content.bundle import Content
from bot.core import texts
from bot.core.course import quiz_title
from bot.core.effects import Msg
from bot.core.places import emergency_number, national_hotline
from bot.core.screens import resource_msg
from bot.core.texts import pgettext
from bot.printing.fonts import font_order, fonts_needed
from bot.printing.layout import ACCENT, INK, MUTED, Line, Measure, Style, fields, stack
from bot.printing.pdf import new_pdf, pdf_bytes, pdf_frame, pdf_lines, pdf_measure, pdf_qr
from bot.printing.png import (
    PNG_LOCK,
    PX_PER_MM,
    Pen,
    blank_page,
    png_bytes,
    png_frame,
    png_qr,
    raqm_available,
)
from bot.printing.qr import QrBox
from bot.printing.svg import svg_bytes, svg_frame, svg_line, svg_page, svg_qr
from bot.printing.text import clean
from bot.service.render import Renderer

if TYPE_CHECKING:  # Pillow is imported when a poster is drawn (bot.printing.png)
    from PIL import Image

TITLE = pgettext("poster", "Know the signs. Find the right help.")
REPORT_LINE = pgettext(
    "poster", "Find the right hotline or reporting channel for where you are, in under a minute."
)
LEARN_LINE = pgettext(
    "poster", "Learn to recognize the signs of human trafficking in a few short quizzes."
)
MODULE_LINE = pgettext("poster", "Take the short quiz: {module}")
GENERAL_LINE = pgettext(
    "poster", "Learn the signs of human trafficking, or find the right place to report it."
)
SCAN = pgettext("poster", "Scan the code with your phone camera to open Beacon on Telegram.")
# On a poster whose QR code opens Beacon's web page (any phone browser, no app needed).
SCAN_WEB = pgettext(
    "poster", "Scan the code with your phone camera to open Beacon in your browser."
)
# Under the web address on a poster that also has a Telegram link; {link} is that link
# (https://t.me/...), printed as is.
ON_TELEGRAM = pgettext("poster", "On Telegram: {link}")
# The poster's last line, for anyone who cannot scan or would rather talk to a person:
# {name} is the country's national trafficking hotline (its name as translated elsewhere),
# {number} its phone number, printed as is.
HOTLINE = pgettext("poster", "To talk to a person, call {name}: {number}")
NOT_A_HOTLINE = pgettext("poster", "Beacon is an automated guide, not a hotline.")

LEFT_TO_RIGHT, POP = "\u2066", "\u2069"
"""Isolate a phone number left to right: in a right-to-left line its digit groups would
otherwise be read as Arabic numbers and their order reversed (1-888-373-7888 as 7888-373-888-1)."""

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
"""A4 portrait, in mm."""
PNG_SIZE = (round(PAGE_WIDTH * PX_PER_MM), round(PAGE_HEIGHT * PX_PER_MM))

_TOP = {
    "title": Style(40, 24, 3, ACCENT, 0),
    "subtitle": Style(18, 12, 3, MUTED, 7),
}
_BOTTOM = {
    "scan": Style(16, 10, 2, INK, 0),
    "address": Style(16, 8, 1, ACCENT, 2),
    "telegram": Style(11, 7, 1, MUTED, 1),
    "not_a_hotline": Style(13, 9, 2, MUTED, 5),
    "emergency": Style(15, 10, 2, INK, 3),
    "hotline": Style(15, 10, 2, INK, 1),
}
_TOP_BOX = (24.0, 24.0, PAGE_WIDTH - 24.0, 90.0)
_QR_SIDE = 84.0
_QR_TOP = 92.0
_BOTTOM_BOX = (24.0, _QR_TOP + _QR_SIDE + 6.0, PAGE_WIDTH - 24.0, PAGE_HEIGHT - 20.0)


@dataclass(frozen=True)
class PosterText:
    """Everything printed on a poster, already translated and filled by the caller: `link` is
    what the QR code opens, `address` that link written out, `telegram` the Telegram link
    under it when the QR code is the web link ("" when there is none)."""

    title: str
    subtitle: str
    scan: str
    link: str
    address: str
    telegram: str
    not_a_hotline: str
    emergency: str
    hotline: str
    language: str
    right_to_left: bool


def deep_link(bot: str, spec: CampaignSpec) -> str:
    """Return the campaign's Telegram deep link: `https://t.me/<bot>?start=<payload>`."""
    return f"https://t.me/{bot}?start={spec.payload}"


def web_link(public_url: str, spec: CampaignSpec) -> str:
    """Return the campaign's web link: `<PUBLIC_URL>/c/<name>`."""
    return f"{public_url.rstrip('/')}/c/{spec.name}"


def short_address(link: str) -> str:
    """Return a web link as a person types it: without its scheme (`beacon.example.org/c/x`)."""
    parts = urlsplit(link)
    return parts.netloc + parts.path


def call_to_action(content: Content, entry: str) -> Msg:
    """Return the line under the title: what scanning opens (report, learn, a module)."""
    tree = content.trees.get(entry)
    if entry == "report" or (tree is not None and tree.report_side):
        return REPORT_LINE
    if entry == "learn":
        return LEARN_LINE
    if tree is not None and tree.quiz is not None:
        return MODULE_LINE.fill(module=quiz_title(tree))
    return GENERAL_LINE


def emergency_text(content: Content) -> Msg:
    """Return the emergency line of the deployment's place (its DEFAULT_PLACE)."""
    number = emergency_number(content, content.default_place)
    return texts.EMERGENCY_FIRST.fill(number=number) if number else texts.EMERGENCY_UNKNOWN


def hotline_text(content: Content) -> Msg | None:
    """Return the line naming the national hotline of the deployment's place and its number,
    or None when the directory has none for its country."""
    found = national_hotline(content, content.default_place)
    if found is None:
        return None
    resource, number = found
    name = resource_msg(resource, "name", resource.name)
    return HOTLINE.fill(name=name, number=f"{LEFT_TO_RIGHT}{number}{POP}")


def poster_text(
    content: Content,
    spec: CampaignSpec,
    renderer: Renderer,
    web: str | None = None,
    telegram: str | None = None,
) -> PosterText:
    """Return a campaign poster's texts in the renderer's language: the QR code is the `web`
    link when there is one (any phone opens it), written out short, with the `telegram` link
    under it; else the `telegram` link, written out."""
    link = web or telegram
    if link is None:
        raise ValueError("a poster needs a web or a Telegram link")
    hotline = hotline_text(content)
    return PosterText(
        title=renderer.text(TITLE),
        subtitle=renderer.text(call_to_action(content, spec.entry)),
        scan=renderer.text(SCAN_WEB if web else SCAN),
        link=link,
        address=short_address(web) if web else link,
        telegram=renderer.text(ON_TELEGRAM.fill(link=telegram)) if web and telegram else "",
        not_a_hotline=renderer.text(NOT_A_HOTLINE),
        emergency=renderer.text(emergency_text(content)),
        hotline=renderer.text(hotline) if hotline else "",
        language=renderer.locale,
        right_to_left=renderer.rtl,
    )


def _order(text: PosterText) -> tuple[str, ...]:
    """Font keys in order of preference for the poster's language."""
    return font_order(text.language, text.right_to_left)


def _layout(text: PosterText, measure: Measure) -> list[Line]:
    """Every text line of the poster, placed on the page in mm."""
    order = _order(text)
    return [
        *stack(fields(text, _TOP), _TOP, _TOP_BOX, order, measure),
        *stack(fields(text, _BOTTOM), _BOTTOM, _BOTTOM_BOX, order, measure),
    ]


def _qr_box() -> QrBox:
    """Left, top and side in mm of the QR code, centred."""
    return (PAGE_WIDTH - _QR_SIDE) / 2, _QR_TOP, _QR_SIDE


def render_pdf(text: PosterText) -> bytes:
    """A one-page A4 portrait PDF of the poster, fonts embedded (same input, same bytes)."""
    with new_pdf(
        "P",
        title=clean(text.title),
        subject=text.link,
        language=text.language,
        right_to_left=text.right_to_left,
        fonts=fonts_needed((value for _, value in fields(text, [*_TOP, *_BOTTOM])), _order(text)),
    ) as pdf:
        pdf_frame(pdf, PAGE_WIDTH, PAGE_HEIGHT)
        pdf_lines(pdf, _layout(text, pdf_measure(pdf)))
        pdf_qr(pdf, text.link, _qr_box())
        return pdf_bytes(pdf)


def _render_image(text: PosterText, raqm: bool) -> Image.Image:
    """The poster as a Pillow image, with or without Raqm text layout."""
    pen = Pen.for_language(text.language, text.right_to_left, raqm)
    image, draw = blank_page(PNG_SIZE)
    png_frame(draw, PAGE_WIDTH, PAGE_HEIGHT)
    for line in _layout(text, pen.measure):
        pen.draw(draw, line)
    png_qr(draw, text.link, _qr_box())
    return image


def render_png(text: PosterText) -> bytes:
    """A PNG of the same poster (A4 portrait at about 137 dpi), QR code included."""
    with PNG_LOCK:
        image = _render_image(text, raqm_available())
    return png_bytes(image)


def render_svg(text: PosterText) -> bytes:
    """An SVG of the same poster in mm (text left for the viewer to shape, with Noto fonts
    named), QR code as one path."""
    with PNG_LOCK:
        pen = Pen.for_language(text.language, text.right_to_left, raqm_available())
        lines = _layout(text, pen.measure)
    return svg_bytes(
        [
            *svg_page(PAGE_WIDTH, PAGE_HEIGHT, text.language, clean(text.title)),
            *svg_frame(PAGE_WIDTH, PAGE_HEIGHT),
            *(svg_line(line, text.right_to_left) for line in lines),
            svg_qr(text.link, _qr_box()),
        ]
    )
