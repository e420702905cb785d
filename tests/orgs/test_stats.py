"""Completion figures: consented counts exact, the others in bands that the report cannot be
made to give away, percentage ranges, the CSV and the chart."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.core.suppression import WITHHELD, span_of
from bot.i18n.catalogs import Catalogs
from bot.orgs.export import (
    BAR,
    CSV_COLUMNS,
    FORMULA,
    RANGE,
    ChartText,
    completion_chart,
    completions_csv,
    safe_cell,
)
from bot.orgs.report import SUPPRESSION_NOTE, WITHHELD_NOTE, report
from bot.orgs.stats import Counts, Department, Figures, Member, Organization, Stats, stats
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT
from bot.testing.org_reading import pinned, possible, read

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
ORG = Organization(1, "City of Phoenix", headcount=20, target_percent=90,
                   refresher_days=365, onboarding_days=30)  # fmt: skip
PARKS = Department(1, "Parks", "AAAAAAAAAA")
WATER = Department(2, "Water", "BBBBBBBBBB")
ENGLISH = Renderer(Catalogs(PROJECT_ROOT / "locales").translator("en"), "en")


def days_ago(days: int) -> dt.datetime:
    """Return the time `days` days before NOW."""
    return NOW - dt.timedelta(days=days)


def members() -> list[Member]:
    """Parks: 9 enrolled, 8 completed (2 of them over a year ago), 1 joined 40 days ago and not
    done. Water: 3 enrolled, 1 completed, 1 joined 31 days ago, 1 joined today."""
    parks = [Member(1, days_ago(400), days_ago(380 + i), f"P{i}", f"BCN-{i}") for i in range(2)]
    parks += [Member(1, days_ago(60), days_ago(10 + i), f"P{i + 2}") for i in range(6)]
    parks.append(Member(1, days_ago(40)))
    water = [Member(2, days_ago(50), days_ago(5), "=W1"), Member(2, days_ago(31)),
             Member(2, NOW)]  # fmt: skip
    return parks + water


def group(department: int, enrolled: int, completed: int, late: int) -> list[Member]:
    """Return members of a department: `completed` done, `late` joined 40 days ago and not
    done, the rest joined yesterday."""
    done = [Member(department, days_ago(50), days_ago(2)) for _ in range(completed)]
    behind = [Member(department, days_ago(40)) for _ in range(late)]
    new = [Member(department, days_ago(1)) for _ in range(enrolled - completed - late)]
    return done + behind + new


def departments(count: int) -> list[Department]:
    """Return departments D0, D1, ..."""
    return [Department(i, f"D{i}", f"CODE{i:06}") for i in range(count)]


def said(figures: Stats) -> str:
    """Return the report in English."""
    return ENGLISH.say(report(figures))


def test_counts_per_department_and_total() -> None:
    """Enrolled, completed, refreshers overdue and past onboarding, exactly (before showing)."""
    figures = stats(ORG, [PARKS, WATER], members(), NOW)
    assert figures.total.counts == Counts(enrolled=12, completed=9, overdue=2, late=2)
    parks, water = figures.departments
    assert parks.counts == Counts(enrolled=9, completed=8, overdue=2, late=1)
    assert water.counts == Counts(enrolled=3, completed=1, overdue=0, late=1)


def test_consented_counts_are_exact_and_the_others_banded() -> None:
    """Completed and overdue as they are (even 0 and 1); enrolled and late only as bands."""
    figures = stats(ORG, [PARKS, WATER], members(), NOW)
    parks, water = figures.departments
    assert [parks.show(m) for m in ("enrolled", "completed", "overdue", "late")] == [
        "5–9", "8", "2", "<5",
    ]  # fmt: skip
    assert [water.show(m) for m in ("enrolled", "completed", "overdue", "late")] == [
        "<5", "1", "0", "<5",
    ]  # fmt: skip
    assert figures.total.show("enrolled") == "10–14" and figures.total.show("late") == "<5"


def test_percentages_against_headcount_and_the_enrolled_band() -> None:
    """The total is exact, of the headcount (9/20 = 45.0%); a department's is the range its
    enrolled band allows (8 of 5-9: 8/9 to 8/8, so 88-100%), none when enrolled is <5."""
    figures = stats(ORG, [PARKS, WATER], members(), NOW)
    assert (figures.percent, figures.on_track) == ("45.0%", False)
    parks, water = figures.departments
    assert (parks.share, parks.share_text) == ((88, 100), "88–100%")
    assert (water.share, water.share_text) == (None, None)
    ten_of_twelve = stats(ORG, [PARKS], group(1, 12, 10, 0), NOW).departments[0]
    assert ten_of_twelve.share_text == "71–100%"  # 10/14 to 10/10
    five_of_nine = stats(ORG, [PARKS], group(1, 9, 5, 0), NOW).departments[0]
    assert five_of_nine.share_text == "55–100%"  # 5/9 to 5/5
    none_of_seven = stats(ORG, [PARKS], group(1, 7, 0, 0), NOW).departments[0]
    assert none_of_seven.share_text == "0%"
    six_of_thirteen = stats(ORG, [PARKS], group(1, 13, 6, 0), NOW).departments[0]
    assert six_of_thirteen.share == (42, 60)  # 6/14 = 42.8 down, 6/10 = 60


def test_on_track_uses_exact_integer_maths() -> None:
    """18 of 20 is exactly 90%: on track; 17 is not."""
    on = [Member(1, days_ago(1), days_ago(1)) for _ in range(18)]
    assert stats(ORG, [PARKS], on, NOW).on_track is True
    assert stats(ORG, [PARKS], on[:17], NOW).on_track is False
    big = Organization(2, "Big", headcount=13617)
    done = [Member(1, days_ago(1), days_ago(1)) for _ in range(12256)]
    assert stats(big, [PARKS], done, NOW).percent == "90.0%"
    assert stats(big, [PARKS], done, NOW).on_track is True  # 12256/13617 = 90.005%
    assert stats(big, [PARKS], done[:-1], NOW).on_track is False


def test_the_report_says_exactly_what_is_exact_and_what_is_banded() -> None:
    """The whole English report: consented counts exact, the others bands, the notes."""
    assert said(stats(ORG, [PARKS, WATER], members(), NOW)).splitlines() == [
        "City of Phoenix: 9 of 20 employees completed the course. Enrolled: 10–14.",
        "Completion: 45.0% of the headcount.",
        "Target 90%: not reached yet.",
        "Refreshers overdue: 2. Not completed within 30 days of joining: <5.",
        "By department:",
        "• Parks: 5–9 enrolled, 8 completed (88–100% of those enrolled), 2 refreshers overdue, "
        "<5 past onboarding",
        "• Water: <5 enrolled, 1 completed, 0 refreshers overdue, <5 past onboarding",
        SUPPRESSION_NOTE.text,
    ]
    assert "bands of 5 (<5 means 0 to 4" in SUPPRESSION_NOTE.text


def test_five_departments_of_four_are_withheld() -> None:
    """Five departments of 4 under a total of 20-24 could only be 4 each: their enrolled
    counts read "–", and the report says why."""
    members_ = [m for i in range(5) for m in group(i, 4, 0, 0)]
    figures = stats(ORG, departments(5), members_, NOW)
    assert [f.show("enrolled") for f in figures.departments] == [WITHHELD] * 5
    assert figures.total.show("enrolled") == "20–24"
    text = said(figures)
    assert "• D0: – enrolled, 0 completed, 0 refreshers overdue, <5 past onboarding" in text
    assert text.splitlines()[-1] == WITHHELD_NOTE.text
    assert pinned(text) == {}


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ([(6, 5, 1), (6, 5, 0)], "6 enrolled and 5 completed showed exactly 1 not completed"),
        ([(9, 8, 1), (3, 1, 1)], "the old fixture: exact total minus department"),
        ([(4, 4, 0), (7, 2, 5)], "completed 4 of <5 enrolled pins enrolled to 4"),
        ([(14, 9, 5), (5, 0, 5)], "late 5-9 with at most 5 not completed pins late to 5"),
        ([(10, 6, 4), (10, 6, 4)], "enrolled 10-14 with 6 completed"),
        ([(4, 0, 4)] * 5, "five rows of four"),
        ([(9, 9, 0)], "one department, everyone completed"),
    ],
)
def test_the_report_alone_gives_away_no_hidden_count(
    rows: list[tuple[int, int, int]], why: str
) -> None:
    """A reader who tries every count the report allows finds at least two values for every
    enrolled, not completed and past onboarding count, per department and in total."""
    members_ = [m for i, (e, c, late) in enumerate(rows) for m in group(i, e, c, late)]
    text = said(stats(ORG, departments(len(rows)), members_, NOW))
    assert pinned(text) == {}, (why, text)


def test_the_old_report_gave_counts_away() -> None:
    """The reader is not toothless: the report as it was (exact enrolled next to exact
    completed) gave away 1 not completed in Parks."""
    old = "\n".join([
        "City of Phoenix: 10 of 40 employees completed the course. Enrolled: 12.",
        "Refreshers overdue: <5. Not completed within 30 days of joining: <5.",
        "• Parks: 6 enrolled, 5 completed (83.3% of those enrolled), 0 refreshers overdue, "
        "<5 past onboarding",
        "• Water: 6 enrolled, 5 completed (83.3% of those enrolled), 0 refreshers overdue, "
        "<5 past onboarding",
    ])  # fmt: skip
    assert pinned(old)["not completed 0"] == 1


orgs = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)).map(
        lambda t: (t[0], min(t[1], t[0]), min(t[2], t[0] - min(t[1], t[0])))
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orgs)
def test_no_report_gives_a_hidden_count_away(rows: list[tuple[int, int, int]]) -> None:
    """For any small organization: the true counts are among what the report allows, none of
    them is pinned, and no department's completed count exceeds its enrolled band or 100%."""
    members_ = [m for i, (e, c, late) in enumerate(rows) for m in group(i, e, c, late)]
    figures = stats(ORG, departments(len(rows)), members_, NOW)
    text = said(figures)
    total, shown = read(text)
    found = possible(total, shown)
    for index, (e, c, late) in enumerate(rows):
        assert {e} <= found[f"enrolled {index}"] and {late} <= found[f"late {index}"]
        assert {e - c} <= found[f"not completed {index}"]
    assert {k: v for k, v in found.items() if len(v) == 1} == {}, text
    for row in shown:
        assert row.enrolled is None or row.completed <= row.enrolled[1]
        assert row.percent is None or int(row.percent.rstrip("%").split("–")[-1]) <= 100


