"""Reminder times across time zones and daylight saving, quiet hours, the streak and its
freeze, and the reminder settings screen (all on a fixed clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.reminders import POSITION as REMINDERS_SCREEN
from bot.core.effects import SetReminder
from bot.core.reminders import ReminderPlan, Streak, in_quiet_hours, next_reminder, offered_zones
from bot.service.messages import Reply
from bot.testing.simulator import FIXED_NOW, CoreChat

UTC = dt.UTC


AZ_MWF = ReminderPlan(frozenset({0, 2, 4}), 12, "America/Phoenix")
NY_DAILY = ReminderPlan(frozenset(range(7)), 9, "America/New_York")


def at(text: str) -> dt.datetime:
    """Return a UTC moment from `YYYY-MM-DD HH:MM`."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("plan", "after", "expected"),
    [
        # Arizona keeps MST all year: noon is 19:00 UTC. Sunday 22 Nov -> Monday 23 Nov.
        (AZ_MWF, "2026-11-22 12:00", "2026-11-23 19:00"),
        # Just after Monday's reminder, the next is Wednesday.
        (AZ_MWF, "2026-11-23 19:00", "2026-11-25 19:00"),
        # Daylight saving ends in New York on Sunday 1 Nov 2026: 09:00 EDT, then 09:00 EST.
        (NY_DAILY, "2026-10-31 12:00", "2026-10-31 13:00"),
        (NY_DAILY, "2026-10-31 13:00", "2026-11-01 14:00"),
        # ...and starts on Sunday 8 Mar 2026: 09:00 EST, then 09:00 EDT.
        (NY_DAILY, "2026-03-07 14:00", "2026-03-08 13:00"),
        # London: a Saturday-only plan at 08:00 GMT.
        (ReminderPlan(frozenset({5}), 8, "Europe/London"), "2026-11-22 12:00", "2026-11-28 08:00"),
    ],
)  # fmt: skip
def test_next_reminder_keeps_the_wall_clock_hour(
    plan: ReminderPlan, after: str, expected: str
) -> None:
    """The reminder comes at the chosen local hour on a chosen day, whatever the UTC offset."""
    found = next_reminder(plan, at(after))
    assert found == at(expected)
    assert found is not None and found.astimezone(ZoneInfo(plan.zone)).hour == plan.hour


def test_no_days_means_no_reminder() -> None:
    """A plan with no day ticked has no next time."""
    assert next_reminder(ReminderPlan(frozenset()), FIXED_NOW) is None


def test_quiet_hours_and_the_hours_offered() -> None:
    """21:00-08:00 local is quiet; the hour cannot be moved into it."""
    phoenix = "America/Phoenix"
    assert in_quiet_hours(at("2026-11-23 04:30"), phoenix)  # 21:30 MST
    assert in_quiet_hours(at("2026-11-23 14:59"), phoenix)  # 07:59
    assert not in_quiet_hours(at("2026-11-23 15:00"), phoenix)  # 08:00
    plan = ReminderPlan(hour=8)
    assert plan.shifted(-1).hour == 8 and ReminderPlan(hour=20).shifted(1).hour == 20


def test_streak_counts_days_bridges_one_gap_with_the_freeze_and_earns_it_back() -> None:
    """Days in a row add up; one missed day is bridged once; a second gap resets."""
    day = dt.date(2026, 11, 2)
    streak = Streak().active(day).active(day)  # twice the same day counts once
    assert (streak.days, streak.freeze) == (1, True)
    streak = streak.active(day + dt.timedelta(days=1))
    assert streak.days == 2
    streak = streak.active(day + dt.timedelta(days=3))  # missed one day: the freeze bridges it
    assert (streak.days, streak.freeze) == (3, False)
    assert streak.as_of(day + dt.timedelta(days=5)).days == 0  # a gap, no freeze left
    for offset in range(4, 8):
        streak = streak.active(day + dt.timedelta(days=offset))
    assert (streak.days, streak.freeze) == (7, True)  # seven in a row earns it back
    assert streak.active(day + dt.timedelta(days=10)).days == 1


def screen_text(chat: CoreChat) -> str:
    """Return the reminder screen's text after /reminders."""
    [reply] = [m for m in chat.send("/reminders") if isinstance(m, Reply)]
    return reply.text


