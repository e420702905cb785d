"""What an employer can download: a CSV of completions and a PNG chart by department.

The CSV has one row per completed member and exactly the columns the consent screen names,
every cell quoted and none a spreadsheet would run as a formula. The chart draws each
department's completion as the range its enrolled band allows; a department with under 5
enrolled reads "<5" and one withheld "–", without a bar.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.suppression import SMALL, WITHHELD
from bot.orgs.stats import Department, Figures, Member
from bot.printing.fonts import CJK_SIMPLIFIED_FACE, font_for
from bot.printing.png import PNG_LOCK, blank_page, pil_font, png_bytes
from bot.printing.text import visual

if TYPE_CHECKING:  # Pillow is imported when a chart is drawn (bot.printing.png)
    from PIL import Image, ImageDraw, ImageFont

CSV_COLUMNS = ("department", "employee_id", "completion_date", "certificate_code")
FORMULA = frozenset("=+-@\t\r")
"""Characters a spreadsheet may read as the start of a formula."""
SEPARATORS = frozenset(",;\t|\r\n")
"""Characters a spreadsheet may split a line into cells on (it may ignore our quoting)."""
LEADING = frozenset('" ')
"""Characters a spreadsheet may skip at the start of a cell."""


def safe_cell(value: str) -> str:
    """Return a cell no spreadsheet will run as a formula: a ' goes before a formula character
    at the start or after any separator (quotes and spaces in between are skipped)."""
    out: list[str] = []
    opens = True
    for char in value:
        if opens and char in FORMULA:
            out.append("'")
        out.append(char)
        opens = char in SEPARATORS or (opens and char in LEADING)
    return "".join(out)


def completions_csv(departments: Sequence[Department], members: Sequence[Member]) -> str:
    """Return the CSV: one row per completed member, by department, then date, then id."""
    names = {d.id: d.name for d in departments}
    rows = sorted(
        (
            (
                names.get(m.department_id, ""),
                m.employee_id or "",
                m.completed_at.date().isoformat(),
                m.certificate_code or "",
            )
            for m in members
            if m.completed_at is not None
        ),
        key=lambda row: (row[0], row[2], row[1]),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ChartText:
    """The chart's words, already in the reader's language."""

    title: str
    target: str
    """The target line's label, such as "Target 90%"."""
    note: str = ""
    """A line under the chart on how to read its bars."""
    suppressed: str = SMALL


WIDTH = 1200
ROW = 56
TOP = 110
BOTTOM = 112
LABEL_WIDTH = 360
RIGHT_MARGIN = 130
INK = (30, 30, 36)
MUTED = (110, 116, 124)
BAR = (21, 76, 96)
RANGE = (158, 196, 209)
"""The lighter extension of a bar: from the lowest to the highest percentage possible."""
TARGET = (181, 80, 60)
PAPER = (255, 255, 255)
GRID = (225, 228, 232)
ORDER = ("latin", "arabic", "cjk")


def _font(key: str, size: int) -> ImageFont.FreeTypeFont:
    """Return a bundled Noto font at a size (simplified Chinese forms for CJK), laid out as
    given: Arabic comes already shaped and in visual order (see `display_text`)."""
    return pil_font(key, size, CJK_SIMPLIFIED_FACE if key == "cjk" else 0, raqm=False)


def display_text(value: str) -> str:
    """Return text as the chart draws it: Arabic joined and put right to left, else as is."""
    if any("\u0600" <= char <= "\u06ff" for char in value):
        return visual(value, rtl=True)
    return value


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    value: str,
    size: int,
    fill: tuple[int, int, int],
    anchor: str = "la",
    behind: tuple[int, int, int] | None = None,
) -> None:
    """Draw a line in the first bundled font that has all of its characters; `behind` fills
    its box first, so a line under it does not run through the text."""
    font = _font(font_for(value, ORDER), size)
    value = display_text(value)
    if behind is not None:
        left, top, right, bottom = draw.textbbox(xy, value, font=font, anchor=anchor)
        draw.rectangle([(left - 4, top - 2), (right + 4, bottom + 2)], fill=behind)
    draw.text(xy, value, font=font, fill=fill, anchor=anchor)