def test_completed_never_looks_larger_than_enrolled() -> None:
    """Every department's completed count is within its enrolled band's upper end, and the
    chart's ranges end at 100% at most."""
    for enrolled in range(40):
        for completed in range(enrolled + 1):
            row = Figures("D", Counts(enrolled, completed))
            assert completed <= (span_of(enrolled).hi or 0)
            assert row.share is None or row.share[0] <= row.share[1] <= 100


def test_csv_has_exactly_the_consented_columns() -> None:
    """One row per completed member: department, employee id, date, certificate code, every
    cell quoted; a typed id that a spreadsheet would run as a formula gets a leading '."""
    data = completions_csv([PARKS, WATER], members())
    rows = list(csv.reader(io.StringIO(data)))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "department", "employee_id", "completion_date", "certificate_code",
    )  # fmt: skip
    assert len(rows) == 1 + 9
    assert rows[1] == ["Parks", "P1", "2025-11-06", "BCN-1"]
    assert rows[2] == ["Parks", "P0", "2025-11-07", "BCN-0"]
    assert rows[-1] == ["Water", "'=W1", "2026-11-17", ""]
    assert data.splitlines()[1] == '"Parks","P1","2025-11-06","BCN-1"'
    assert all(line.startswith('"') and line.endswith('"') for line in data.splitlines())


