"""`python -m bot run` as a real process against the fake server: serves, then stops cleanly,
and a poisoned update is skipped by id while nothing private reaches the logs at DEBUG."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.crash import BotProcess, wait_until
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, new_user

MARKER = "MARKER-4b1d lives at 1234 Main St"
POISON_TEXT = "MARKER-poison-7c2e lives at 99 Elm St"


def assert_private(logs: str, fake: FakeTelegram, user_ids: list[int]) -> None:
    """No token, typed text or user id in the logs."""
    for secret in (fake.token, fake.token.split(":")[1], "MARKER", "Main St", "Elm St"):
        assert secret not in logs
    assert all(str(user_id) not in logs for user_id in user_ids)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_run_serves_telegram_and_stops_cleanly_on_sigterm(
    fake: FakeTelegram, tmp_path: Path, kind: str
) -> None:
    """The bot process answers, finishes in-flight updates on SIGTERM, and logs no secrets."""
    bot = BotProcess(fake, tmp_path, kind, log_level="DEBUG")
    people = [new_user() for _ in range(20)]
    try:
        await bot.start()
        first = [fake.send_text(p, "/start") for p in people]
        await wait_until(lambda: all(fake.first_reply_after(u) for u in first), 60, "replies")
        burst = [fake.send_text(p, text) for p in people for text in (MARKER, "/help", "/menu")]
        await wait_until(lambda: any(fake.delivered_at(u) for u in burst), 30, "a delivery")
        status = await bot.stop()
    finally:
        await bot.stop()
    logs = bot.log()
    assert status == 0, logs[-2000:]
    handed_over = [u for u in burst if fake.delivered_at(u) is not None]
    assert handed_over and all(fake.first_reply_after(u) for u in handed_over)
    assert "telegram_stopped" in logs
    assert_private(logs, fake, [p.id for p in people])
    assert fake.calls_to("setMyCommands") and fake.calls_to("setMyShortDescription")


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_poisoned_update_is_skipped_by_id_and_leaks_nothing_at_debug(
    fake: FakeTelegram, tmp_path: Path, kind: str
) -> None:
    """An update no library could parse (wrong types everywhere, the text and id inside) is
    skipped with a line naming its update id; the updates around it are answered; at DEBUG no
    log line holds a user's text, a user id or the token."""
    bot = BotProcess(fake, tmp_path, kind, log_level="DEBUG")
    people = [new_user() for _ in range(3)]
    try:
        await bot.start()
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
        ids = before + after
        await wait_until(lambda: all(fake.first_reply_after(u) for u in ids), 60, "replies")
        await wait_until(lambda: f"update_id={poisoned}" in bot.log(), 30, "the skip line")
        status = await bot.stop()
    finally:
        await bot.stop()
    logs = bot.log()
    assert status == 0, logs[-2000:]
    [line] = [line for line in logs.splitlines() if f"update_id={poisoned}" in line]
    assert "update_ignored" in line
    assert_private(logs, fake, [p.id for p in people])
