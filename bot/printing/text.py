"""Text before it is set: cleaning to one line, greedy line breaking with an ellipsis, and
Arabic shaping plus bidi reordering for Pillow without Raqm (arabic-reshaper, python-bidi).

Shaping proper is HarfBuzz's in the PDF (fpdf2) and Raqm's in the PNG where Pillow has it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

__all__ = ["BIDI_MARKS", "Width", "clean", "ellipsize", "visible", "visual", "wrap"]

_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
BIDI_MARKS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Directional marks, embeddings, overrides and isolates."""
_KEEP_FORMAT = BIDI_MARKS | frozenset("\u200c\u200d")

Width = Callable[[str], float]
"""Width of a text in one font at one size."""


def visible(char: str) -> bool:
    """Whether a character needs a glyph (not a space, control or invisible format mark)."""
    return unicodedata.category(char)[0] not in "ZC"


def clean(value: str) -> str:
    """NFC text on one line: controls and format marks but bidi and joiner marks dropped, runs of
    spaces collapsed."""
    kept = (
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char
        for char in unicodedata.normalize("NFC", value)
        if unicodedata.category(char) != "Cf" or char in _KEEP_FORMAT
    )
    return " ".join("".join(kept).split())


def _split_token(token: str, width: float, measure: Width) -> Iterator[str]:
    """Break a token wider than `width` into pieces that each fit (at least one character)."""
    piece = ""
    for char in token:
        if piece and measure(piece + char) > width:
            yield piece
            piece = ""
        piece += char
    if piece:
        yield piece


def wrap(value: str, width: float, measure: Width) -> list[str]:
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


def ellipsize(lines: list[str], count: int, width: float, measure: Width) -> list[str]:
    """Keep `count` lines, ending the last with an ellipsis that fits."""
    last = lines[count - 1]
    while last and measure(last + "…") > width:
        last = last[:-1]
    return [*lines[: count - 1], last.rstrip() + "…"]


@cache
def _reshaper() -> Any:
    """An Arabic reshaper that keeps vowel marks (harakat), for Pillow without Raqm."""
    import arabic_reshaper  # type: ignore[import-untyped]

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def visual(value: str, rtl: bool) -> str:
    """Text shaped (Arabic presentation forms) and put in visual order, for Pillow without Raqm."""
    from bidi import get_display  # type: ignore[import-untyped]

    shown = str(get_display(_reshaper().reshape(value), base_dir="R" if rtl else "L"))
    return "".join(char for char in shown if char not in BIDI_MARKS)
