"""Bundled fonts per script: where each font file is, which characters it has, and which
font sets a given text.

Fonts come from PyPI packages (SIL OFL 1.1): Noto Sans (Latin, Vietnamese, Greek, Cyrillic),
Noto Sans Arabic and Noto Sans CJK. A line is set in the first font, in the page language's
order, that has every character; a line no single font covers is split into runs, each in the
first font that has its characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

from bot.printing.text import clean, visible

__all__ = [
    "ARABIC_SCRIPT_LANGUAGES",
    "CJK_SIMPLIFIED_FACE",
    "FONTS",
    "cjk_face",
    "coverage",
    "font_for",
    "font_for_char",
    "font_order",
    "font_path",
    "fonts_needed",
    "language_key",
    "missing_glyphs",
    "runs",
]

FONTS = {
    "latin": ("fontpkg_noto_sans", "files/NotoSans[wdth,wght].ttf"),
    "arabic": ("fontpkg_noto_sans_arabic", "files/NotoSansArabic[wdth,wght].ttf"),
    "cjk": ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),
}
"""Font key: (PyPI package, file inside it)."""
_CJK_FACES = {"ja": 0, "ko": 1, "zh_hant": 3, "zh_tw": 3, "zh_hk": 4, "zh_mo": 4}
CJK_SIMPLIFIED_FACE = 2
"""The face of the Noto Sans CJK collection with simplified Chinese forms (the default)."""
ARABIC_SCRIPT_LANGUAGES = frozenset({"ar", "fa", "ur", "ps", "ckb", "sd", "ug"})


def language_key(language: str) -> str:
    """A locale code lower-cased with `_` separators: "zh-Hans" becomes "zh_hans"."""
    return language.replace("-", "_").lower()


def font_order(language: str, right_to_left: bool) -> tuple[str, ...]:
    """Font keys in order of preference for a page in `language`."""
    base = language_key(language).split("_")[0]
    if base in {"zh", "ja", "ko"}:
        return ("cjk", "latin", "arabic")
    if right_to_left or base in ARABIC_SCRIPT_LANGUAGES:
        return ("arabic", "latin", "cjk")
    return ("latin", "arabic", "cjk")


def cjk_face(language: str) -> int:
    """The face of the Noto Sans CJK collection whose glyph forms suit the language."""
    key = language_key(language)
    return _CJK_FACES.get(key, _CJK_FACES.get(key.split("_")[0], CJK_SIMPLIFIED_FACE))


def font_path(key: str) -> Path:
    """The font file of a font key ("latin", "arabic" or "cjk") inside its PyPI package."""
    package, name = FONTS[key]
    try:
        path = Path(str(files(package).joinpath(name)))
    except ModuleNotFoundError as error:
        raise FileNotFoundError(f"font package {package} is not installed") from error
    if not path.is_file():
        raise FileNotFoundError(f"{name} is missing from font package {package}")
    return path


@cache
def coverage(key: str) -> frozenset[int]:
    """The code points a font has glyphs for."""
    import uharfbuzz  # type: ignore[import-untyped]  # imported when text is drawn

    blob = uharfbuzz.Blob.from_file_path(str(font_path(key)))
    face = uharfbuzz.Face(blob, CJK_SIMPLIFIED_FACE if key == "cjk" else 0)
    return frozenset(face.unicodes)


def font_for_char(char: str, order: tuple[str, ...]) -> str | None:
    """The first font in `order` with a glyph for `char`, else None."""
    return next((key for key in order if ord(char) in coverage(key)), None)


def font_for(value: str, order: tuple[str, ...]) -> str:
    """The first font in `order` that has every character of `value`, else the first one."""
    needed = {ord(char) for char in value if visible(char)}
    return next((key for key in order if needed <= coverage(key)), order[0])


def runs(value: str, font: str, order: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split a line into (font, text) runs in logical order, each run drawable by its font."""
    found: list[tuple[str, str]] = []
    current, start = font, 0
    for index, char in enumerate(value):
        wanted = current
        if visible(char) and ord(char) not in coverage(current):
            wanted = font_for_char(char, (font, *order)) or current
        if wanted != current:
            found.append((current, value[start:index]))
            current, start = wanted, index
    found.append((current, value[start:]))
    return [(key, part) for key, part in found if part]


def fonts_needed(values: Iterable[str], order: tuple[str, ...]) -> tuple[str, ...]:
    """The font keys lines of `values` are set in, in order of preference (at least one)."""
    needed = set[str]()
    for value in values:
        needed.update(key for key, _ in runs(value, font_for(value, order), order))
    return tuple(key for key in order if key in needed) or order[:1]


def missing_glyphs(value: str) -> str:
    """The characters of `value` that no bundled font can draw (sorted, each once)."""
    order = tuple(FONTS)
    return "".join(
        sorted({char for char in clean(value) if visible(char) and not font_for_char(char, order)})
    )
