"""A campaign's printable A4 poster: a call to action, the QR code of its deep link, the link
written out, what Beacon is not, and the emergency line of the deployment's place.

Drawn as a PDF (fpdf2, fonts embedded), a PNG (Pillow) and an SVG, with the certificate
renderer's fonts, line fitting and Arabic shaping (bot/certificates/render.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from fpdf import FPDF
from PIL import Image, ImageDraw

from bot.campaigns.registry import CampaignSpec
from bot.certificates.render import (
    _ARABIC_SCRIPT_LANGUAGES,
    _FIXED_DATE,
    _FRAME,
    _MM_PER_PT,
    _PNG_LOCK,
    _PX_PER_MM,
    ACCENT,
    INK,
    MUTED,
    PAPER,
    Measure,
    _cjk_face,
    _clean,
    _dark_runs,
    _font_for,
    _Line,
    _pdf_frame,
    _pdf_lines,
    _pdf_measure,
    _pdf_qr,
    _Pen,
    _png_frame,
    _png_qr,
    _qr_modules,
    _raqm,
    _runs,
    _stack,
    _Style,
    font_path,
)
from bot.content.bundle import Content
from bot.core import texts
from bot.core.course import quiz_title
from bot.core.effects import Msg
from bot.core.places import emergency_number
from bot.core.texts import pgettext
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
PNG_SIZE = (round(PAGE_WIDTH * _PX_PER_MM), round(PAGE_HEIGHT * _PX_PER_MM))
FONT_FAMILY = "'Noto Sans', 'Noto Sans Arabic', 'Noto Sans CJK SC', sans-serif"

_TOP = {
    "title": _Style(40, 24, 3, ACCENT, 0),
    "subtitle": _Style(18, 12, 3, MUTED, 7),
}
_BOTTOM = {
    "scan": _Style(17, 11, 3, INK, 0),
    "link": _Style(13, 8, 1, ACCENT, 3),
    "not_a_hotline": _Style(14, 10, 2, MUTED, 9),
    "emergency": _Style(17, 11, 3, INK, 3),
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


def _font_order(text: PosterText) -> tuple[str, ...]:
    """Font keys in order of preference for the poster's language."""
    language = text.language.replace("-", "_").lower().split("_")[0]
    if language in {"zh", "ja", "ko"}:
        return ("cjk", "latin", "arabic")
    if text.right_to_left or language in _ARABIC_SCRIPT_LANGUAGES:
        return ("arabic", "latin", "cjk")
    return ("latin", "arabic", "cjk")


def _fields(text: PosterText, roles: dict[str, _Style]) -> list[tuple[str, str]]:
    """(role, cleaned value) of the poster's non-empty fields among `roles`."""
    fields = ((role, _clean(getattr(text, role))) for role in roles)
    return [(role, value) for role, value in fields if value]


def _layout(text: PosterText, measure: Measure) -> list[_Line]:
    """Every text line of the poster, placed on the page in mm."""
    order = _font_order(text)
    return [
        *_stack(_fields(text, _TOP), _TOP, _TOP_BOX, order, measure),
        *_stack(_fields(text, _BOTTOM), _BOTTOM, _BOTTOM_BOX, order, measure),
    ]


def _fonts_needed(text: PosterText) -> tuple[str, ...]:
    """The font keys the poster's lines are set in, in order of preference."""
    order, needed = _font_order(text), set[str]()
    for _, value in _fields(text, {**_TOP, **_BOTTOM}):
        needed.update(key for key, _ in _runs(value, _font_for(value, order), order))
    return tuple(key for key in order if key in needed) or order[:1]


def _qr_box() -> tuple[float, float, float]:
    """Left, top and side in mm of the QR code, centred."""
    return (PAGE_WIDTH - _QR_SIDE) / 2, _QR_TOP, _QR_SIDE