HOSTILE = [
    "x;=cmd|' /C calc'!A0",
    "=1+1",
    'a,=HYPERLINK("http://x")',
    "a|+1",
    "a\t@SUM(A1)",
    "a\r-2",
    "a\n=3",
    'a;"=4',
    "a; =5",
    "\t=6",
    "a;\t=7",
    "-8",
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_no_field_opens_as_a_formula_whatever_the_separator(delimiter: str) -> None:
    """Read back with each separator a spreadsheet might use, no field starts with a formula
    character: not at a cell's start, nor after a ; , tab | or line break inside it."""
    people = [Member(1, days_ago(9), days_ago(8), employee) for employee in HOSTILE]
    hostile_department = Department(1, "=Parks;-x", "AAAAAAAAAA")
    data = completions_csv([hostile_department], people)
    pieces = [data, *data.replace("\r", "\n").split("\n")]
    for piece in pieces:
        for row in csv.reader(io.StringIO(piece, newline=""), delimiter=delimiter):
            for field in row:
                assert not field.lstrip(' "').startswith(tuple(FORMULA)), (delimiter, field)


def test_a_spreadsheet_splitting_anywhere_finds_no_formula() -> None:
    """Cut at every separator character, ignoring quotes, no piece opens as a formula."""
    people = [Member(1, days_ago(9), days_ago(8), employee) for employee in HOSTILE]
    data = completions_csv([PARKS], people)
    for cut in ",;\t|\r\n":
        data = data.replace(cut, "\0")
    for piece in data.split("\0"):
        assert not piece.lstrip(' "').startswith(tuple(FORMULA)), piece


def test_ordinary_ids_read_back_unchanged() -> None:
    """Ids with a dash, plus or at sign inside, dates and codes come back as typed."""
    ordinary = ["E-123456", "A+B", "me@work", "12-34", "O'Neil", "Smith, J."]
    people = [Member(1, days_ago(9), days_ago(8), employee, "BCN-1") for employee in ordinary]
    rows = list(csv.reader(io.StringIO(completions_csv([PARKS], people))))
    assert sorted(r[1] for r in rows[1:]) == sorted(ordinary)
    assert {r[3] for r in rows[1:]} == {"BCN-1"}
    assert safe_cell("x;=cmd|' /C calc'!A0") == "x;'=cmd|' /C calc'!A0"
    assert safe_cell("a;\t=7") == "a;'\t'=7"


def bar_pixels(image: Image.Image, row: int) -> tuple[int, int]:
    """Return how many pixels of a department's row are dark bar and light range."""
    pixels = [image.getpixel((x, 110 + 56 * row + 28)) for x in range(360, 1070)]
    return pixels.count(BAR), pixels.count(RANGE)


def test_chart_draws_each_range_and_no_bar_for_small_departments() -> None:
    """Parks (8 of 5-9 enrolled: 88-100%) is dark to 88% and light to 100%; Water (<5
    enrolled) has no bar; a withheld department has none either."""
    text = ChartText("Completion", "Target 90%", "Dark: lowest; light: up to highest.")
    chart = completion_chart(stats(ORG, [PARKS, WATER], members(), NOW).departments, 90, text)
    image = Image.open(io.BytesIO(chart)).convert("RGB")
    assert image.size[0] == 1200
    dark, light = bar_pixels(image, 0)
    assert 710 * 0.87 < dark < 710 * 0.89 and 710 * 0.11 < light < 710 * 0.13
    assert bar_pixels(image, 1) == (0, 0)
    withheld = stats(ORG, departments(5), [m for i in range(5) for m in group(i, 4, 0, 0)], NOW)
    image = Image.open(io.BytesIO(completion_chart(withheld.departments, 90, text)))
    assert all(bar_pixels(image.convert("RGB"), row) == (0, 0) for row in range(5))


def test_arabic_names_are_drawn_joined_and_right_to_left() -> None:
    """An Arabic department name or title is shaped (presentation forms) and reversed for
    drawing; Latin text is drawn as it is."""
    from bot.orgs.export import display_text

    name = "المياه"
    drawn = display_text(name)
    assert drawn != name and all("\ufe70" <= ch <= "\ufeff" for ch in drawn)
    assert display_text("Parks 90%") == "Parks 90%"
    arabic = stats(ORG, [Department(1, name, "AAAAAAAAAA")], members()[:9], NOW)
    png = completion_chart(arabic.departments, 90, ChartText("الإكمال", "الهدف 90%", "ملاحظة"))
    assert Image.open(io.BytesIO(png)).size[0] == 1200
