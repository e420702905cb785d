"""One simulated user, three drivers: the same script of sends, clicks and expectations passes
through the pure engine, through the service on SQLite, and through each Telegram runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.testing.database import open_database
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.service import service_on
from bot.testing.telegram import TelegramUser, running
from bot.testing.user import EngineUser, ServiceUser, SimulatedUser

DRIVERS = ["engine", "service", "aiogram", "ptb"]


@pytest.fixture(params=DRIVERS)
async def user(
    request: pytest.FixtureRequest,
    shipped_content: Content,
    catalogs: Catalogs,
    tmp_path: Path,
    fake: FakeTelegram,
    app: App,
) -> AsyncIterator[SimulatedUser]:
    """A new user on one driver: the engine, the service, or a Telegram runtime."""
    if request.param == "engine":
        yield EngineUser(shipped_content, catalogs)
    elif request.param == "service":
        async with open_database("sqlite", tmp_path) as database:
            yield ServiceUser(service_on(database.store, shipped_content))
    else:
        async with running(fake, app, request.param, "polling") as runtime:
            yield TelegramUser(fake, runtime)


async def test_send_click_and_expect_read_the_same_on_every_driver(user: SimulatedUser) -> None:
    """/start shows the welcome and the home menu; clicking by label opens About, then Home."""
    await user.send("/start")
    user.expect("Welcome to Beacon.", buttons=["Learn the signs", "Report or get help"])
    await user.click("About and privacy")
    user.expect("About Beacon", buttons=["What Beacon keeps", "Home"])
    assert user.seen[0] == {"tap_answer": None}
    await user.click("Home")
    user.expect("Welcome to Beacon.", buttons=["Language"])


async def test_expect_fails_on_what_was_not_shown(user: SimulatedUser) -> None:
    """`expect` fails for a text or a button the last answer did not show."""
    await user.send("/start")
    with pytest.raises(AssertionError, match="Nowhere"):
        user.expect("Nowhere in Beacon")
    with pytest.raises(AssertionError, match="Take off"):
        user.expect(buttons=["Take off"])
    with pytest.raises(AssertionError, match="Take off"):
        await user.click("Take off")
