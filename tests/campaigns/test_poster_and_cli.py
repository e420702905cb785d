"""`python -m bot campaign create|stats`: the poster in PDF, PNG and SVG carries exactly the
campaign's link (its QR codes decode to it: the web link when there is one, else Telegram's),
the address written out, the call to action in the chosen language, what Beacon is not, the
emergency number and the national hotline, and fits its page in every shipped language;
`--channel` chooses the links from PUBLIC_URL and the bot; stats show every count as a band of
five, and no two printouts together give a day's count away."""

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

from bot.campaigns import cli as campaign_cli
from bot.campaigns import poster
from bot.campaigns.poster import (
    NOT_A_HOTLINE,
    REPORT_LINE,
    SCAN,
    SCAN_WEB,
    TITLE,
    PosterText,
    deep_link,
    poster_text,
    render_pdf,
    render_png,
    render_svg,
    web_link,
)
from bot.campaigns.registry import CampaignSpec
from bot.certificates.render import missing_glyphs
from bot.cli import parser
from bot.content.bundle import Content
from bot.core import texts
from bot.i18n.catalogs import Catalogs
from bot.printing.png import PNG_LOCK, Pen, raqm_available
from bot.service.render import Renderer
from bot.settings import load_settings
from bot.testing.campaign_reading import Printout, possible, read
from bot.testing.clocks import ManualClock

LINK = "https://t.me/BeaconTestBot?start=report-fair-es"
PUBLIC_URL = "https://beacon.example.org"
WEB_LINK = "https://beacon.example.org/c/fair"
SHORT = "beacon.example.org/c/fair"
NHTH = "1-888-373-7888"
"""The national hotline of the United States (the shipped DEFAULT_PLACE is Arizona)."""
SPANISH_EMERGENCY = "Si alguien está en peligro inmediato, llame ahora al 911."
"""The existing safety text, translated in the shipped Spanish catalog."""
CREATED = dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)
"""When the tests' campaigns are created (a fixed time: no test reads the wall clock)."""


def campaign(*args: str, clock: ManualClock | None = None) -> int:
    """Run `python -m bot campaign ARGS` with settings from the environment, at the clock's
    time (CREATED unless given)."""
    arguments = parser().parse_args(["campaign", *args])
    return campaign_cli.run(load_settings(), arguments, clock or ManualClock(CREATED))


def on(day: dt.date) -> ManualClock:
    """Return a clock at noon UTC on a day."""
    return ManualClock(dt.datetime.combine(day, dt.time(12), dt.UTC))


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
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    return tmp_path


def poster_files(workdir: Path, name: str = "fair") -> tuple[bytes, bytes, bytes]:
    """Return the PDF, PNG and SVG a `create` wrote for a campaign."""
    pdf, png, svg = (
        (workdir / f"{name}.{suffix}").read_bytes() for suffix in ("pdf", "png", "svg")
    )
    return pdf, png, svg


