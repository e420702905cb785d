"""bot.printing: a leaf utility with a public surface, no module of bot reaching into another's
private names, and PDF pages that close their font files."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.printing.fonts import FONTS, font_for, font_order, font_path, fonts_needed, runs
from bot.printing.layout import INK, Style, stack
from bot.printing.pdf import new_pdf, pdf_bytes, pdf_measure
from bot.printing.qr import dark_runs, qr_modules, qr_rectangles
from bot.printing.text import clean, ellipsize, visual, wrap
from bot.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from fpdf import FPDF

BOT = PROJECT_ROOT / "bot"


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under bot/."""
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of bot."""
    path = PROJECT_ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_from(node: ast.ImportFrom, path: Path) -> str:
    """Return the absolute module an `from X import ...` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def private(name: str) -> bool:
    """Whether a name is private by convention (one leading underscore, not a dunder)."""
    return name.startswith("_") and not name.startswith("__")


def private_reaches(source: str, path: Path) -> Iterator[str]:
    """Each use, in the source of the file at `path`, of another bot module's private name:
    `from X import _y`, or `X._y` where X names a bot module."""
    tree = ast.parse(source)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = imported_from(node, path)
            for alias in node.names:
                if private(alias.name) and source.split(".")[0] == "bot":
                    yield f"{path}:{node.lineno}: from {source} import {alias.name}"
                if is_module(f"{source}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname for alias in node.names if alias.asname and is_module(alias.name)
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and private(node.attr)
        ):
            yield f"{path}:{node.lineno}: {node.value.id}.{node.attr}"


def test_no_module_of_bot_uses_another_modules_private_names() -> None:
    """A module shares what others need under a public name (bot.printing for the pages)."""
    found = [
        reach
        for path in sorted(BOT.rglob("*.py"))
        for reach in private_reaches(path.read_text(encoding="utf-8"), path)
    ]
    assert found == []


def test_the_scan_catches_a_private_import() -> None:
    """The scan above can fail: it sees `from X import _y` and `X._y` on a bot module."""
    sample = BOT / "printing" / "sample_for_scan.py"
    source = (
        "from bot.certificates.render import _layout\n"
        "from bot.certificates import render\n"
        "render._Pen\n"
        "from .text import _reshaper\n"
    )
    found = [line.split(": ", 1)[1] for line in private_reaches(source, sample)]
    assert found == [
        "from bot.certificates.render import _layout",
        "from bot.printing.text import _reshaper",
        "render._Pen",
    ]


def test_printing_imports_no_other_part_of_bot() -> None:
    """bot.printing is a leaf: the feature packages build on it, never the other way round."""
    outside = [
        f"{path.name}: {name}"
        for path in sorted((BOT / "printing").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [imported_from(node, path)]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
        )
        if name.split(".")[0] == "bot" and not name.startswith("bot.printing")
    ]
    assert outside == []


def test_fonts_follow_the_language_and_split_what_one_font_lacks() -> None:
    """Chinese prefers CJK, Arabic the Arabic font; a mixed line splits into runs per font."""
    assert font_order("zh_Hans", False)[0] == "cjk"
    assert font_order("fa", False)[0] == font_order("en", True)[0] == "arabic"
    assert font_order("en", False) == ("latin", "arabic", "cjk")
    order = font_order("en", False)
    assert font_for("Jane Doe", order) == "latin"
    assert runs("Jane 李", "latin", order) == [("latin", "Jane "), ("cjk", "李")]
    assert fonts_needed(["Jane", "محمد"], order) == ("latin", "arabic")
    assert fonts_needed([], order) == ("latin",)


def test_text_is_cleaned_wrapped_and_cut_with_an_ellipsis() -> None:
    """Lines break at spaces and between CJK characters; the last kept line ends in `…`."""
    assert clean(" a\u00ad\n b\u200f ") == "a b\u200f"
    assert wrap("one two three", 7, len) == ["one two", "three"]
    assert wrap("结业证书", 2, len) == ["结业", "证书"]
    assert wrap("abcdefgh", 3, len) == ["abc", "def", "gh"]
    assert ellipsize(["one two", "three"], 1, 7, len) == ["one tw…"]
    assert visual("محمد", rtl=True) != "محمد"


def test_a_stack_is_centred_in_its_box() -> None:
    """Fields are centred lines, the stack centred vertically, shrunk before it wraps."""
    styles = {"a": Style(10, 5, 2, INK, 0), "b": Style(10, 5, 1, INK, 2)}
    lines = stack([("a", "x" * 12), ("b", "y")], styles, (0, 0, 100, 100), ("latin",), width)
    assert [line.text for line in lines] == ["x" * 12, "y"]
    assert lines[0].size < 10 and lines[1].size == 10
    assert all(line.centre == 50 and line.width == 100 for line in lines)
    assert abs(lines[0].top - (100 - lines[-1].top - lines[-1].height)) < 1e-9


def width(value: str, font: str, size: float) -> float:
    """A Measure for tests: each character is `size` mm wide."""
    return len(value) * size


def test_qr_rectangles_cover_exactly_the_dark_modules() -> None:
    """Each dark run is one rectangle in the box; light modules are left blank."""
    modules = qr_modules("https://t.me/beacon_test_bot?start=x")
    rectangles = list(qr_rectangles("https://t.me/beacon_test_bot?start=x", (10, 20, 42)))
    unit = 42 / len(modules)
    assert len(rectangles) == sum(len(list(dark_runs(row))) for row in modules)
    assert round(sum(w * h for _, _, w, h in rectangles) / unit**2) == sum(map(sum, modules))
    assert all(10 <= x < x + w <= 52 + 1e-9 and 20 <= y <= 62 for x, y, w, _ in rectangles)
    assert list(dark_runs([True, True, False, True])) == [(0, 2), (3, 1)]


def open_font_files() -> int:
    """Count the bundled font files this process holds open."""
    fonts = {str(font_path(key)) for key in FONTS}
    found = 0
    for fd in Path("/proc/self/fd").iterdir():
        with suppress(OSError):  # closed while listed
            found += os.readlink(fd) in fonts
    return found


def page(fonts: Sequence[str]) -> AbstractContextManager[FPDF]:
    """Open an Arabic A4 page with `fonts` loaded."""
    return new_pdf("P", title="t", subject="s", language="ar", right_to_left=True, fonts=fonts)


def test_a_pdf_page_closes_its_font_files_written_dropped_or_failed() -> None:
    """fpdf2 closes font files only when it writes the file: `new_pdf` closes them on leaving
    too, so a page only measured, or one that failed, keeps no file open."""
    before = open_font_files()
    with page(("latin", "arabic")) as pdf:
        assert open_font_files() == before + 2
        assert pdf_measure(pdf)("سلام", "arabic", 12) > 0
    assert open_font_files() == before
    with pytest.raises(ValueError), page(("latin",)):
        raise ValueError("drawing failed")
    assert open_font_files() == before
    with page(("latin",)) as pdf:
        assert pdf_bytes(pdf).startswith(b"%PDF")
    assert open_font_files() == before
