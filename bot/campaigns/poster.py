"""A campaign's printable A4 poster: a call to action, the QR code of its deep link, the link
written out, what Beacon is not, and the emergency line of the deployment's place.

Drawn as a PDF, a PNG and an SVG: a template on bot.printing (fonts per script, line fitting,
Arabic shaping and bidi, QR code).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from bot.campaigns.registry import CampaignSpec
from bot.content.bundle import Content
from bot.core import texts
from bot.core.course import quiz_title
from bot.core.effects import Msg
from bot.core.places import emergency_number
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
NOT_A_HOTLINE = pgettext("poster", "Beacon is an automated guide, not a hotline.")

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
"""A4 portrait, in mm."""
PNG_SIZE = (round(PAGE_WIDTH * PX_PER_MM), round(PAGE_HEIGHT * PX_PER_MM))

_TOP = {
    "title": Style(40, 24, 3, ACCENT, 0),
    "subtitle": Style(18, 12, 3, MUTED, 7),
}
_BOTTOM = {
    "scan": Style(17, 11, 3, INK, 0),
    "link": Style(13, 8, 1, ACCENT, 3),
    "not_a_hotline": Style(14, 10, 2, MUTED, 9),
    "emergency": Style(17, 11, 3, INK, 3),
}
_TOP_BOX = (24.0, 24.0, PAGE_WIDTH - 24.0, 96.0)
_QR_SIDE = 96.0
_QR_TOP = 100.0
_BOTTOM_BOX = (24.0, _QR_TOP + _QR_SIDE + 6.0, PAGE_WIDTH - 24.0, PAGE_HEIGHT - 20.0)


@dataclass(frozen=True)
class PosterText:
    """Everything printed on a poster, already translated and filled by the caller."""

    title: str
    subtitle: str
    scan: str
    link: str
    not_a_hotline: str
    emergency: str
    language: str
    right_to_left: bool


def deep_link(bot: str, spec: CampaignSpec) -> str:
    """Return the campaign's Telegram deep link: `https://t.me/<bot>?start=<payload>`."""
    return f"https://t.me/{bot}?start={spec.payload}"


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


def poster_text(content: Content, spec: CampaignSpec, link: str, renderer: Renderer) -> PosterText:
    """Return a campaign poster's texts in the renderer's language."""
    return PosterText(
        title=renderer.text(TITLE),
        subtitle=renderer.text(call_to_action(content, spec.entry)),
        scan=renderer.text(SCAN),
        link=link,
        not_a_hotline=renderer.text(NOT_A_HOTLINE),
        emergency=renderer.text(emergency_text(content)),
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
    pdf = new_pdf(
        "P",
        title=clean(text.title),
        subject=text.link,
        language=text.language,
        right_to_left=text.right_to_left,
        fonts=fonts_needed((value for _, value in fields(text, [*_TOP, *_BOTTOM])), _order(text)),
    )
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