def test_turning_reminders_on_and_off_takes_one_tap_each(shipped_content: Content) -> None:
    """Untick Monday, tick Sunday, later by an hour, turn on: the plan and its next time are
    stored; one tap turns it off and drops it."""
    chat = CoreChat(shipped_content)
    assert "Reminders are off." in screen_text(chat)
    assert chat.state.at == REMINDERS_SCREEN
    chat.click("✓ Mon")
    chat.click("Sun")
    chat.click("Later ▶")
    out = chat.click("Turn reminders on")
    [effect] = [e for e in chat.effects if isinstance(e, SetReminder)]
    plan = ReminderPlan(frozenset({2, 4, 6}), 13, "America/Phoenix", on=True)
    assert effect == SetReminder(plan, at("2026-11-22 20:00"))  # Sunday 13:00 MST
    text = [m for m in out if isinstance(m, Reply)][-1].text
    assert "Reminders are on." in text and "Wed, Fri, Sun at 1:00\u202fPM (Arizona)" in text
    chat.click("Turn reminders off")
    assert [e for e in chat.effects if isinstance(e, SetReminder)] == [SetReminder(None)]
    assert not chat.state.plan.on


def test_a_change_while_on_reschedules(shipped_content: Content) -> None:
    """With reminders on, a new time zone stores the plan again with its new next time."""
    chat = CoreChat(shipped_content)
    screen_text(chat)
    chat.click("Turn reminders on")
    chat.click("Time zone: Arizona")
    [effect] = [e for e in chat.effects if isinstance(e, SetReminder)]
    second = offered_zones(shipped_content.places, shipped_content.default_place)[1]
    assert effect.plan is not None and effect.plan.zone == second == "America/New_York"


def test_answering_a_question_builds_the_streak(shipped_content: Content) -> None:
    """An answer on two days in a row shows a two-day streak on the course screen."""
    chat = CoreChat(shipped_content)
    for day in (0, 1):
        chat.now = FIXED_NOW + dt.timedelta(days=day)
        chat.send("/start signs")
        chat.click("Start")
        chat.click(chat.keyboard.rows[0][0].label)
    assert chat.state.streak.days == 2
    [reply] = [m for m in chat.send("/learn") if isinstance(m, Reply)]
    assert "You have learned 2 days in a row." in reply.text


@pytest.mark.parametrize(
    ("place", "default", "zone_label"),
    [
        ("US-AZ", "America/Phoenix", "Arizona"),
        ("US", "America/New_York", "Eastern time"),
        ("GB", "Europe/London", "United Kingdom"),
        ("MX", "America/Mexico_City", "Central Mexico (Mexico City)"),
        ("CA", "America/Toronto", "Eastern time (Toronto)"),
    ],
)
def test_the_default_time_zone_follows_default_place(
    shipped_content: Content, place: str, default: str, zone_label: str
) -> None:
    """A deployment's DEFAULT_PLACE picks the zone reminders start with; turning reminders on
    stores it."""
    content = replace(shipped_content, default_place=place)
    assert offered_zones(content.places, place)[0] == default
    chat = CoreChat(content)
    assert f"({zone_label})" in screen_text(chat)
    chat.click("Turn reminders on")
    [effect] = [e for e in chat.effects if isinstance(e, SetReminder)]
    assert effect.plan is not None and effect.plan.zone == default


def test_every_covered_country_offers_its_zones_each_with_a_name(shipped_content: Content) -> None:
    """Mexico's zones (and every covered country's) are offered once each, UTC last, and each
    has a name to show."""
    offered = offered_zones(shipped_content.places, "US-AZ")
    assert offered[0] == "America/Phoenix" and offered[-1] == "UTC"
    assert len(offered) == len(set(offered))
    for zone in ("America/Mexico_City", "America/Cancun", "America/Mazatlan", "America/Tijuana"):
        assert zone in offered
    assert sorted(z for z in offered if z not in texts.ZONE_NAMES) == []


def test_the_zone_button_cycles_through_the_offered_zones(shipped_content: Content) -> None:
    """Tapping the zone button as many times as zones are offered comes back to the first."""
    chat = CoreChat(replace(shipped_content, default_place="MX"))
    screen_text(chat)
    offered = offered_zones(shipped_content.places, "MX")
    seen = []
    for _ in offered:
        [label] = [b.label for row in chat.keyboard.rows for b in row if "Time zone" in b.label]
        chat.click(label)
        seen.append(chat.state.plan.zone)
    assert seen == [*offered[1:], offered[0]]


def test_where_reminders_cannot_be_sent_the_screen_says_so(shipped_content: Content) -> None:
    """The local chat cannot deliver a reminder: the screen says reminders work on Telegram,
    offers nothing to turn on, and a forged tap stores nothing."""
    content = replace(shipped_content, sends_reminders=False)
    chat = CoreChat(content)
    text = screen_text(chat)
    assert "Reminders work when you use Beacon on Telegram." in text
    assert "Reminders are off" not in text and "Reminders are on" not in text
    labels = [b.label for row in chat.keyboard.rows for b in row]
    assert labels == ["Back", "Home"]
    chat.send("/reminders")
    assert not chat.state.plan.on and not [e for e in chat.effects if isinstance(e, SetReminder)]
