"""Certificate renderers: one centred A4-landscape layout drawn as a PDF (fpdf2) and a PNG (Pillow).

Fonts come from PyPI packages (SIL OFL 1.1): Noto Sans (Latin, Vietnamese, Greek, Cyrillic),
Noto Sans Arabic and Noto Sans CJK. Each text line is set in the first font, in the certificate
language's order, that has every character; a line no single font covers is set character by
character in the first font that has it. Arabic is shaped by HarfBuzz in the PDF and by
Pillow's Raqm layout in the PNG, or, where Pillow has no Raqm (no system libfribidi), by
arabic-reshaper and python-bidi.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import segno
import uharfbuzz  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.drawing import PaintedPath
from fpdf.enums import PathPaintRule
from PIL import Image, ImageDraw, ImageFont, features

PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
PNG_SIZE = (1600, 1131)
_PX_PER_MM = PNG_SIZE[0] / PAGE_WIDTH
_MM_PER_PT = 25.4 / 72
_LINE_SPACING = 1.4
_FIXED_DATE = datetime(1980, 1, 1, tzinfo=UTC)
_PNG_LOCK = threading.Lock()  # cached Pillow fonts are shared; FreeType faces are not thread-safe

Colour = tuple[int, int, int]
ACCENT: Colour = (21, 76, 96)
GOLD: Colour = (181, 148, 88)
INK: Colour = (30, 30, 36)
MUTED: Colour = (88, 94, 102)
PAPER: Colour = (255, 255, 255)

_FONTS = {
    "latin": ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    "arabic": ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    "cjk": ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),
}
_CJK_FACES = {"ja": 0, "ko": 1, "zh_hant": 3, "zh_tw": 3, "zh_hk": 4, "zh_mo": 4}
_CJK_SC_FACE = 2
_ARABIC_SCRIPT_LANGUAGES = frozenset({"ar", "fa", "ur", "ps", "ckb", "sd", "ug"})
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_BIDI_MARKS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEEP_FORMAT = _BIDI_MARKS | frozenset("\u200c\u200d")

Measure = Callable[[str, str, float], float]
"""Width in mm of a text set in a font (by key) at a size in points."""


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


@dataclass(frozen=True)
class _Style:
    """How one field is set: size range in points, most lines, colour and space above in mm."""

    size: float
    min_size: float
    max_lines: int
    colour: Colour
    space: float


@dataclass(frozen=True)
class _Line:
    """One laid-out line: its text, font key, size in points, colour and box in mm."""

    text: str
    font: str
    size: float
    colour: Colour
    top: float
    height: float
    centre: float
    width: float


_MAIN = {
    "heading": _Style(34, 22, 2, ACCENT, 0),
    "awarded_to": _Style(15, 11, 2, MUTED, 9),
    "name": _Style(30, 18, 2, INK, 3),
    "completed": _Style(15, 11, 2, MUTED, 5),
    "course": _Style(23, 15, 3, ACCENT, 3),
    "date": _Style(14, 10, 1, MUTED, 8),
}
_FOOT = {
    "code_label": _Style(10, 8, 1, MUTED, 0),
    "code": _Style(18, 12, 1, INK, 0.5),
    "verify_hint": _Style(10, 7.5, 3, MUTED, 1.5),
}
_FRAME_OUTER, _FRAME_INNER = 9.0, 12.5
_FRAME = ((_FRAME_OUTER, ACCENT, 1.0), (_FRAME_INNER, GOLD, 0.35))
"""The double frame: (inset mm, colour, line width mm), outer then inner."""
_MAIN_BOX = (30.0, 22.0, PAGE_WIDTH - 30.0, 150.0)
_QR_SIDE, _QR_INSET, _QR_BOTTOM = 34.0, 24.0, 192.0
_FOOT_BOX = (_QR_INSET + _QR_SIDE + 8, 154.0, PAGE_WIDTH - _QR_INSET - _QR_SIDE - 8, 194.0)


def _language_key(language: str) -> str:
    """A locale code lower-cased with `_` separators: "zh-Hans" becomes "zh_hans"."""
    return language.replace("-", "_").lower()


def _font_order(text: CertificateText) -> tuple[str, ...]:
    """Font keys in order of preference for the certificate's language."""
    language = _language_key(text.language).split("_")[0]
    if language in {"zh", "ja", "ko"}:
        return ("cjk", "latin", "arabic")
    if text.right_to_left or language in _ARABIC_SCRIPT_LANGUAGES:
        return ("arabic", "latin", "cjk")
    return ("latin", "arabic", "cjk")


