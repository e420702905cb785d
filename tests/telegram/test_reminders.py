"""Reminders on Telegram: a Spanish-speaking learner opts in with buttons, gets one reminder in
Spanish when it is due (through the real client and the fake Bot API server), and one tap
turns reminders off."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.app import App, reminder_scheduler
from bot.core import texts
from bot.runner import run_until_signalled
from bot.service.channels import Channels
from bot.service.render import Renderer
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running, runtime_config
from bot.transports.telegram.launch import MenuPublishingRuntime, TelegramChannel, make_runtime

MONDAY_NOON_AZ = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_reminder_arrives_once_in_spanish_and_one_tap_stops_them(
    fake: FakeTelegram, app: App, clock: ManualClock, kind: str
) -> None:
    """Opt in on Sunday; Monday noon (Arizona) brings one Spanish reminder; off stops them."""
    catalogs = app.service.catalogs
    spanish = Renderer(catalogs.translator("es"), "es")
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user("es")
        user = TelegramUser(fake, runtime, person)
        await user.act({"send": "/reminders"})
        await user.act({"click": spanish.say(texts.REMINDERS_TURN_ON)})
        scheduler = reminder_scheduler(app, Channels([TelegramChannel(runtime)]))
        clock.moment = MONDAY_NOON_AZ + dt.timedelta(seconds=1)
        fake.transcript_reset(person.id)
        assert await scheduler.run_once() == 1
        assert await scheduler.run_once() == 0
        [reminder] = fake.transcript(person.id)
        assert reminder["text"] == spanish.say(texts.REMINDER)
        assert "/learn" in reminder["text"]
        await user.act({"send": "/reminders"})
        await user.act({"click": spanish.say(texts.REMINDERS_TURN_OFF)})
        fake.transcript_reset(person.id)
        clock.moment += dt.timedelta(days=7)
        assert await scheduler.run_once() == 0
        assert fake.transcript(person.id) == []


async def test_the_runner_serves_telegram_beside_the_jobs_and_stops_cleanly(
    fake: FakeTelegram, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Run by the runner, the Telegram channel answers and says how updates arrive; on stop
    the jobs end first, then Telegram, which reports it stopped."""
    runtime = make_runtime("aiogram", runtime_config(fake, "polling"), app)
    channel = TelegramChannel(MenuPublishingRuntime(runtime, app))
    stop = asyncio.Event()
    caplog.set_level("INFO", logger="beacon.telegram")
    serving = asyncio.create_task(run_until_signalled(app, [channel], stop))
    while "telegram_started" not in caplog.text:
        assert not serving.done(), serving
        await asyncio.sleep(0.01)
    assert "telegram_started mode=polling" in caplog.text
    user = TelegramUser(fake, runtime, new_user())
    assert await user.act({"send": "/start"})
    stop.set()
    await asyncio.wait_for(serving, 30)
    assert "telegram_stopped" in caplog.text
