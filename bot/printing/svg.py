"""SVG pages in mm: the page and its frame, laid-out lines left for the viewer to shape (Noto
fonts named), and a QR code as one path."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from bot.printing.layout import FRAME, MM_PER_PT, PAPER, Colour, Line
from bot.printing.qr import QrBox, qr_rectangles

__all__ = ["FONT_FAMILY", "hex_colour", "svg_bytes", "svg_frame", "svg_line", "svg_page", "svg_qr"]

FONT_FAMILY = "'Noto Sans', 'Noto Sans Arabic', 'Noto Sans CJK SC', sans-serif"


def hex_colour(colour: Colour) -> str:
    """Return a colour as `#rrggbb`."""
    return "#{:02x}{:02x}{:02x}".format(*colour)


def svg_page(width: float, height: float, language: str, title: str) -> list[str]:
    """The opening elements of a `width` x `height` mm page: header, title, white paper."""
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" '
        f'height="{height:g}mm" viewBox="0 0 {width:g} {height:g}" '
        f"lang={quoteattr(language.replace('_', '-'))}>",
        f"<title>{escape(title)}</title>",
        f'<rect width="{width:g}" height="{height:g}" fill="{hex_colour(PAPER)}"/>',
    ]


def svg_frame(width: float, height: float) -> list[str]:
    """The double frame around a page of `width` x `height` mm."""
    out = []
    for inset, colour, line in FRAME:
        size = f'width="{width - 2 * inset:g}" height="{height - 2 * inset:g}"'
        out.append(
            f'<rect x="{inset:g}" y="{inset:g}" {size} fill="none" '
            f'stroke="{hex_colour(colour)}" stroke-width="{line:g}"/>'
        )
    return out


def svg_line(line: Line, right_to_left: bool) -> str:
    """A laid-out line as a `<text>` centred on its box."""
    direction = "rtl" if right_to_left else "ltr"
    return (
        f'<text x="{line.centre:.2f}" y="{line.top + line.height / 2:.2f}" '
        f'font-size="{line.size * MM_PER_PT:.2f}" font-family="{FONT_FAMILY}" '
        f'fill="{hex_colour(line.colour)}" text-anchor="middle" dominant-baseline="central" '
        f'direction="{direction}">{escape(line.text)}</text>'
    )


def svg_qr(payload: str, box: QrBox) -> str:
    """A QR code as one black path of dark runs in a (left, top, side) mm box."""
    steps = [
        f"M{left:.3f} {top:.3f}h{width:.3f}v{height:.3f}h{-width:.3f}z"
        for left, top, width, height in qr_rectangles(payload, box)
    ]
    return f'<path fill="#000000" d="{"".join(steps)}"/>'


def svg_bytes(elements: list[str]) -> bytes:
    """The finished SVG file: `elements` closed by `</svg>`, one a line, UTF-8."""
    return ("\n".join([*elements, "</svg>"]) + "\n").encode("utf-8")
