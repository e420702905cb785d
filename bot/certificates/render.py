"""The certificate: one centred A4-landscape layout drawn as a PDF and a PNG, a template on
bot.printing (fonts per script, line fitting, Arabic shaping and bidi, QR code)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.printing.fonts import font_order, font_path, fonts_needed, missing_glyphs
from bot.printing.layout import ACCENT, INK, MUTED, Line, Measure, Style, fields, stack
from bot.printing.pdf import new_pdf, pdf_bytes, pdf_frame, pdf_lines, pdf_measure, pdf_qr
from bot.printing.png import (
    PNG_LOCK,
    Pen,
    blank_page,
    png_bytes,
    png_frame,
    png_qr,
    raqm_available,
)
from bot.printing.qr import QrBox
from bot.printing.text import clean

if TYPE_CHECKING:
    from fpdf import FPDF
    from PIL import Image

__all__ = [
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "PNG_SIZE",
    "CertificateText",
    "font_path",
    "missing_glyphs",
    "render_pdf",
    "render_png",
]

PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
PNG_SIZE = (1600, 1131)

_MAIN = {
    "heading": Style(34, 22, 2, ACCENT, 0),
    "awarded_to": Style(15, 11, 2, MUTED, 9),
    "name": Style(30, 18, 2, INK, 3),
    "completed": Style(15, 11, 2, MUTED, 5),
    "course": Style(23, 15, 3, ACCENT, 3),
    "date": Style(14, 10, 1, MUTED, 8),
}
_FOOT = {
    "code_label": Style(10, 8, 1, MUTED, 0),
    "code": Style(18, 12, 1, INK, 0.5),
    "verify_hint": Style(10, 7.5, 3, MUTED, 1.5),
}
_MAIN_BOX = (30.0, 22.0, PAGE_WIDTH - 30.0, 150.0)
_QR_SIDE, _QR_INSET, _QR_BOTTOM = 34.0, 24.0, 192.0
_FOOT_BOX = (_QR_INSET + _QR_SIDE + 8, 154.0, PAGE_WIDTH - _QR_INSET - _QR_SIDE - 8, 194.0)


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on a certificate, already translated and formatted by the caller."""

    heading: str
    awarded_to: str
    name: str
    completed: str
    course: str
    date: str
    code_label: str
    code: str
    verify_hint: str
    qr_payload: str
    language: str
    right_to_left: bool


def _order(text: CertificateText) -> tuple[str, ...]:
    """Font keys in order of preference for the certificate's language."""
    return font_order(text.language, text.right_to_left)


def _layout(text: CertificateText, measure: Measure) -> list[Line]:
    """Every text line of the certificate, placed on the page in mm."""
    order = _order(text)
    return [
        *stack(fields(text, _MAIN), _MAIN, _MAIN_BOX, order, measure),
        *stack(fields(text, _FOOT), _FOOT, _FOOT_BOX, order, measure),
    ]


def _qr_box(text: CertificateText) -> QrBox:
    """Left, top and side in mm of the QR code: bottom right, or bottom left right to left."""
    left = _QR_INSET if text.right_to_left else PAGE_WIDTH - _QR_INSET - _QR_SIDE
    return left, _QR_BOTTOM - _QR_SIDE, _QR_SIDE


def _new_pdf(text: CertificateText) -> AbstractContextManager[FPDF]:
    """An empty A4 landscape page with the certificate's fonts loaded and shaping on, its font
    files closed on leaving."""
    return new_pdf(
        "L",
        title=" — ".join(filter(None, (clean(text.heading), clean(text.name)))),
        subject=clean(text.course),
        language=text.language,
        right_to_left=text.right_to_left,
        fonts=fonts_needed((value for _, value in fields(text, [*_MAIN, *_FOOT])), _order(text)),
    )


def render_pdf(text: CertificateText) -> bytes:
    """A one-page A4 landscape PDF of the certificate, fonts embedded (same input, same bytes)."""
    with _new_pdf(text) as pdf:
        pdf_frame(pdf, PAGE_WIDTH, PAGE_HEIGHT)
        pdf_lines(pdf, _layout(text, pdf_measure(pdf)))
        if text.qr_payload:
            pdf_qr(pdf, text.qr_payload, _qr_box(text))
        return pdf_bytes(pdf)


def _render_image(text: CertificateText, raqm: bool) -> Image.Image:
    """The certificate as a Pillow image, with or without Raqm text layout."""
    pen = Pen.for_language(text.language, text.right_to_left, raqm)
    image, draw = blank_page(PNG_SIZE)
    png_frame(draw, PAGE_WIDTH, PAGE_HEIGHT)
    for line in _layout(text, pen.measure):
        pen.draw(draw, line)
    if text.qr_payload:
        png_qr(draw, text.qr_payload, _qr_box(text))
    return image


def render_png(text: CertificateText) -> bytes:
    """A PNG preview (1600x1131) of the same certificate, QR code included."""
    with PNG_LOCK:
        image = _render_image(text, raqm_available())
    return png_bytes(image)