def _fit(value: str, size: int, width: int) -> str:
    """Return `value`, cut with an ellipsis to fit `width` pixels."""
    font = _font(font_for(value, ORDER), size)
    if font.getlength(value) <= width:
        return value
    while value and font.getlength(value + "…") > width:
        value = value[:-1]
    return value + "…"


def _wrap(value: str, size: int, width: int, most: int = 2) -> list[str]:
    """Return `value` in at most `most` lines of `width` pixels, broken at spaces (or anywhere
    in text without spaces), the last cut with an ellipsis if need be."""
    font = _font(font_for(value, ORDER), size)
    spaced = " " in value.strip()
    pieces = value.split(" ") if spaced else list(value)
    joiner = " " if spaced else ""
    lines: list[str] = []
    for piece in pieces:
        if lines and font.getlength(lines[-1] + joiner + piece) <= width:
            lines[-1] += joiner + piece
        else:
            lines.append(piece)
    if len(lines) > most:
        lines = [*lines[: most - 1], _fit(joiner.join(lines[most - 1 :]), size, width)]
    return [line for line in lines if line]


def completion_chart(departments: Sequence[Figures], target_percent: int, text: ChartText) -> bytes:
    """Return a PNG of completion % by department (of those enrolled), with the target line:
    each bar is dark to the lowest percentage the enrolled band allows and light to the
    highest, labelled with that range."""
    with PNG_LOCK:
        image = _draw_chart(departments, target_percent, text)
    return png_bytes(image)


def _draw_chart(
    departments: Sequence[Figures], target_percent: int, text: ChartText
) -> Image.Image:
    """Draw the chart (under PNG_LOCK: the fonts are shared)."""
    height = TOP + BOTTOM + ROW * max(len(departments), 1)
    image, draw = blank_page((WIDTH, height))
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN
    span = right - left
    _text(draw, (40, 30), _fit(text.title, 34, WIDTH - 80), 34, INK)
    bottom = height - BOTTOM
    for tick in range(0, 101, 25):
        x = left + span * tick // 100
        draw.line([(x, TOP - 10), (x, bottom)], fill=GRID, width=2)
        _text(draw, (x, bottom + 12), f"{tick}%", 20, MUTED, anchor="ma")
    for line, words in enumerate(_wrap(text.note, 18, WIDTH - 80)):
        _text(draw, (40, bottom + 48 + 26 * line), words, 18, MUTED)
    labels: list[tuple[tuple[int, int], str]] = []
    for index, figures in enumerate(departments):
        top = TOP + ROW * index
        middle = top + ROW // 2
        _text(draw, (40, middle), _fit(figures.name, 24, LABEL_WIDTH - 60), 24, INK, anchor="lm")
        share = figures.share
        if share is None:
            mark = WITHHELD if "enrolled" in figures.withheld else text.suppressed
            _text(draw, (left + 10, middle), mark, 24, MUTED, anchor="lm")
            continue
        low, high = (left + span * min(p, 100) // 100 for p in share)
        if high > low:
            draw.rectangle([(low, top + 10), (high, top + ROW - 10)], fill=RANGE)
        if low > left:
            draw.rectangle([(left, top + 10), (low, top + ROW - 10)], fill=BAR)
        labels.append(((high + 10, middle), figures.share_text or ""))
    x = left + span * min(target_percent, 100) // 100
    draw.line([(x, TOP - 20), (x, bottom)], fill=TARGET, width=4)
    _text(draw, (x, TOP - 24), text.target, 20, TARGET, anchor="md")
    for at, label in labels:
        _text(draw, at, label, 22, INK, anchor="lm", behind=PAPER)
    return image
