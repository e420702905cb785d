"""Reminder settings: days, hour and time zone, on or off; /reminders and the course open them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import CourseNode
from bot.core import texts
from bot.core.builtins.base import Builtin, ChatCommand, builtin_at
from bot.core.codec import Callback, Op
from bot.core.effects import Button, Effect, Msg, Part, Screen, SetReminder, joined
from bot.core.navigation import Step, arrive, current, opener, show
from bot.core.reminders import ReminderPlan, next_reminder, offered_zones
from bot.core.screens import back_home, button
from bot.core.state import ConversationState

POSITION = builtin_at("reminders")


def zones(content: Content) -> tuple[str, ...]:
    """Return the time zones offered, the one of the deployment's DEFAULT_PLACE first."""
    return offered_zones(content.places, content.default_place)


def render(content: Content, state: ConversationState) -> Screen:
    """Return the reminder settings: days to tick, the hour, the zone, and on or off; where
    Beacon can never send a reminder (the local chat), say so instead."""
    rev = state.revision
    if not content.sends_reminders:
        return Screen(POSITION, (texts.REMINDERS_ELSEWHERE,), (back_home(rev),), replace=True)
    plan = state.plan.zoned(zones(content))
    zone = texts.ZONE_NAMES.get(plan.zone, Msg("", plan.zone, translate=False))
    status = texts.REMINDERS_ON if plan.on else texts.REMINDERS_OFF
    days = joined([texts.WEEKDAYS[d] for d in sorted(plan.days)], ", ")
    when = texts.REMINDERS_PLAN.fill(days=days, time=dt.time(plan.hour), zone=zone)
    day_buttons = [
        button(texts.TICKED.fill(title=name) if d in plan.days else name, rev, Op.REMIND, f"d{d}")
        for d, name in enumerate(texts.WEEKDAYS)
    ]
    rows: list[tuple[Button, ...]] = [
        tuple(day_buttons[:4]),
        tuple(day_buttons[4:]),
        (button(texts.EARLIER, rev, Op.REMIND, "hm"), button(texts.LATER, rev, Op.REMIND, "hp")),
        (button(texts.OTHER_ZONE.fill(zone=zone), rev, Op.REMIND, "zp"),),
    ]
    if plan.on:
        rows.append((button(texts.REMINDERS_TURN_OFF, rev, Op.REMIND, "off"),))
    elif plan.days:
        rows.append((button(texts.REMINDERS_TURN_ON, rev, Op.REMIND, "on"),))
    rows.append(back_home(rev))
    parts: tuple[Part, ...] = (status, when if plan.days else texts.REMINDERS_NO_DAYS)
    parts = (*parts, texts.REMINDERS_PRIVACY)
    if state.streak.days:
        parts = (*parts, texts.STREAK.fill(count=state.streak.days))
    return Screen(POSITION, parts, tuple(rows), replace=True)


def changed_plan(plan: ReminderPlan, arg: str, offered: tuple[str, ...]) -> ReminderPlan | None:
    """Return the plan a reminder-settings button makes, or None for a forged argument."""
    if len(arg) == 2 and arg[0] == "d" and arg[1] in "0123456":
        return plan.toggled(int(arg[1]))
    changes = {
        "hm": lambda: plan.shifted(-1),
        "hp": lambda: plan.shifted(1),
        "zp": lambda: plan.next_zone(1, offered),
        "on": lambda: replace(plan, on=True) if plan.days else plan,
        "off": lambda: replace(plan, on=False),
    }
    change = changes.get(arg)
    return change() if change else None


def set_reminders(
    content: Content, state: ConversationState, arg: str, now: dt.datetime
) -> Step | None:
    """Apply a reminder setting; when reminders are (or were) on, store the plan or drop it.
    Nothing changes where Beacon can never send one."""
    offered = zones(content)
    plan = changed_plan(state.plan.zoned(offered), arg, offered)
    if plan is None or not content.sends_reminders:
        return None
    new = replace(state, plan=plan).bumped()
    effects: tuple[Effect, ...] = show(content, new)
    if plan.on and plan.days:
        effects = (SetReminder(plan, next_reminder(plan, now)), *effects)
    elif state.plan.on or arg == "off":
        new = replace(new, plan=replace(plan, on=False))
        effects = (SetReminder(None), *show(content, new))
    return Step(new, effects)


def tap(content: Content, state: ConversationState, cb: Callback, now: dt.datetime) -> Step | None:
    """Apply a setting here; open the settings from the course's "Reminders" button."""
    if cb.op is not Op.REMIND:
        return None
    pos = current(content, state)
    if pos == POSITION:
        return set_reminders(content, state, cb.arg, now)
    if isinstance(content.node(pos.tree, pos.node), CourseNode) and cb.arg == "open":
        return arrive(content, state, POSITION)
    return None


BUILTIN = Builtin(
    POSITION,
    render,
    tap,
    ops=frozenset({Op.REMIND}),
    commands=(ChatCommand("reminders", 80, texts.COMMAND_REMINDERS, opener(POSITION)),),
)