def render_pdf(text: PosterText) -> bytes:
    """A one-page A4 portrait PDF of the poster, fonts embedded (same input, same bytes)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(_clean(text.title))
    pdf.set_subject(text.link)
    pdf.set_lang(text.language.replace("_", "-"))
    pdf.set_creator("Beacon")
    fonts = _fonts_needed(text)
    for key in fonts:
        face = _cjk_face(text.language) if key == "cjk" else 0
        pdf.add_font(key, fname=font_path(key), collection_font_number=face)
    pdf.set_fallback_fonts(list(fonts), exact_match=False)
    pdf.set_text_shaping(True, direction="rtl" if text.right_to_left else "ltr")
    pdf.add_page()
    _pdf_frame(pdf, PAGE_WIDTH, PAGE_HEIGHT)
    _pdf_lines(pdf, _layout(text, _pdf_measure(pdf)))
    _pdf_qr(pdf, text.link, _qr_box())
    return bytes(pdf.output())


def _render_image(text: PosterText, raqm: bool) -> Image.Image:
    """The poster as a Pillow image, with or without Raqm text layout."""
    pen = _Pen(_cjk_face(text.language), text.right_to_left, raqm, _font_order(text))
    image = Image.new("RGB", PNG_SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    _png_frame(draw, PAGE_WIDTH, PAGE_HEIGHT)
    for line in _layout(text, pen.measure):
        pen.draw(draw, line)
    _png_qr(draw, text.link, _qr_box())
    return image


def render_png(text: PosterText) -> bytes:
    """A PNG of the same poster (A4 portrait at about 137 dpi), QR code included."""
    buffer = io.BytesIO()
    with _PNG_LOCK:
        image = _render_image(text, _raqm())
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _hex(colour: tuple[int, int, int]) -> str:
    """Return a colour as `#rrggbb`."""
    return "#{:02x}{:02x}{:02x}".format(*colour)


def render_svg(text: PosterText) -> bytes:
    """An SVG of the same poster in mm (text left for the viewer to shape, with Noto fonts
    named), QR code as one path."""
    with _PNG_LOCK:
        pen = _Pen(_cjk_face(text.language), text.right_to_left, _raqm(), _font_order(text))
        lines = _layout(text, pen.measure)
    direction = "rtl" if text.right_to_left else "ltr"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH:g}mm" '
        f'height="{PAGE_HEIGHT:g}mm" viewBox="0 0 {PAGE_WIDTH:g} {PAGE_HEIGHT:g}" '
        f"lang={quoteattr(text.language.replace('_', '-'))}>",
        f"<title>{escape(_clean(text.title))}</title>",
        f'<rect width="{PAGE_WIDTH:g}" height="{PAGE_HEIGHT:g}" fill="{_hex(PAPER)}"/>',
    ]
    for inset, colour, width in _FRAME:
        size = f'width="{PAGE_WIDTH - 2 * inset:g}" height="{PAGE_HEIGHT - 2 * inset:g}"'
        out.append(
            f'<rect x="{inset:g}" y="{inset:g}" {size} fill="none" '
            f'stroke="{_hex(colour)}" stroke-width="{width:g}"/>'
        )
    for line in lines:
        out.append(
            f'<text x="{line.centre:.2f}" y="{line.top + line.height / 2:.2f}" '
            f'font-size="{line.size * _MM_PER_PT:.2f}" font-family="{FONT_FAMILY}" '
            f'fill="{_hex(line.colour)}" text-anchor="middle" dominant-baseline="central" '
            f'direction="{direction}">{escape(line.text)}</text>'
        )
    modules = _qr_modules(text.link)
    left, top, side = _qr_box()
    unit = side / len(modules)
    steps = [
        f"M{left + x * unit:.3f} {top + y * unit:.3f}h{length * unit:.3f}v{unit:.3f}"
        f"h{-length * unit:.3f}z"
        for y, row in enumerate(modules)
        for x, length in _dark_runs(row)
    ]
    out.append(f'<path fill="#000000" d="{"".join(steps)}"/>')
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")
