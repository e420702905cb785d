"""`python -m bot run` as a real process against the fake server: serves, then stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from tests.telegram.conftest import RUNTIMES, new_user

MARKER = "MARKER-4b1d lives at 1234 Main St"


async def wait_for(condition: object, seconds: float) -> None:
    """Poll a condition every 50 ms, failing after `seconds` (a bounded wait)."""
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_run_serves_telegram_and_stops_cleanly_on_sigterm(
    fake: FakeTelegram, tmp_path: Path, kind: str
) -> None:
    """The bot process answers, finishes in-flight updates on SIGTERM, and logs no secrets."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, BOT_RUNTIME=kind,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}", LOG_LEVEL="DEBUG",
        PYTHONPATH=str(PROJECT_ROOT),
    )  # fmt: skip
    log_path = tmp_path / "bot.log"
    log_file = log_path.open("wb")  # a file, not a pipe, so the bot never blocks on its logs
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
    )  # fmt: skip
    try:
        await wait_for(lambda: fake.calls_to("getUpdates"), 60)
        people = [new_user() for _ in range(20)]
        first = [fake.send_text(p, "/start") for p in people]
        for update_id in first:
            await fake.wait_delivered(update_id, timeout=30)
        await wait_for(lambda: all(fake.first_reply_after(u) for u in first), 30)
        burst = [fake.send_text(p, text) for p in people for text in (MARKER, "/help", "/menu")]
        await wait_for(lambda: any(fake.delivered_at(u) for u in burst), 30)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log_file.close()
    logs = log_path.read_text()
    assert process.returncode == 0, logs[-2000:]
    handed_over = [u for u in burst if fake.delivered_at(u) is not None]
    assert handed_over and all(fake.first_reply_after(u) for u in handed_over)
    assert "telegram_stopped" in logs
    assert fake.token not in logs and fake.token.split(":")[1] not in logs
    assert "MARKER" not in logs and "Main St" not in logs
    assert all(str(p.id) not in logs for p in people)
    assert fake.calls_to("setMyCommands") and fake.calls_to("setMyShortDescription")


POISON_TEXT = "MARKER-poison-7c2e lives at 99 Elm St"


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_poisoned_update_is_skipped_by_id_and_leaks_nothing_at_debug(
    fake: FakeTelegram, tmp_path: Path, kind: str
) -> None:
    """An update no library could parse (wrong types everywhere, the text and id inside) is
    skipped with a line naming its update id; the updates around it are answered; at DEBUG no
    log line holds a user's text, a user id or the token."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        BOT_TOKEN=fake.token, BOT_API_URL=fake.base_url, BOT_RUNTIME=kind, LOG_LEVEL="DEBUG",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}",
        USER_KEY_SECRET=TEST_USER_KEY_SECRET, PYTHONPATH=str(PROJECT_ROOT),
    )  # fmt: skip
    log_path = tmp_path / "bot.log"
    log_file = log_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
    )  # fmt: skip
    people = [new_user() for _ in range(3)]
    try:
        await wait_for(lambda: fake.calls_to("getUpdates"), 60)
        before = [fake.send_text(p, MARKER) for p in people]
        poisoned = fake.enqueue(
            {
                "message": {
                    "message_id": "seven",
                    "date": "today",
                    "chat": {"id": people[0].id, "type": ["private"]},
                    "from": {"id": str(people[0].id), "is_bot": "no", "first_name": 5},
                    "text": {"body": POISON_TEXT},
                }
            }
        )
        after = [fake.send_text(p, "/help") for p in people]
        await wait_for(lambda: all(fake.first_reply_after(u) for u in before + after), 60)
        await wait_for(lambda: f"update_id={poisoned}" in log_path.read_text(), 30)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log_file.close()
    logs = log_path.read_text()
    assert process.returncode == 0, logs[-2000:]
    [line] = [line for line in logs.splitlines() if f"update_id={poisoned}" in line]
    assert "update_ignored" in line
    for secret in (fake.token, fake.token.split(":")[1], "MARKER", "Main St", "Elm St"):
        assert secret not in logs
    assert all(str(p.id) not in logs for p in people)
