"""Page geometry shared by every printed page: house colours and frame, text styles, and
fields fitted (largest size, fewest lines) and stacked as centred lines in a box, in mm."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.printing.fonts import font_for
from bot.printing.text import Width, clean, ellipsize, wrap

__all__ = [
    "ACCENT",
    "FRAME",
    "GOLD",
    "INK",
    "LINE_SPACING",
    "MM_PER_PT",
    "MUTED",
    "PAPER",
    "Box",
    "Colour",
    "Line",
    "Measure",
    "Style",
    "fields",
    "fit",
    "stack",
]

MM_PER_PT = 25.4 / 72
LINE_SPACING = 1.4
"""Line height as a multiple of the font size."""

Colour = tuple[int, int, int]
ACCENT: Colour = (21, 76, 96)
GOLD: Colour = (181, 148, 88)
INK: Colour = (30, 30, 36)
MUTED: Colour = (88, 94, 102)
PAPER: Colour = (255, 255, 255)

FRAME: tuple[tuple[float, Colour, float], ...] = ((9.0, ACCENT, 1.0), (12.5, GOLD, 0.35))
"""The double frame: (inset mm, colour, line width mm), outer then inner."""

Box = tuple[float, float, float, float]
"""Left, top, right and bottom in mm."""

Measure = Callable[[str, str, float], float]
"""Width in mm of a text set in a font (by key) at a size in points."""


@dataclass(frozen=True, slots=True)
class Style:
    """How one field is set: size range in points, most lines, colour and space above in mm."""

    size: float
    min_size: float
    max_lines: int
    colour: Colour
    space: float


@dataclass(frozen=True, slots=True)
class Line:
    """One laid-out line: its text, font key, size in points, colour and box in mm."""

    text: str
    font: str
    size: float
    colour: Colour
    top: float
    height: float
    centre: float
    width: float


def fields(source: object, roles: Iterable[str]) -> list[tuple[str, str]]:
    """(role, cleaned value) of the non-empty attributes of `source` named by `roles`."""
    found = ((role, clean(getattr(source, role))) for role in roles)
    return [(role, value) for role, value in found if value]


def _sized(measure: Measure, font: str, size: float) -> Width:
    """A one-argument measure for a given font and size."""
    return lambda part: measure(part, font, size)


def fit(
    value: str, font: str, style: Style, width: float, measure: Measure
) -> tuple[float, list[str]]:
    """The largest size and fewest lines (up to the style's limit) at which `value` fits."""
    steps = 8
    sizes = [style.size - (style.size - style.min_size) * step / steps for step in range(steps + 1)]
    for count in range(1, style.max_lines + 1):
        for size in sizes:
            lines = wrap(value, width, _sized(measure, font, size))
            if len(lines) <= count:
                return size, lines
    sized = _sized(measure, font, style.min_size)
    return style.min_size, ellipsize(wrap(value, width, sized), style.max_lines, width, sized)


def stack(
    placed_fields: list[tuple[str, str]],
    styles: Mapping[str, Style],
    box: Box,
    order: tuple[str, ...],
    measure: Measure,
) -> list[Line]:
    """Lay fields out as centred lines, the whole stack centred vertically in `box`."""
    left, top, right, bottom = box
    width, centre = right - left, (left + right) / 2
    placed: list[tuple[Style, str, float, list[str], float]] = []
    for role, value in placed_fields:
        style, font = styles[role], font_for(value, order)
        size, lines = fit(value, font, style, width, measure)
        placed.append((style, font, size, lines, size * MM_PER_PT * LINE_SPACING))
    total = sum(style.space + len(lines) * height for style, _, _, lines, height in placed)
    y = top + max(0.0, (bottom - top - total) / 2)
    result: list[Line] = []
    for style, font, size, lines, height in placed:
        y += style.space
        for line in lines:
            result.append(Line(line, font, size, style.colour, y, height, centre, width))
            y += height
    return result