def _cjk_face(language: str) -> int:
    """The face of the Noto Sans CJK collection whose glyph forms suit the language."""
    key = _language_key(language)
    return _CJK_FACES.get(key, _CJK_FACES.get(key.split("_")[0], _CJK_SC_FACE))


def font_path(key: str) -> Path:
    """The font file of a font key ("latin", "arabic" or "cjk") inside its PyPI package."""
    package, name = _FONTS[key]
    try:
        path = Path(str(files(package).joinpath(name)))
    except ModuleNotFoundError as error:
        raise FileNotFoundError(f"font package {package} is not installed") from error
    if not path.is_file():
        raise FileNotFoundError(f"{name} is missing from font package {package}")
    return path


@cache
def _coverage(key: str) -> frozenset[int]:
    """The code points a font has glyphs for."""
    blob = uharfbuzz.Blob.from_file_path(str(font_path(key)))
    face = uharfbuzz.Face(blob, _CJK_SC_FACE if key == "cjk" else 0)
    return frozenset(face.unicodes)


def _visible(char: str) -> bool:
    """Whether a character needs a glyph (not a space, control or invisible format mark)."""
    return unicodedata.category(char)[0] not in "ZC"


def _clean(value: str) -> str:
    """NFC text on one line: controls and format marks but bidi and joiner marks dropped, runs of
    spaces collapsed."""
    kept = (
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char
        for char in unicodedata.normalize("NFC", value)
        if unicodedata.category(char) != "Cf" or char in _KEEP_FORMAT
    )
    return " ".join("".join(kept).split())


def _font_for_char(char: str, order: tuple[str, ...]) -> str | None:
    """The first font in `order` with a glyph for `char`, else None."""
    return next((key for key in order if ord(char) in _coverage(key)), None)


def missing_glyphs(value: str) -> str:
    """The characters of `value` that no bundled font can draw (sorted, each once)."""
    order = tuple(_FONTS)
    return "".join(
        sorted(
            {char for char in _clean(value) if _visible(char) and not _font_for_char(char, order)}
        )
    )


def _font_for(value: str, order: tuple[str, ...]) -> str:
    """The first font in `order` that has every character of `value`, else the first one."""
    needed = {ord(char) for char in value if _visible(char)}
    return next((key for key in order if needed <= _coverage(key)), order[0])


