"""`python -m bot campaign create|stats`: the poster in PDF, PNG and SVG carries exactly the
campaign's link (its QR codes decode to it), the call to action in the chosen language, what
Beacon is not and the emergency line; stats show every count under 5 as "<5"."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from bot.campaigns.poster import (
    NOT_A_HOTLINE,
    REPORT_LINE,
    SCAN,
    TITLE,
    PosterText,
    deep_link,
    poster_text,
    render_pdf,
    render_png,
    render_svg,
)
from bot.campaigns.registry import CampaignSpec
from bot.certificates.render import missing_glyphs
from bot.cli import main
from bot.content.bundle import Content
from bot.core import texts
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from tests.conftest import TODAY

LINK = "https://t.me/BeaconTestBot?start=report-fair-es"
SPANISH_EMERGENCY = "Si alguien está en peligro inmediato, llame ahora al 911."
"""The existing safety text, translated in the shipped Spanish catalog."""


def compact(text: str) -> str:
    """Text without whitespace or format marks, NFKC-normalised, for comparing extracted text."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKC", text)
        if not char.isspace() and unicodedata.category(char) not in {"Cc", "Cf"}
    )


def pdf_text(data: bytes) -> str:
    """The text pypdf extracts from a one-page PDF."""
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def pdf_page_image(data: bytes) -> Image.Image:
    """The PDF's page rasterised by PDFium, 1240 pixels wide."""
    page = pypdfium2.PdfDocument(data)[0]
    image: Image.Image = page.render(scale=1240 / page.get_width()).to_pil()
    return image


def qr_texts(image: Image.Image) -> list[str]:
    """The text of every QR code found in an image."""
    found = zxingcpp.read_barcodes(image)
    return [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch directory as the working directory, with its own SQLite database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}")
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    return tmp_path


def test_create_writes_a_spanish_poster_whose_codes_open_the_link(
    workdir: Path, catalogs: Catalogs, capsys: pytest.CaptureFixture[str]
) -> None:
    """`campaign create fair --entry report --locale es` prints the link and writes the poster."""
    args = ["campaign", "create", "fair", "--entry", "report", "--locale", "es"]
    assert main([*args, "--bot", "@BeaconTestBot", "--out", "posters"]) == 0
    out = capsys.readouterr().out
    assert LINK in out.splitlines()
    pdf = (workdir / "posters" / "fair.pdf").read_bytes()
    png = (workdir / "posters" / "fair.png").read_bytes()
    svg = (workdir / "posters" / "fair.svg").read_bytes()

    assert qr_texts(pdf_page_image(pdf)) == [LINK]
    image = Image.open(io.BytesIO(png))
    assert image.size == (1131, 1600)  # A4 portrait
    assert qr_texts(image) == [LINK]

    spanish = Renderer(catalogs.translator("es"), "es")
    extracted = compact(pdf_text(pdf))
    assert compact(SPANISH_EMERGENCY) in extracted
    for msg in (TITLE, REPORT_LINE, SCAN, NOT_A_HOTLINE):  # English until the lead translates
        assert compact(spanish.text(msg)) in extracted, msg.text
    assert compact(LINK) in extracted
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait

    root = ElementTree.fromstring(svg)
    words = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert compact(LINK) in compact(words) and compact(SPANISH_EMERGENCY) in compact(words)
    assert root.get("width") == "210mm" and root.get("height") == "297mm"

    capsys.readouterr()
    assert main(["campaign", "stats"]) == 0
    assert "fair: opens report in es" in capsys.readouterr().out


@pytest.mark.parametrize("language", ["ar", "zh_Hans", "vi", "tl", "en"])
def test_posters_in_every_script_draw_every_glyph_and_decode(
    shipped_content: Content, catalogs: Catalogs, language: str
) -> None:
    """Arabic, Chinese, Vietnamese, Tagalog and English posters: glyphs all drawn, QR decodes."""
    spec = CampaignSpec("fair", "labor", language)
    link = deep_link("BeaconTestBot", spec)
    text = poster_text(
        shipped_content, spec, link, Renderer(catalogs.translator(language), language)
    )
    for value in (text.title, text.subtitle, text.scan, text.not_a_hotline, text.emergency):
        assert missing_glyphs(value) == ""
    assert "911" in text.emergency
    assert qr_texts(pdf_page_image(render_pdf(text))) == [link]
    assert qr_texts(Image.open(io.BytesIO(render_png(text)))) == [link]
    assert link.encode() in render_svg(text)


