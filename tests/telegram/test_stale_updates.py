"""Two webhook workers on one database, a person's updates reaching them out of order (as when
Telegram retries an update that a load balancer then sends to another worker): the late, older
update changes nothing, so the person ends where their newest update put them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import App, build_app
from bot.settings import Settings
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import fresh_database
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.telegram import QUICK_RETRIES, WEBHOOK_SECRET, new_user, runtime_config
from bot.transports.telegram.launch import make_runtime
from bot.transports.telegram.runtime import TelegramRuntime

OVERTAKEN = "That message arrived after a newer one, so nothing changed."


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database both workers share: a SQLite file, or a fresh database on
    the PostgreSQL server (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    async with fresh_database(server, "beacon_stale") as (name, _):
        yield server.rsplit("/", 1)[0] + f"/{name}"


async def worker(
    stack: AsyncExitStack, fake: FakeTelegram, settings: Settings, clock: ManualClock
) -> tuple[App, TelegramRuntime]:
    """Start one webhook worker on the shared database; it does not register its webhook, so
    the fake server keeps the updates and the test hands them to whichever worker it likes."""
    app = await build_app(settings, clock)
    stack.push_async_callback(app.close)
    config = runtime_config(fake, "webhook")
    assert config.webhook is not None
    config = replace(config, webhook=replace(config.webhook, registers=False))
    runtime = make_runtime("aiogram", config, app, QUICK_RETRIES)
    await runtime.start()
    stack.push_async_callback(runtime.stop)
    return app, runtime


async def push(runtime: TelegramRuntime, update: dict[str, Any]) -> None:
    """POST one update to a worker's webhook, as Telegram does, and wait until it is handled
    and its replies delivered."""
    assert runtime.config.webhook is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with (
        aiohttp.ClientSession() as session,
        session.post(runtime.config.webhook.url, json=update, headers=headers) as response,
    ):
        assert response.status == 200
    await runtime.bridge.wait_handled(int(update["update_id"]))


async def stored_state(app: App) -> dict[str, Any]:
    """Return the one stored conversation state."""
    async with app.database.connect() as connection:
        [state] = (await connection.execute(text("SELECT state FROM conversations"))).scalars()
    return json.loads(state) if isinstance(state, str) else dict(state)


def taken(fake: FakeTelegram, *update_ids: int) -> list[dict[str, Any]]:
    """Take queued updates out of the fake server's queue (the test delivers them)."""
    queue = fake.world.queue
    pending = {int(u["update_id"]): u for u in queue.peek(queue.pending_count)}
    for update_id in update_ids:
        queue.remove(update_id)
    return [pending[update_id] for update_id in update_ids]


async def test_an_older_update_on_another_worker_does_not_override_a_newer_one(
    fake: FakeTelegram, database_url: str, tmp_path: Path
) -> None:
    """A person sends /help then /learn; /learn reaches worker B first, /help reaches worker A
    after it. /help changes nothing: the person stays where /learn put them, is told the
    message arrived after a newer one, and the update counts as stale."""
    settings = Settings(
        database_url=database_url, user_key_secret=TEST_USER_KEY_SECRET, data_dir=tmp_path,
        bot_token=None, telegram_rate=0, auto_migrate=True,
    )  # fmt: skip
    clock = ManualClock(FIXED_NOW)
    person = new_user()
    async with AsyncExitStack() as stack:
        first, worker_a = await worker(stack, fake, settings, clock)
        second, worker_b = await worker(stack, fake, settings, clock)
        ids = (fake.send_text(person, "/start"), fake.send_text(person, "/help"))
        start, older, newer = taken(fake, *ids, fake.send_text(person, "/learn"))
        await push(worker_a, start)
        await push(worker_b, newer)
        after_newest = await stored_state(first)
        sent = len(fake.messages(person.id))
        await push(worker_a, older)
        assert await stored_state(second) == after_newest
        late = [str(m.get("text", "")) for m in fake.messages(person.id)[sent:]]
        assert late[0] == OVERTAKEN
        assert fake.messages(person.id)[-1].get("reply_markup"), "the screen is shown again"
        stale = first.service.metrics.registry.get_sample_value(
            "beacon_updates_total", {"channel": "telegram", "outcome": "stale"}
        )
        assert stale == 1
