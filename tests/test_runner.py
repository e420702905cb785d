"""The runner: transports side by side in one process with the jobs beside them. A due reminder
goes out through the channel of the learner's platform, one with no channel here is skipped
(kept for next time) without a trace of the person in the logs, and everything stops in
reverse order, on a signal too."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import itertools
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import TRANSPORTS, App, wanted_transports
from bot.core import texts
from bot.core.events import Event, Start, Tap
from bot.core.inputs import parse_text
from bot.runner import run_until_signalled, serve
from bot.service.channels import Channels, UnknownPlatform
from bot.service.messages import Inbound, Reply
from bot.settings import Settings
from bot.storage.reminder_table import SqlReminderTable
from bot.testing.clocks import ManualClock

MONDAY_NOON_AZ = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)
"""The first reminder of the default plan (Mon, Wed, Fri at 12:00 Arizona) after FIXED_NOW."""
_update_ids = itertools.count(1)


class FakeChannel:
    """A channel that records its start, stop and what it sent, in a log shared with others."""

    def __init__(self, platform: str, log: list[str]) -> None:
        """Serve `platform`; write what happens to `log`."""
        self.platform = platform
        self.log = log
        self.sent: list[tuple[str, str]] = []

    async def start(self) -> None:
        """Record the start."""
        self.log.append(f"start {self.platform}")

    async def stop(self) -> None:
        """Record the stop."""
        self.log.append(f"stop {self.platform}")

    async def send(self, address: str, text: str) -> bool:
        """Record a text sent to an address."""
        self.sent.append((address, text))
        return True


async def opt_in(app: App, platform: str, user_id: str) -> None:
    """Start, open /reminders and turn them on, as a person on `platform`."""

    async def act(event: Event) -> list[Reply]:
        """Handle one event of the person; return the replies."""
        inbound = Inbound(platform, user_id, event, "en", next(_update_ids))
        return [out for out in await app.service.handle(inbound) if isinstance(out, Reply)]

    await act(Start())
    replies = await act(parse_text("/reminders"))
    [data] = [
        button.data
        for reply in replies
        for row in reply.buttons
        for button in row
        if button.label == "Turn reminders on"
    ]
    await act(Tap(data))


async def until(condition: Callable[[], bool], task: asyncio.Task[None]) -> None:
    """Wait (at most 10 s) until `condition` holds, failing early if the runner ended."""
    async with asyncio.timeout(10):
        while not condition():
            assert not task.done(), task
            await asyncio.sleep(0.01)


async def test_a_due_reminder_goes_out_on_its_own_platform_and_an_unknown_one_is_skipped(
    app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Two channels run side by side with the jobs: each learner's reminder goes through the
    channel of their platform; a learner whose platform no channel serves keeps their plan and
    is named nowhere in the logs; stopping ends the jobs, then the channels, last first."""
    await opt_in(app, "telegram", "5550001")
    await opt_in(app, "web", "visitor-7")
    await opt_in(app, "sms", "5550003")
    clock.moment = MONDAY_NOON_AZ + dt.timedelta(seconds=1)
    log: list[str] = []
    telegram, web = FakeChannel("telegram", log), FakeChannel("web", log)
    stop = asyncio.Event()
    caplog.set_level("INFO")
    task = asyncio.create_task(run_until_signalled(app, [telegram, web], stop))
    await until(
        lambda: "reminder_skipped" in caplog.text and bool(telegram.sent and web.sent), task
    )
    stop.set()
    await task
    reminder = app.service.say(texts.REMINDER, None, "en")
    assert telegram.sent == [("5550001", reminder)]
    assert web.sent == [("visitor-7", reminder)]
    assert "reminder_skipped reason=unknown_platform" in caplog.text
    assert not any(person in caplog.text for person in ("5550001", "visitor-7", "5550003"))
    assert log == ["start telegram", "start web", "stop web", "stop telegram"]
    reminders = SqlReminderTable(app.database)
    assert await reminders.due(clock.moment, 10) == [], "each went out or was skipped, once"
    week = await reminders.due(clock.moment + dt.timedelta(days=7), 10)
    assert len(week) == 3, "and stays planned for its next time"


async def test_sigterm_stops_the_runner_cleanly(app: App) -> None:
    """SIGTERM to the process stops the jobs and the channels; the runner returns."""
    log: list[str] = []
    task = asyncio.create_task(run_until_signalled(app, [FakeChannel("telegram", log)]))
    await until(lambda: log == ["start telegram"], task)
    await asyncio.sleep(0.05)  # let the jobs' first rounds begin
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 10)
    assert log == ["start telegram", "stop telegram"]


class Part:
    """A part that records its start and stop; its start can fail."""

    def __init__(self, name: str, log: list[str], fails: bool = False) -> None:
        """Name the part; fail at start when asked."""
        self.name = name
        self.log = log
        self.fails = fails

    async def start(self) -> None:
        """Record the start, or fail."""
        if self.fails:
            raise ConnectionError("cannot start")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        """Record the stop."""
        self.log.append(f"stop {self.name}")


async def test_parts_stop_in_reverse_order_and_a_failed_start_stops_those_started() -> None:
    """Stopping runs last first; a part that cannot start stops the ones before it and the
    failure reaches the caller (the command line reports it)."""
    log: list[str] = []
    stop = asyncio.Event()
    stop.set()
    await serve([Part("a", log), Part("b", log), Part("jobs", log)], stop)
    assert log == ["start a", "start b", "start jobs", "stop jobs", "stop b", "stop a"]
    log.clear()
    with pytest.raises(ConnectionError):
        await serve([Part("a", log), Part("b", log, fails=True), Part("c", log)], asyncio.Event())
    assert log == ["start a", "stop a"]


async def test_channels_refuse_two_of_one_platform_and_name_an_unknown_one() -> None:
    """Each platform has one channel; a text for a platform none serves raises UnknownPlatform."""
    log: list[str] = []
    with pytest.raises(ValueError, match="two channels"):
        Channels([FakeChannel("web", log), FakeChannel("web", log)])
    channels = Channels([FakeChannel("web", log)])
    with pytest.raises(UnknownPlatform):
        await channels.send("telegram", "1", "hello")


def test_settings_turn_transports_on_and_every_builder_imports(tmp_path: Path) -> None:
    """BOT_TOKEN turns Telegram on; without a transport `run` is the local chat; every
    registered builder names a function that exists."""
    off = Settings(data_dir=tmp_path, bot_token=None)
    on = off.model_copy(update={"bot_token": "123456789:token"})
    assert wanted_transports(off) == []
    assert [t.name for t in wanted_transports(on)] == ["telegram"]
    for transport in TRANSPORTS:
        module, function = transport.builder.split(":")
        assert callable(getattr(importlib.import_module(module), function))
