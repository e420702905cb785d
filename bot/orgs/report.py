"""The figures as text: one summary for the organization, one line per department.

Every count goes through `shown` (under 5: "<5"); a percentage appears only when its count
does. Texts are translatable ("org" context) so `/admin` answers in the admin's language.
"""

from __future__ import annotations

from bot.core.effects import Msg, joined
from bot.core.suppression import shown
from bot.core.texts import pgettext
from bot.orgs.stats import Figures, Stats

TOTAL = pgettext(
    "org",
    "{org}: {completed} of {headcount} employees completed the course. Enrolled: {enrolled}.",
)
TOTAL_PERCENT = pgettext("org", "Completion: {percent} of the headcount.")
ON_TRACK = pgettext("org", "Target {target}%: reached.")
OFF_TRACK = pgettext("org", "Target {target}%: not reached yet.")
TOTAL_FOLLOW_UP = pgettext(
    "org",
    "Refreshers overdue: {overdue}. Not completed within {days} days of joining: {late}.",
)
DEPARTMENTS = pgettext("org", "By department:")
DEPARTMENT = pgettext(
    "org",
    "• {department}: {enrolled} enrolled, {completed} completed, {overdue} refreshers overdue, "
    "{late} past onboarding",
)
DEPARTMENT_PERCENT = pgettext(
    "org",
    "• {department}: {enrolled} enrolled, {completed} completed ({percent} of those enrolled), "
    "{overdue} refreshers overdue, {late} past onboarding",
)
NO_DEPARTMENTS = pgettext("org", "No departments yet.")
SUPPRESSION_NOTE = pgettext(
    "org",
    "Counts under 5 are shown as <5, and their percentages are not shown. A count shown as – is "
    "withheld so that a small one cannot be worked out from the total.",
)


def target_line(figures: Figures) -> Msg | None:
    """Return whether the target is reached, or None when the percentage is withheld."""
    if figures.on_track is None:
        return None
    return (ON_TRACK if figures.on_track else OFF_TRACK).fill(target=figures.target_percent)


def department_line(figures: Figures) -> Msg:
    """Return one department's line."""
    values: dict[str, str | int | Msg] = {
        "department": Msg("", figures.name, translate=False),
        "enrolled": figures.show("enrolled"),
        "completed": figures.show("completed"),
        "overdue": figures.show("overdue"),
        "late": figures.show("late"),
    }
    if figures.percent is not None:
        return DEPARTMENT_PERCENT.fill(percent=figures.percent, **values)
    return DEPARTMENT.fill(**values)


def report(stats: Stats) -> Msg:
    """Return the whole report as one text."""
    org, total = stats.organization, stats.total
    counts = total.counts
    lines: list[Msg] = [
        TOTAL.fill(
            org=Msg("", org.name, translate=False),
            completed=shown(counts.completed),
            headcount=shown(org.headcount),
            enrolled=shown(counts.enrolled),
        )
    ]
    if total.percent is not None:
        lines.append(TOTAL_PERCENT.fill(percent=total.percent))
    target = target_line(total)
    if target is not None:
        lines.append(target)
    lines.append(
        TOTAL_FOLLOW_UP.fill(
            overdue=shown(counts.overdue), days=org.onboarding_days, late=shown(counts.late)
        )
    )
    lines.append(DEPARTMENTS if stats.departments else NO_DEPARTMENTS)
    lines.extend(department_line(f) for f in stats.departments)
    lines.append(SUPPRESSION_NOTE)
    return joined(lines)
