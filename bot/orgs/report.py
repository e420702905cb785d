"""The figures as text: one summary for the organization, one line per department.

Consented counts are exact, the others bands or "–", as `Figures.show` gives them; a
department's percentage is the range its enrolled band allows. Texts are translatable ("org"
context) so `/admin` answers in the admin's language.
"""

from __future__ import annotations

from bot.core.effects import Msg, joined
from bot.core.suppression import exact
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
    "Completions, their dates and refreshers overdue are exact: members agreed that you see them. "
    "Enrolled and past onboarding are shown only in bands of 5 (<5 means 0 to 4, 10–14 means 10 "
    "to 14), so no one who has not completed can be singled out. A department's percentage is "
    "the range its band allows, and is left out when enrolled is <5.",
)
WITHHELD_NOTE = pgettext(
    "org",
    "A count shown as – is withheld: with the other figures, its band would give away an exact "
    "number.",
)


def target_line(stats: Stats) -> Msg | None:
    """Return whether the target is reached, or None without a headcount."""
    if stats.on_track is None:
        return None
    target = stats.organization.target_percent
    return (ON_TRACK if stats.on_track else OFF_TRACK).fill(target=target)


def department_line(figures: Figures) -> Msg:
    """Return one department's line."""
    values: dict[str, str | int | Msg] = {
        "department": Msg("", figures.name, translate=False),
        "enrolled": figures.show("enrolled"),
        "completed": figures.show("completed"),
        "overdue": figures.show("overdue"),
        "late": figures.show("late"),
    }
    share = figures.share_text
    if share is not None:
        return DEPARTMENT_PERCENT.fill(percent=share, **values)
    return DEPARTMENT.fill(**values)


def report(stats: Stats) -> Msg:
    """Return the whole report as one text."""
    org, total = stats.organization, stats.total
    lines: list[Msg] = [
        TOTAL.fill(
            org=Msg("", org.name, translate=False),
            completed=total.show("completed"),
            headcount=exact(org.headcount),
            enrolled=total.show("enrolled"),
        )
    ]
    if stats.percent is not None:
        lines.append(TOTAL_PERCENT.fill(percent=stats.percent))
    target = target_line(stats)
    if target is not None:
        lines.append(target)
    lines.append(
        TOTAL_FOLLOW_UP.fill(
            overdue=total.show("overdue"), days=org.onboarding_days, late=total.show("late")
        )
    )
    lines.append(DEPARTMENTS if stats.departments else NO_DEPARTMENTS)
    lines.extend(department_line(f) for f in stats.departments)
    lines.append(SUPPRESSION_NOTE)
    if stats.withholds:
        lines.append(WITHHELD_NOTE)
    return joined(lines)
