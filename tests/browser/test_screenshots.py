"""Screenshots of the web chat's main screens at phone size (360x640), for docs/web.md. Every
run takes them and checks them; `--write-screenshots` writes them into docs/images/web."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.settings import PROJECT_ROOT
from bot.testing.browser import ARIZONA_CHILD, PHONE, BrowserBeacon, Guide

IMAGES = PROJECT_ROOT / "docs" / "images" / "web"
WEB_DOC = PROJECT_ROOT / "docs" / "web.md"
SHOTS = {
    "en": {
        "main-menu": [],
        "report-place": ["Report or get help"],
        "report-arizona-child": list(ARIZONA_CHILD[1:]),
    },
    "en-course": {
        "course": ["Learn the signs"],
        "course-question": ["Start with the knowledge check", "Start"],
        "about": ["Home", "About and privacy"],
    },
    "ar": {
        "ar-report-arizona-child": list(ARIZONA_CHILD),
    },
}  # fmt: skip
"""Screens by file name, each reached by the English labels after the one before it, in one
browser per key (its language before a dash)."""
COLOURS = 64
"""A screenshot is saved with this many colours: plenty for text on flat colours, and small."""


def small_png(shot: bytes) -> bytes:
    """Return a screenshot as a small paletted PNG."""
    image = Image.open(io.BytesIO(shot)).convert("RGB").quantize(colors=COLOURS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize("walk", SHOTS)
async def test_main_screens_at_phone_size(
    beacon: BrowserBeacon,
    shipped_content: Content,
    catalogs: Catalogs,
    walk: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """Each main screen is shot at 360x640 as the person sees it after the tap (the newest
    message below the bar); the picture is not blank, is small, and docs/web.md shows it."""
    write = bool(request.config.getoption("--write-screenshots"))
    folder = IMAGES if write else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    locale = walk.split("-", maxsplit=1)[0]
    user = await beacon.user(locale)
    guide = Guide(beacon, user, shipped_content, catalogs, locale)
    await guide.open()
    doc = WEB_DOC.read_text(encoding="utf-8")
    for name, labels in SHOTS[walk].items():
        for label in labels:
            assert await guide.tap(label) == user.seen, label
        await user.page.mouse.move(0, 0)  # no hover style where the last tap was
        png = small_png(await user.page.screenshot())
        (folder / f"{name}.png").write_bytes(png)
        image = Image.open(io.BytesIO(png))
        assert image.size == (PHONE["width"], PHONE["height"])
        assert len(image.getcolors(COLOURS) or []) > 4, f"{name} is blank"
        assert len(png) < 60_000, f"{name} is {len(png)} bytes"
        assert f"images/web/{name}.png" in doc, f"docs/web.md does not show {name}.png"


def test_docs_show_only_screenshots_the_suite_takes() -> None:
    """Every screenshot docs/web.md shows is committed and is one the suite takes."""
    taken = {name for shots in SHOTS.values() for name in shots}
    shown = set(re.findall(r"images/web/([a-z-]+)\.png", WEB_DOC.read_text(encoding="utf-8")))
    assert shown == taken
    assert {path.stem for path in IMAGES.glob("*.png")} == taken
