"""Completion figures: exact maths, suppression under 5, withheld percentages, CSV and chart."""

from __future__ import annotations

import csv
import datetime as dt
import io

from PIL import Image

from bot.core.suppression import shown
from bot.orgs.export import CSV_COLUMNS, ChartText, completion_chart, completions_csv
from bot.orgs.report import report
from bot.orgs.stats import Counts, Department, Member, Organization, stats

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
ORG = Organization(1, "City of Phoenix", headcount=20, target_percent=90,
                   refresher_days=365, onboarding_days=30)  # fmt: skip
PARKS = Department(1, "Parks", "AAAAAAAAAA")
WATER = Department(2, "Water", "BBBBBBBBBB")


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


def test_suppression_helper() -> None:
    """Counts under 5 become "<5"; others are formatted."""
    assert [shown(n) for n in (0, 1, 4, 5, 13617)] == ["<5", "<5", "<5", "5", "13,617"]


def test_counts_per_department_and_total() -> None:
    """Enrolled, completed, refreshers overdue and past onboarding, exactly."""
    figures = stats(ORG, [PARKS, WATER], members(), NOW)
    assert figures.total.counts == Counts(enrolled=12, completed=9, overdue=2, late=2)
    parks, water = figures.departments
    assert parks.counts == Counts(enrolled=9, completed=8, overdue=2, late=1)
    assert water.counts == Counts(enrolled=3, completed=1, overdue=0, late=1)


def test_percentages_against_headcount_and_enrolled() -> None:
    """The total is of the headcount (9/20 = 45.0%), a department of its enrolled
    (8/9 = 88.8%, rounded down); a suppressed count has no percentage and no target verdict."""
    figures = stats(ORG, [PARKS, WATER], members(), NOW)
    assert (figures.total.percent, figures.total.on_track) == ("45.0%", False)
    parks, water = figures.departments
    assert (parks.counts.completed, parks.counts.enrolled) == (8, 9)
    # Water's completions (1) are small, so Parks' 8 is withheld too: 9 - 8 would give it away.
    assert (parks.tenths, parks.percent, parks.on_track) == (None, None, None)
    assert parks.withheld == {"enrolled", "completed"}
    assert (water.percent, water.on_track, water.tenths) == (None, None, None)
    three = stats(ORG, [PARKS, WATER, Department(3, "Fire", "FIRE")], members(), NOW)
    assert three.departments[0].withheld == {"enrolled", "completed"}


def test_on_track_uses_exact_integer_maths() -> None:
    """18 of 20 is exactly 90%: on track; 17 is not."""
    on = [Member(1, days_ago(1), days_ago(1)) for _ in range(18)]
    assert stats(ORG, [PARKS], on, NOW).total.on_track is True
    assert stats(ORG, [PARKS], on[:17], NOW).total.on_track is False
    big = Organization(2, "Big", headcount=13617)
    done = [Member(1, days_ago(1), days_ago(1)) for _ in range(12256)]
    assert stats(big, [PARKS], done, NOW).total.percent == "90.0%"
    assert stats(big, [PARKS], done, NOW).total.on_track is True  # 12256/13617 = 90.005%
    assert stats(big, [PARKS], done[:-1], NOW).total.on_track is False


def test_report_shows_no_count_under_five() -> None:
    """Every count under 5 reads "<5", and a suppressed department shows no percentage."""
    from bot.i18n.catalogs import Catalogs
    from bot.service.render import Renderer
    from bot.settings import PROJECT_ROOT

    translator = Catalogs(PROJECT_ROOT / "locales").translator("en")
    text = Renderer(translator, "en").say(report(stats(ORG, [PARKS, WATER], members(), NOW)))
    assert text.splitlines() == [
        "City of Phoenix: 9 of 20 employees completed the course. Enrolled: 12.",
        "Completion: 45.0% of the headcount.",
        "Target 90%: not reached yet.",
        "Refreshers overdue: <5. Not completed within 30 days of joining: <5.",
        "By department:",
        "• Parks: – enrolled, – completed, <5 refreshers overdue, <5 past onboarding",
        "• Water: <5 enrolled, <5 completed, <5 refreshers overdue, <5 past onboarding",
        "Counts under 5 are shown as <5, and their percentages are not shown. A count shown as "
        "– is withheld so that a small one cannot be worked out from the total.",
    ]


def test_csv_has_exactly_the_consented_columns() -> None:
    """One row per completed member: department, employee id, date, certificate code; a typed
    id that a spreadsheet would run as a formula is quoted."""
    rows = list(csv.reader(io.StringIO(completions_csv([PARKS, WATER], members()))))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "department", "employee_id", "completion_date", "certificate_code",
    )  # fmt: skip
    assert len(rows) == 1 + 9
    assert rows[1] == ["Parks", "P1", "2025-11-06", "BCN-1"]
    assert rows[2] == ["Parks", "P0", "2025-11-07", "BCN-0"]
    assert rows[-1] == ["Water", "'=W1", "2026-11-17", ""]


def test_chart_draws_bars_and_suppressed_departments() -> None:
    """The chart is a PNG with a bar per department; a suppressed department has none, and
    neither has one withheld with it (Water's 1 completion would be 9 - 8)."""
    water = [Member(2, days_ago(40), days_ago(3)) for _ in range(5)] + [Member(2, days_ago(2))]
    both = stats(ORG, [PARKS, WATER], [*members()[:9], *water], NOW)
    assert [f.percent for f in both.departments] == ["88.8%", "83.3%"]
    text = ChartText("Completion", "Target 90%")
    bar = (21, 76, 96)
    for figures, bars in (
        (both, (True, True)),
        (stats(ORG, [PARKS, WATER], members(), NOW), (False, False)),
    ):
        png = completion_chart(figures.departments, 90, text)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        assert image.format is None and image.size[0] == 1200
        parks_row = [image.getpixel((x, 110 + 28)) for x in range(420, 1090)]
        water_row = [image.getpixel((x, 110 + 56 + 28)) for x in range(420, 1090)]
        assert (parks_row.count(bar) > 400, water_row.count(bar) > 400) == bars


def test_arabic_names_are_drawn_joined_and_right_to_left() -> None:
    """An Arabic department name or title is shaped (presentation forms) and reversed for
    drawing; Latin text is drawn as it is."""
    from bot.orgs.export import display_text

    name = "المياه"
    shown = display_text(name)
    assert shown != name and all("\ufe70" <= ch <= "\ufeff" for ch in shown)
    assert display_text("Parks 90%") == "Parks 90%"
    arabic = stats(ORG, [Department(1, name, "AAAAAAAAAA")], members()[:9], NOW)
    png = completion_chart(arabic.departments, 90, ChartText("الإكمال", "الهدف 90%"))
    assert Image.open(io.BytesIO(png)).size[0] == 1200
