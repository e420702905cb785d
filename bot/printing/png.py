"""PNG pages (Pillow): fonts at pixel sizes, a pen that sets laid-out lines (Raqm shaping, or
arabic-reshaper and python-bidi where Pillow has no Raqm), the frame and a QR code."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from bot.printing.fonts import cjk_face, font_order, font_path, runs
from bot.printing.layout import FRAME, MM_PER_PT, PAPER, Line
from bot.printing.qr import QrBox, dark_runs, qr_modules
from bot.printing.text import visual

if TYPE_CHECKING:  # Pillow is imported when a page is drawn, not when Beacon starts
    from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "PNG_LOCK",
    "PX_PER_MM",
    "Pen",
    "blank_page",
    "pil_font",
    "png_bytes",
    "png_frame",
    "png_qr",
    "raqm_available",
]

PX_PER_MM = 1600 / 297.0
"""About 137 dpi: an A4 landscape page 1600 pixels wide."""
PNG_LOCK = threading.Lock()
"""Held while drawing: cached Pillow fonts are shared, and FreeType faces are not thread-safe."""


def raqm_available() -> bool:
    """Whether Pillow can shape and reorder text itself (Raqm with FriBiDi present)."""
    from PIL import features

    return bool(features.check_feature("raqm") and features.check_feature("fribidi"))


@cache
def pil_font(key: str, size: int, face: int, raqm: bool) -> ImageFont.FreeTypeFont:
    """A Pillow font for a font key at a pixel size (use under PNG_LOCK)."""
    from PIL import ImageFont

    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(font_path(key), size=size, index=face, layout_engine=engine)


@dataclass(frozen=True)
class Pen:
    """What a PNG page needs to draw text: CJK face, direction, layout engine and font order."""

    face: int
    rtl: bool
    raqm: bool
    order: tuple[str, ...]

    @classmethod
    def for_language(cls, language: str, right_to_left: bool, raqm: bool) -> Pen:
        """The pen for a page in `language`."""
        return cls(cjk_face(language), right_to_left, raqm, font_order(language, right_to_left))

    def font(self, key: str, size: float) -> ImageFont.FreeTypeFont:
        """The Pillow font for a key at a size in points."""
        pixels = max(1, round(size * MM_PER_PT * PX_PER_MM))
        return pil_font(key, pixels, self.face if key == "cjk" else 0, self.raqm)

    def pieces(
        self, value: str, font: str, size: float
    ) -> list[tuple[ImageFont.FreeTypeFont, str]]:
        """(Pillow font, text) pieces of a line in drawing order, left to right."""
        found = runs(value, font, (font, *self.order))
        if not self.raqm:
            found = [(key, visual(part, self.rtl)) for key, part in found]
        if self.rtl:
            found.reverse()
        return [(self.font(key, size), part) for key, part in found]

    def length(self, font: ImageFont.FreeTypeFont, value: str) -> float:
        """Advance width in pixels of a piece."""
        if self.raqm:
            return font.getlength(value, direction="rtl" if self.rtl else "ltr")
        return font.getlength(value)

    def measure(self, value: str, font: str, size: float) -> float:
        """A Measure: the width in mm of a line."""
        return sum(self.length(*piece) for piece in self.pieces(value, font, size)) / PX_PER_MM

    def draw(self, draw: ImageDraw.ImageDraw, line: Line) -> None:
        """Draw one line centred on its box."""
        pieces = self.pieces(line.text, line.font, line.size)
        x = line.centre * PX_PER_MM - sum(self.length(*piece) for piece in pieces) / 2
        y = (line.top + line.height / 2) * PX_PER_MM
        for font, part in pieces:
            direction = ("rtl" if self.rtl else "ltr") if self.raqm else None
            draw.text((x, y), part, font=font, fill=line.colour, anchor="lm", direction=direction)
            x += self.length(font, part)


def blank_page(size: tuple[int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A white RGB image of `size` pixels and a drawing context on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, PAPER)
    return image, ImageDraw.Draw(image)


def png_frame(draw: ImageDraw.ImageDraw, width: float, height: float) -> None:
    """Draw the double frame around a page of `width` x `height` mm."""
    for inset, colour, line in FRAME:
        pixels = max(1, round(line * PX_PER_MM))
        box = [round(v * PX_PER_MM) for v in (inset, inset, width - inset, height - inset)]
        draw.rectangle(box, outline=colour, width=pixels)


def png_qr(draw: ImageDraw.ImageDraw, payload: str, box: QrBox) -> None:
    """Draw a QR code with whole-pixel modules, centred in its (left, top, side) mm box."""
    modules = qr_modules(payload)
    left, top, side = (round(value * PX_PER_MM) for value in box)
    unit = side // len(modules)
    left += (side - unit * len(modules)) // 2
    top += (side - unit * len(modules)) // 2
    for y, row in enumerate(modules):
        for x, length in dark_runs(row):
            x0, y0 = left + x * unit, top + y * unit
            draw.rectangle([x0, y0, x0 + length * unit - 1, y0 + unit - 1], fill=(0, 0, 0))


def png_bytes(image: Image.Image) -> bytes:
    """The image as an optimised PNG file."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