def svg_words(svg: bytes) -> str:
    """Return every text of an SVG poster, compacted."""
    root = ElementTree.fromstring(svg)
    return compact("".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")))


def test_create_writes_a_spanish_poster_whose_codes_open_the_link(
    workdir: Path, catalogs: Catalogs, capsys: pytest.CaptureFixture[str]
) -> None:
    """`campaign create fair --entry report --locale es` prints the link and writes the poster."""
    args = ["campaign", "create", "fair", "--entry", "report", "--locale", "es"]
    assert campaign(*args[1:], "--bot", "@BeaconTestBot", "--out", "posters") == 0
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
    assert campaign("stats") == 0
    assert "fair: opens report in es" in capsys.readouterr().out


@pytest.mark.parametrize("language", ["ar", "zh_Hans", "vi", "tl", "en"])
def test_posters_in_every_script_draw_every_glyph_and_decode(
    shipped_content: Content, catalogs: Catalogs, language: str
) -> None:
    """Arabic, Chinese, Vietnamese, Tagalog and English posters: glyphs all drawn, QR decodes."""
    spec = CampaignSpec("fair", "labor", language)
    link = deep_link("BeaconTestBot", spec)
    renderer = Renderer(catalogs.translator(language), language)
    text = poster_text(shipped_content, spec, renderer, web_link(PUBLIC_URL, spec), link)
    for value in (
        text.title, text.subtitle, text.scan, text.telegram, text.not_a_hotline,
        text.emergency, text.hotline,
    ):  # fmt: skip
        assert missing_glyphs(value) == ""
    assert "911" in text.emergency and NHTH in text.hotline and link in text.telegram
    assert text.address == SHORT
    assert qr_texts(pdf_page_image(render_pdf(text))) == [WEB_LINK]
    assert qr_texts(Image.open(io.BytesIO(render_png(text)))) == [WEB_LINK]
    svg = render_svg(text)
    for drawn in (SHORT, "911", NHTH):
        assert compact(drawn) in svg_words(svg)
        assert compact(drawn) in compact(pdf_text(render_pdf(text)))


def test_posters_fit_their_page_in_every_shipped_language(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """With both links and every line, each shipped language's poster keeps every line whole
    (no ellipsis) and inside its box: nothing runs into the QR code or off the page."""
    spec = CampaignSpec("a_rather_long_name_here", "report")
    links = (web_link(PUBLIC_URL, spec), deep_link("BeaconTestBot_Phoenix_Outreach", spec))
    for language in [lang.code for lang in shipped_content.languages]:
        text = poster_text(
            shipped_content, spec, Renderer(catalogs.translator(language), language), *links
        )
        with PNG_LOCK:
            pen = Pen.for_language(language, text.right_to_left, raqm_available())
            lines = poster._layout(text, pen.measure)
        assert not [line.text for line in lines if line.text.endswith("…")], language
        boxes = [poster._TOP_BOX, poster._BOTTOM_BOX]
        for line in lines:
            assert any(
                top <= line.top and line.top + line.height <= bottom for _, top, _, bottom in boxes
            ), (language, line.text)


def test_the_emergency_line_follows_the_default_place(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """A deployment in the United Kingdom prints 999 and the UK's helpline; one with no known
    place, the generic emergency line and no hotline."""
    from dataclasses import replace

    english = Renderer(catalogs.translator("en"), "en")
    spec = CampaignSpec("fair", "report")
    uk = poster_text(replace(shipped_content, default_place="GB"), spec, english, "https://x")
    assert uk.emergency == "If anyone is in immediate danger, call 999 now."
    number = f"{poster.LEFT_TO_RIGHT}08000 121 700{poster.POP}"  # isolated: see LEFT_TO_RIGHT
    assert (
        uk.hotline == f"To talk to a person, call Modern Slavery & Exploitation Helpline: {number}"
    )
    nowhere = poster_text(replace(shipped_content, default_place="ZZ"), spec, english, "https://x")
    assert nowhere.emergency == texts.EMERGENCY_UNKNOWN.text and nowhere.hotline == ""


def test_the_same_poster_gives_the_same_pdf() -> None:
    """Rendering is deterministic."""
    text = PosterText("T", "S", "Scan", LINK, LINK, "", "N", "E", "H", "en", False)
    assert render_pdf(text) == render_pdf(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad-Name", "--entry", "report", "--bot", "BeaconTestBot"], "use 1-24 of a-z"),
        (["fair", "--entry", "nope", "--bot", "BeaconTestBot"], "is no dialogue tree"),
        (["fair", "--entry", "report", "--locale", "xx", "--bot", "BeaconTestBot"], "not shipped"),
        (["fair", "--entry", "report"], "set PUBLIC_URL for the web chat, or pass --bot"),
        (["fair", "--entry", "report", "--channel", "web", "--bot", "BeaconTestBot"], "PUBLIC_URL"),
        (
            ["fair", "--entry", "report", "--channel", "both", "--bot", "BeaconTestBot"],
            "PUBLIC_URL",
        ),
        (["fair", "--entry", "report", "--bot", "no"], "is not a bot username"),
    ],
)
def test_create_refuses_what_it_cannot_make(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A bad name, entry, language or bot username is named, and nothing is written."""
    assert campaign("create", *args) == 2
    assert message in capsys.readouterr().err
    assert not (workdir / "fair.pdf").exists()


def test_the_channel_chooses_the_links_the_qr_code_and_the_lines(
    workdir: Path, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """With PUBLIC_URL and BOT_USERNAME both are made: the QR code is the web link, written out
    short, the Telegram link under it, and the scan line names the browser. `--channel web`
    has no Telegram link, `--channel telegram` no web one; with PUBLIC_URL alone the web link
    is the default and Telegram cannot be asked for."""
    monkeypatch.setenv("PUBLIC_URL", PUBLIC_URL + "/")
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    spanish = Renderer(catalogs.translator("es"), "es")
    assert campaign("create", "fair", "--entry", "report", "--locale", "es") == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [WEB_LINK, LINK]
    pdf, png, svg = poster_files(workdir)
    assert qr_texts(pdf_page_image(pdf)) == [WEB_LINK] == qr_texts(Image.open(io.BytesIO(png)))
    drawn = compact(pdf_text(pdf))
    assert compact(SHORT) in drawn and compact(f"Telegram: {LINK}") in drawn
    assert compact(spanish.text(SCAN_WEB)) in drawn and compact(spanish.text(SCAN)) not in drawn
    assert compact(SHORT) in svg_words(svg) and compact(NHTH) in drawn

    assert campaign("create", "web_only", "--entry", "learn", "--channel", "web") == 0
    out = capsys.readouterr().out
    assert "https://beacon.example.org/c/web_only" in out and "t.me" not in out
    pdf, _, _ = poster_files(workdir, "web_only")
    assert "t.me" not in pdf_text(pdf)
    assert qr_texts(pdf_page_image(pdf)) == ["https://beacon.example.org/c/web_only"]

    assert campaign("create", "tg_only", "--entry", "learn", "--channel", "telegram") == 0
    out = capsys.readouterr().out
    assert "https://t.me/BeaconTestBot?start=learn-tg_only" in out and "/c/" not in out
    pdf, _, _ = poster_files(workdir, "tg_only")
    assert "beacon.example.org" not in pdf_text(pdf)
    assert qr_texts(pdf_page_image(pdf)) == ["https://t.me/BeaconTestBot?start=learn-tg_only"]

    monkeypatch.delenv("BOT_USERNAME")
    assert campaign("create", "hall", "--entry", "learn") == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "https://beacon.example.org/c/hall",
        *(f"wrote hall.{s}" for s in ("png", "svg", "pdf")),
    ]
    assert campaign("create", "hall2", "--entry", "learn", "--channel", "telegram") == 2
    assert capsys.readouterr().err.strip() == campaign_cli.NO_BOT
    assert not (workdir / "hall2.pdf").exists()


def test_bot_username_setting_and_a_taken_name(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """BOT_USERNAME gives the link; the same campaign again is fine, another entry is refused."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert campaign("create", "hall", "--entry", "learn") == 0
    assert "https://t.me/BeaconTestBot?start=learn-hall" in capsys.readouterr().out
    assert campaign("create", "hall", "--entry", "learn") == 0
    assert "already registered" in capsys.readouterr().out
    assert campaign("create", "hall", "--entry", "report") == 1
    assert "already opens 'learn'" in capsys.readouterr().err


def add_counts(workdir: Path, rows: list[tuple[str, dt.date, int]]) -> None:
    """Write counts of campaign "fair" straight into the database: (metric, day, count)."""
    with sqlite3.connect(workdir / "beacon.db") as db:
        db.executemany(
            "INSERT INTO campaign_counts (campaign, metric, day, count) VALUES (?, ?, ?, ?)",
            [("fair", metric, day.isoformat(), count) for metric, day, count in rows],
        )


def stats_of(capsys: pytest.CaptureFixture[str], *args: str, clock: ManualClock) -> str:
    """Run `campaign stats ARGS` at the clock's time and return what it printed."""
    capsys.readouterr()
    assert campaign("stats", *args, clock=clock) == 0
    return capsys.readouterr().out


def test_stats_show_every_count_as_a_band(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Totals and per-day counts are bands: 7 reads 5–9, 12 reads 10–14, 1 to 4 read <5; no
    count is printed as a number, and the note says what the bands mean."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert campaign("create", "fair", "--entry", "report") == 0
    today = dt.date(2026, 3, 10)
    yesterday = today - dt.timedelta(days=1)
    add_counts(
        workdir,
        [
            ("start", today, 4),
            ("start", yesterday, 3),
            ("resource_viewed", today, 12),
            ("exit", today, 2),
            ("module_finished", yesterday, 1),
        ],
    )
    out = stats_of(capsys, "fair", "--days", "2", clock=on(today))
    lines = out.splitlines()
    assert "  start            5–9" in lines
    assert "  resource_viewed  10–14" in lines
    assert "  exit             <5" in lines and "  module_finished  <5" in lines
    day_lines = [line.split() for line in lines if line.strip().startswith("2026-")]
    assert day_lines == [
        [yesterday.isoformat(), "<5", "<5", "<5", "<5"],
        [today.isoformat(), "<5", "<5", "10–14", "<5"],
    ]
    counts = "\n".join(line for line in lines if line.startswith("  "))
    numbers = [w for w in counts.replace("-", " ").split() if w.replace(",", "").isdigit()]
    assert numbers == ["2026", "03", "09", "2026", "03", "10"], numbers
    assert campaign_cli.BANDS_NOTE in out and campaign_cli.WITHHELD_NOTE not in out
    assert "<5 means 0 to 4" in out
    assert campaign("stats", "nope", clock=on(today)) == 1


def test_days_that_would_pin_a_count_are_withheld_in_every_window(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Five days of 4 starts under a total of 20–24 could only be 4 each: those days read –
    however few days are asked for, the note says why, and other metrics stay banded."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    created = CREATED.date()
    assert campaign("create", "fair", "--entry", "report") == 0
    fours = [("start", created + dt.timedelta(days=n), 4) for n in range(5)]
    add_counts(workdir, [*fours, ("exit", created, 7)])
    today = created + dt.timedelta(days=4)
    for days in ("1", "3", "30"):
        out = stats_of(capsys, "fair", "--days", days, clock=on(today))
        rows = [line.split() for line in out.splitlines() if line.strip().startswith("2026-")]
        assert len(rows) == min(int(days), 5)
        assert {row[1] for row in rows} == {"–"}
        assert campaign_cli.WITHHELD_NOTE in out
        assert "  start            20–24" in out.splitlines()
    out = stats_of(capsys, "fair", "--days", "30", clock=on(today))
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("2026-")]
    assert [row[4] for row in rows] == ["5–9", "<5", "<5", "<5", "<5"]
    totals_only = stats_of(capsys, "fair", clock=on(today))
    assert campaign_cli.WITHHELD_NOTE not in totals_only and "\n  2026-" not in totals_only


def test_two_windows_give_no_day_away(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--days 7 and --days 8 on the same day print the same cells for the days both show (the
    old check ran on the window alone, so a day withheld in one window was shown in the other),
    and together pin no day."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert campaign("create", "fair", "--entry", "report") == 0
    first = CREATED.date()
    today = first + dt.timedelta(days=9)
    counts = {first + dt.timedelta(days=n): c for n, c in enumerate([6, 0, 2, 9, 1, 0, 5, 3, 0, 4])}
    add_counts(workdir, [("start", day, count) for day, count in counts.items() if count])
    seven = stats_of(capsys, "fair", "--days", "7", clock=on(today))
    eight = stats_of(capsys, "fair", "--days", "8", clock=on(today))
    seven_days = [line for line in seven.splitlines() if line.strip().startswith("2026-")]
    eight_days = [line for line in eight.splitlines() if line.strip().startswith("2026-")]
    assert len(seven_days) == 7 and eight_days[1:] == seven_days
    printouts = [read(out, "start", today) for out in (seven, eight)]
    found = possible(printouts, first)
    assert all(counts[day] in values for day, values in found.items())
    assert {day: v for day, v in found.items() if len(v) == 1} == {}


def test_stats_on_two_days_give_no_day_away(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stats on one day and the next: the totals differ by the new day's count, but as bands
    they leave it open (exact totals 9 and 10 gave it away as 1)."""
    monkeypatch.setenv("BOT_USERNAME", "BeaconTestBot")
    assert campaign("create", "fair", "--entry", "report") == 0
    first = CREATED.date()
    day = first + dt.timedelta(days=3)
    add_counts(workdir, [("start", first + dt.timedelta(days=1), 6), ("start", day, 3)])
    before = stats_of(capsys, "fair", "--days", "7", clock=on(day))
    add_counts(workdir, [("start", day + dt.timedelta(days=1), 1)])
    after = stats_of(capsys, "fair", "--days", "7", clock=on(day + dt.timedelta(days=1)))
    printouts = [read(before, "start", day), read(after, "start", day + dt.timedelta(days=1))]
    assert [p.total for p in printouts] == [(5, 9), (10, 14)]
    found = possible(printouts, first)
    assert found[day + dt.timedelta(days=1)] == {1, 2, 3, 4}
    assert {d: v for d, v in found.items() if len(v) == 1} == {}
    exact = [Printout(p.today, (t, t), p.days) for p, t in zip(printouts, (9, 10), strict=True)]
    assert possible(exact, first)[day + dt.timedelta(days=1)] == {1}
