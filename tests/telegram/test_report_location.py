"""A shared location on Telegram picks the place offline and leaves no trace of itself."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.app import App
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running

LONDON = ("51.5007", "-0.1246")
"""Where the fake server's location messages point (see its builders)."""


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_shared_location_answers_the_place_question(
    fake: FakeTelegram, app: App, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """On the place question, a location in London shows the UK's 999 first and its helpline
    next; only the country is stored, and the coordinates reach no log and no table. (Client
    libraries log whole updates at DEBUG; Beacon holds them at INFO, see bot/logs.py, so only
    records a running Beacon would emit are checked: its own at any level, others from INFO.)"""
    caplog.set_level(logging.DEBUG)
    async with running(fake, app, kind, "polling") as runtime:
        user = TelegramUser(fake, runtime, new_user())
        await user.act({"send": "/start report"})
        seen = await user.act({"other": "location"})
        screen = seen[-1]["text"]
        assert screen.startswith("If anyone is in immediate danger, call 999 now.")
        assert "Showing channels for United Kingdom." in screen
        seen = await user.act({"click": "I'm not sure what it is"})
        assert "Modern Slavery & Exploitation Helpline" in seen[-1]["text"]
    async with app.database.connect() as connection:
        tables = [
            row[0]
            for row in await connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
        ]
        dump = repr([list(await connection.execute(text(f'SELECT * FROM "{t}"'))) for t in tables])
    assert '"GB"' in dump or "'GB'" in dump
    emitted = " ".join(
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("beacon") or r.levelno >= logging.INFO
    )
    assert any(r.name.startswith("beacon") for r in caplog.records)
    for number in LONDON:
        assert number not in dump and number not in emitted
    assert "London" not in dump and "England" not in dump and "England" not in emitted
