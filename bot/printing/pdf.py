"""PDF pages (fpdf2): a page with fonts embedded and HarfBuzz shaping on, its frame, laid-out
lines and a vector QR code. Same input, same bytes: the creation date is fixed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from bot.printing.fonts import cjk_face, font_path
from bot.printing.layout import FRAME, Line, Measure
from bot.printing.qr import QrBox, qr_rectangles

if TYPE_CHECKING:  # fpdf2 takes about a third of start-up to import: it is imported on drawing
    from fpdf import FPDF

__all__ = ["FIXED_DATE", "new_pdf", "pdf_bytes", "pdf_frame", "pdf_lines", "pdf_measure", "pdf_qr"]

FIXED_DATE = datetime(1980, 1, 1, tzinfo=UTC)
"""The creation date every PDF carries, so that the same page gives the same bytes."""


@contextmanager
def new_pdf(
    orientation: Literal["L", "P"],
    *,
    title: str,
    subject: str,
    language: str,
    right_to_left: bool,
    fonts: Sequence[str],
) -> Iterator[FPDF]:
    """An empty A4 page with the metadata set, `fonts` (keys) loaded and shaping on; the font
    files close on leaving (fpdf2 closes them only when it writes the file, so a page measured
    and dropped, or one that failed, would keep them open)."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0
        pdf.set_creation_date(FIXED_DATE)
        pdf.set_title(title)
        pdf.set_subject(subject)
        pdf.set_lang(language.replace("_", "-"))
        pdf.set_creator("Beacon")
        for key in fonts:
            face = cjk_face(language) if key == "cjk" else 0
            pdf.add_font(key, fname=font_path(key), collection_font_number=face)
        pdf.set_fallback_fonts(list(fonts), exact_match=False)
        pdf.set_text_shaping(True, direction="rtl" if right_to_left else "ltr")
        pdf.add_page()
        yield pdf
    finally:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()


def pdf_measure(pdf: FPDF) -> Measure:
    """A Measure backed by the PDF's own shaped string widths."""

    def measure(value: str, font: str, size: float) -> float:
        pdf.set_font(font, size=size)
        return pdf.get_string_width(value)

    return measure


def pdf_frame(pdf: FPDF, width: float, height: float) -> None:
    """Draw the double frame around a page of `width` x `height` mm."""
    for inset, colour, line in FRAME:
        pdf.set_draw_color(*colour)
        pdf.set_line_width(line)
        pdf.rect(inset, inset, width - 2 * inset, height - 2 * inset)


def pdf_lines(pdf: FPDF, lines: Iterable[Line]) -> None:
    """Set laid-out lines of text, each centred on its own centre."""
    for line in lines:
        pdf.set_font(line.font, size=line.size)
        pdf.set_text_color(*line.colour)
        pdf.set_xy(line.centre - line.width / 2, line.top)
        pdf.cell(w=line.width, h=line.height, text=line.text, align="C")


def pdf_qr(pdf: FPDF, payload: str, box: QrBox) -> None:
    """Draw a QR code as one vector path of dark rectangles in a (left, top, side) mm box."""
    from fpdf.drawing import PaintedPath
    from fpdf.enums import PathPaintRule

    path = PaintedPath()
    path.style.fill_color = "#000000"
    path.style.stroke_color = None
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    for rectangle in qr_rectangles(payload, box):
        path.rectangle(*rectangle)
    with pdf.drawing_context() as context:
        context.add_item(path)


def pdf_bytes(pdf: FPDF) -> bytes:
    """The finished PDF file."""
    return bytes(pdf.output())