def test_the_emergency_line_follows_the_default_place(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """A deployment in the United Kingdom prints 999; one with no known place, the generic line."""
    from dataclasses import replace

    english = Renderer(catalogs.translator("en"), "en")
    spec = CampaignSpec("fair", "report")
    uk = poster_text(replace(shipped_content, default_place="GB"), spec, "x", english)
    assert uk.emergency == "If anyone is in immediate danger, call 999 now."
    nowhere = poster_text(replace(shipped_content, default_place="ZZ"), spec, "x", english)
    assert nowhere.emergency == texts.EMERGENCY_UNKNOWN.text


def test_the_same_poster_gives_the_same_pdf() -> None:
    """Rendering is deterministic."""
    text = PosterText("T", "S", "Scan", LINK, "N", "E", "en", False)
    assert render_pdf(text) == render_pdf(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad-Name", "--entry", "report", "--bot", "BeaconTestBot"], "use 1-24 of a-z"),
        (["fair", "--entry", "nope", "--bot", "BeaconTestBot"], "is no dialogue tree"),
        (["fair", "--entry", "report", "--locale", "xx", "--bot", "BeaconTestBot"], "not shipped"),
        (["fair", "--entry", "report"], "pass --bot USERNAME or set BOT_USERNAME"),
        (["fair", "--entry", "report", "--bot", "no"], "is not a bot username"),
    ],
)
def test_create_refuses_what_it_cannot_make(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A bad name, entry, language or bot username is named, and nothing is written."""
    assert main(["campaign", "create", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (workdir / "fair.pdf").exists()


def test_bot_username_setting_and_a_taken_name(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """BOT_USERNAME gives the link; the same campaign again is fine, another entry is refused."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert main(["campaign", "create", "hall", "--entry", "learn"]) == 0
    assert "https://t.me/BeaconTestBot?start=learn-hall" in capsys.readouterr().out
    assert main(["campaign", "create", "hall", "--entry", "learn"]) == 0
    assert "already registered" in capsys.readouterr().out
    assert main(["campaign", "create", "hall", "--entry", "report"]) == 1
    assert "already opens 'learn'" in capsys.readouterr().err


def test_stats_show_every_count_under_five_as_less_than_five(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Totals and per-day counts: 7 and 12 print as numbers; 1, 2, 3 and 4 never do."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert main(["campaign", "create", "fair", "--entry", "report"]) == 0
    today = TODAY
    yesterday = today - dt.timedelta(days=1)
    with sqlite3.connect(workdir / "beacon.db") as db:
        db.executemany(
            "INSERT INTO campaign_counts (campaign, metric, day, count) VALUES (?, ?, ?, ?)",
            [
                ("fair", "start", today.isoformat(), 4),
                ("fair", "start", yesterday.isoformat(), 3),
                ("fair", "resource_viewed", today.isoformat(), 12),
                ("fair", "exit", today.isoformat(), 2),
                ("fair", "module_finished", yesterday.isoformat(), 1),
            ],
        )
    capsys.readouterr()
    assert main(["campaign", "stats", "fair", "--days", "2", "--today", str(today)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "  start            7" in lines
    assert "  resource_viewed  12" in lines
    assert "  exit             <5" in lines and "  module_finished  <5" in lines
    day_lines = [line for line in lines if line.strip().startswith(str(today.year))]
    assert len(day_lines) == 2
    assert day_lines[1].split() == [today.isoformat(), "<5", "<5", "12", "<5"]
    numbers = [int(token) for token in out.replace(",", "").split() if token.isdigit()]
    assert numbers and all(n >= 5 for n in numbers), numbers
    assert "Counts under 5 are shown as <5" in out
    assert main(["campaign", "stats", "nope"]) == 1
