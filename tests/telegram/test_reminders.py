"""Reminders on Telegram: a Spanish-speaking learner opts in with buttons, gets one reminder in
Spanish when it is due (through the real client and the fake Bot API server), and one tap
turns reminders off."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import App
from bot.core import texts
from bot.service.render import Renderer
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running
from bot.transports.telegram.launch import BackgroundRuntime
from bot.transports.telegram.runtime import TelegramRuntime

MONDAY_NOON_AZ = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_reminder_arrives_once_in_spanish_and_one_tap_stops_them(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """Opt in on Sunday; Monday noon (Arizona) brings one Spanish reminder; off stops them."""
    catalogs = app.service.catalogs
    spanish = Renderer(catalogs.translator("es"), "es")
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user("es")
        user = TelegramUser(fake, runtime, person)
        await user.act({"send": "/reminders"})
        await user.act({"click": spanish.say(texts.REMINDERS_TURN_ON)})
        reminding = BackgroundRuntime(runtime, app)
        clock = ManualClock(MONDAY_NOON_AZ + dt.timedelta(seconds=1))
        reminding.scheduler.clock = clock
        fake.transcript_reset(person.id)
        assert await reminding.scheduler.run_once() == 1
        assert await reminding.scheduler.run_once() == 0
        [reminder] = fake.transcript(person.id)
        assert reminder["text"] == spanish.say(texts.REMINDER)
        assert "/learn" in reminder["text"]
        await user.act({"send": "/reminders"})
        await user.act({"click": spanish.say(texts.REMINDERS_TURN_OFF)})
        fake.transcript_reset(person.id)
        clock.moment += dt.timedelta(days=7)
        assert await reminding.scheduler.run_once() == 0
        assert fake.transcript(person.id) == []


async def test_the_background_loops_start_and_stop_with_the_runtime(
    fake: FakeTelegram, app: App
) -> None:
    """The reminder and retention loops run while the bot runs and end cleanly with it."""
    async with running(fake, app, "aiogram", "polling") as runtime:
        reminding = BackgroundRuntime(runtime, app, every=0.01)
        reminding.runtime = _Started(runtime)  # the runtime is already started by `running`
        await reminding.start()
        assert len(reminding._tasks) == 2 and not any(t.done() for t in reminding._tasks)
        await reminding.stop()
        assert all(t.done() and t.exception() is None for t in reminding._tasks)


class _Started:
    """Stands for a runtime that `running()` already started and will stop itself."""

    def __init__(self, runtime: TelegramRuntime) -> None:
        """Wrap the started runtime."""
        self.bridge = runtime.bridge
        self.mode = runtime.mode

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""