def _runs(value: str, font: str, order: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split a line into (font, text) runs in logical order, each run drawable by its font."""
    runs: list[tuple[str, str]] = []
    current, start = font, 0
    for index, char in enumerate(value):
        wanted = current
        if _visible(char) and ord(char) not in _coverage(current):
            wanted = _font_for_char(char, (font, *order)) or current
        if wanted != current:
            runs.append((current, value[start:index]))
            current, start = wanted, index
    runs.append((current, value[start:]))
    return [(key, part) for key, part in runs if part]


def _split_token(token: str, width: float, measure: Callable[[str], float]) -> Iterator[str]:
    """Break a token wider than `width` into pieces that each fit (at least one character)."""
    piece = ""
    for char in token:
        if piece and measure(piece + char) > width:
            yield piece
            piece = ""
        piece += char
    if piece:
        yield piece


def _wrap(value: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy line breaking at spaces and between CJK characters."""
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(value):
        pieces = [token] if token.isspace() or measure(token) <= width else None
        for piece in pieces or _split_token(token, width, measure):
            candidate = current + piece
            if current.strip() and not piece.isspace() and measure(candidate.strip()) > width:
                lines.append(current.strip())
                candidate = piece
            current = candidate
    if current.strip():
        lines.append(current.strip())
    return lines


def _ellipsize(
    lines: list[str], count: int, width: float, measure: Callable[[str], float]
) -> list[str]:
    """Keep `count` lines, ending the last with an ellipsis that fits."""
    last = lines[count - 1]
    while last and measure(last + "…") > width:
        last = last[:-1]
    return [*lines[: count - 1], last.rstrip() + "…"]


def _sized(measure: Measure, font: str, size: float) -> Callable[[str], float]:
    """A one-argument measure for a given font and size."""
    return lambda part: measure(part, font, size)


def _fit(
    value: str, font: str, style: _Style, width: float, measure: Measure
) -> tuple[float, list[str]]:
    """The largest size and fewest lines (up to the style's limit) at which `value` fits."""
    steps = 8
    sizes = [style.size - (style.size - style.min_size) * step / steps for step in range(steps + 1)]
    for count in range(1, style.max_lines + 1):
        for size in sizes:
            lines = _wrap(value, width, _sized(measure, font, size))
            if len(lines) <= count:
                return size, lines
    sized = _sized(measure, font, style.min_size)
    return style.min_size, _ellipsize(_wrap(value, width, sized), style.max_lines, width, sized)


def _stack(
    fields: list[tuple[str, str]],
    styles: dict[str, _Style],
    box: tuple[float, float, float, float],
    order: tuple[str, ...],
    measure: Measure,
) -> list[_Line]:
    """Lay fields out as centred lines, the whole stack centred vertically in `box`."""
    left, top, right, bottom = box
    width, centre = right - left, (left + right) / 2
    placed: list[tuple[_Style, str, float, list[str], float]] = []
    for role, value in fields:
        style, font = styles[role], _font_for(value, order)
        size, lines = _fit(value, font, style, width, measure)
        placed.append((style, font, size, lines, size * _MM_PER_PT * _LINE_SPACING))
    total = sum(style.space + len(lines) * height for style, _, _, lines, height in placed)
    y = top + max(0.0, (bottom - top - total) / 2)
    result: list[_Line] = []
    for style, font, size, lines, height in placed:
        y += style.space
        for line in lines:
            result.append(_Line(line, font, size, style.colour, y, height, centre, width))
            y += height
    return result


def _fields(text: CertificateText, roles: Iterable[str]) -> list[tuple[str, str]]:
    """(role, cleaned value) of the certificate's non-empty fields among `roles`."""
    fields = ((role, _clean(getattr(text, role))) for role in roles)
    return [(role, value) for role, value in fields if value]


def _fonts_needed(text: CertificateText) -> tuple[str, ...]:
    """The font keys the certificate's lines are set in, in order of preference."""
    order, needed = _font_order(text), set[str]()
    for _, value in _fields(text, [*_MAIN, *_FOOT]):
        needed.update(key for key, _ in _runs(value, _font_for(value, order), order))
    return tuple(key for key in order if key in needed) or order[:1]


def _layout(text: CertificateText, measure: Measure) -> list[_Line]:
    """Every text line of the certificate, placed on the page in mm."""
    order = _font_order(text)
    return [
        *_stack(_fields(text, _MAIN), _MAIN, _MAIN_BOX, order, measure),
        *_stack(_fields(text, _FOOT), _FOOT, _FOOT_BOX, order, measure),
    ]


def _qr_box(text: CertificateText) -> tuple[float, float, float]:
    """Left, top and side in mm of the QR code: bottom right, or bottom left right to left."""
    left = _QR_INSET if text.right_to_left else PAGE_WIDTH - _QR_INSET - _QR_SIDE
    return left, _QR_BOTTOM - _QR_SIDE, _QR_SIDE


def _qr_modules(payload: str) -> list[list[bool]]:
    """The QR code of `payload` as rows of dark (True) and light modules, quiet zone excluded."""
    qr = segno.make(payload, error="m", micro=False)
    return [[bool(module) for module in row] for row in qr.matrix_iter(border=0)]


def _dark_runs(row: list[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index - start
            start = None


def _new_pdf(text: CertificateText) -> FPDF:
    """An empty A4 landscape page with the fonts loaded and shaping on."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(" — ".join(filter(None, (_clean(text.heading), _clean(text.name)))))
    pdf.set_subject(_clean(text.course))
    pdf.set_lang(text.language.replace("_", "-"))
    pdf.set_creator("Beacon")
    fonts = _fonts_needed(text)
    for key in fonts:
        face = _cjk_face(text.language) if key == "cjk" else 0
        pdf.add_font(key, fname=font_path(key), collection_font_number=face)
    pdf.set_fallback_fonts(list(fonts), exact_match=False)
    pdf.set_text_shaping(True, direction="rtl" if text.right_to_left else "ltr")
    pdf.add_page()
    return pdf


def _pdf_measure(pdf: FPDF) -> Measure:
    """A Measure backed by the PDF's own shaped string widths."""

    def measure(value: str, font: str, size: float) -> float:
        pdf.set_font(font, size=size)
        return pdf.get_string_width(value)

    return measure


def _pdf_frame(pdf: FPDF, width: float = PAGE_WIDTH, height: float = PAGE_HEIGHT) -> None:
    """Draw the double frame around a page of `width` x `height` mm."""
    for inset, colour, line in _FRAME:
        pdf.set_draw_color(*colour)
        pdf.set_line_width(line)
        pdf.rect(inset, inset, width - 2 * inset, height - 2 * inset)


def _pdf_lines(pdf: FPDF, lines: Iterable[_Line]) -> None:
    """Set laid-out lines of text, each centred on its own centre."""
    for line in lines:
        pdf.set_font(line.font, size=line.size)
        pdf.set_text_color(*line.colour)
        pdf.set_xy(line.centre - line.width / 2, line.top)
        pdf.cell(w=line.width, h=line.height, text=line.text, align="C")


def _pdf_qr(pdf: FPDF, payload: str, box: tuple[float, float, float]) -> None:
    """Draw a QR code as one vector path of dark rectangles in a (left, top, side) mm box."""
    modules = _qr_modules(payload)
    left, top, side = box
    unit = side / len(modules)
    path = PaintedPath()
    path.style.fill_color = "#000000"
    path.style.stroke_color = None
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    for y, row in enumerate(modules):
        for x, length in _dark_runs(row):
            path.rectangle(left + x * unit, top + y * unit, length * unit, unit)
    with pdf.drawing_context() as context:
        context.add_item(path)


def render_pdf(text: CertificateText) -> bytes:
    """A one-page A4 landscape PDF of the certificate, fonts embedded (same input, same bytes)."""
    pdf = _new_pdf(text)
    _pdf_frame(pdf)
    _pdf_lines(pdf, _layout(text, _pdf_measure(pdf)))
    if text.qr_payload:
        _pdf_qr(pdf, text.qr_payload, _qr_box(text))
    return bytes(pdf.output())


def _raqm() -> bool:
    """Whether Pillow can shape and reorder text itself (Raqm with FriBiDi present)."""
    return bool(features.check_feature("raqm") and features.check_feature("fribidi"))


@cache
def _pil_font(key: str, size: int, face: int, raqm: bool) -> ImageFont.FreeTypeFont:
    """A Pillow font for a font key at a pixel size."""
    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(font_path(key), size=size, index=face, layout_engine=engine)


@cache
def _reshaper() -> Any:
    """An Arabic reshaper that keeps vowel marks (harakat), for Pillow without Raqm."""
    import arabic_reshaper  # type: ignore[import-untyped]

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def _visual(value: str, rtl: bool) -> str:
    """Text shaped (Arabic presentation forms) and put in visual order, for Pillow without Raqm."""
    from bidi import get_display  # type: ignore[import-untyped]

    shown = str(get_display(_reshaper().reshape(value), base_dir="R" if rtl else "L"))
    return "".join(char for char in shown if char not in _BIDI_MARKS)


@dataclass(frozen=True)
class _Pen:
    """What the PNG renderer needs to draw text: CJK face, direction and layout engine."""

    face: int
    rtl: bool
    raqm: bool
    order: tuple[str, ...]

    def font(self, key: str, size: float) -> ImageFont.FreeTypeFont:
        """The Pillow font for a key at a size in points."""
        pixels = max(1, round(size * _MM_PER_PT * _PX_PER_MM))
        return _pil_font(key, pixels, self.face if key == "cjk" else 0, self.raqm)

    def pieces(
        self, value: str, font: str, size: float
    ) -> list[tuple[ImageFont.FreeTypeFont, str]]:
        """(Pillow font, text) pieces of a line in drawing order, left to right."""
        runs = _runs(value, font, (font, *self.order))
        if not self.raqm:
            runs = [(key, _visual(part, self.rtl)) for key, part in runs]
        if self.rtl:
            runs.reverse()
        return [(self.font(key, size), part) for key, part in runs]

    def length(self, font: ImageFont.FreeTypeFont, value: str) -> float:
        """Advance width in pixels of a piece."""
        if self.raqm:
            return font.getlength(value, direction="rtl" if self.rtl else "ltr")
        return font.getlength(value)

    def measure(self, value: str, font: str, size: float) -> float:
        """A Measure: the width in mm of a line."""
        return sum(self.length(*piece) for piece in self.pieces(value, font, size)) / _PX_PER_MM

    def draw(self, draw: ImageDraw.ImageDraw, line: _Line) -> None:
        """Draw one line centred on its box."""
        pieces = self.pieces(line.text, line.font, line.size)
        x = line.centre * _PX_PER_MM - sum(self.length(*piece) for piece in pieces) / 2
        y = (line.top + line.height / 2) * _PX_PER_MM
        for font, part in pieces:
            direction = ("rtl" if self.rtl else "ltr") if self.raqm else None
            draw.text((x, y), part, font=font, fill=line.colour, anchor="lm", direction=direction)
            x += self.length(font, part)


def _png_frame(
    draw: ImageDraw.ImageDraw, width: float = PAGE_WIDTH, height: float = PAGE_HEIGHT
) -> None:
    """Draw the double frame around a page of `width` x `height` mm."""
    for inset, colour, line in _FRAME:
        pixels = max(1, round(line * _PX_PER_MM))
        box = [round(v * _PX_PER_MM) for v in (inset, inset, width - inset, height - inset)]
        draw.rectangle(box, outline=colour, width=pixels)


def _png_qr(draw: ImageDraw.ImageDraw, payload: str, box: tuple[float, float, float]) -> None:
    """Draw a QR code with whole-pixel modules, centred in its (left, top, side) mm box."""
    modules = _qr_modules(payload)
    left, top, side = (round(value * _PX_PER_MM) for value in box)
    unit = side // len(modules)
    left += (side - unit * len(modules)) // 2
    top += (side - unit * len(modules)) // 2
    for y, row in enumerate(modules):
        for x, length in _dark_runs(row):
            x0, y0 = left + x * unit, top + y * unit
            draw.rectangle([x0, y0, x0 + length * unit - 1, y0 + unit - 1], fill=(0, 0, 0))


def _render_image(text: CertificateText, raqm: bool) -> Image.Image:
    """The certificate as a Pillow image, with or without Raqm text layout."""
    pen = _Pen(_cjk_face(text.language), text.right_to_left, raqm, _font_order(text))
    image = Image.new("RGB", PNG_SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    _png_frame(draw)
    for line in _layout(text, pen.measure):
        pen.draw(draw, line)
    if text.qr_payload:
        _png_qr(draw, text.qr_payload, _qr_box(text))
    return image


def render_png(text: CertificateText) -> bytes:
    """A PNG preview (1600x1131) of the same certificate, QR code included."""
    buffer = io.BytesIO()
    with _PNG_LOCK:
        image = _render_image(text, _raqm())
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
