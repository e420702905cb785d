"""Statements per update on PostgreSQL: an ordinary update (a tap that moves a conversation on)
costs a fixed, small number of statements from its arrival to its reply's removal from the
outbox, counted on the store's own connections."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content.bundle import Content
from bot.core.events import Start, Tap
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Reply
from bot.storage.database import migrate
from bot.storage.postgres_store import PostgresStore
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import empty_database
from bot.testing.round_trips import StatementCounter
from bot.testing.service import RAW_ID, service_on

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
)
ADDRESS = {"chat": int(RAW_ID), "message": None, "callback": None, "user": int(RAW_ID)}


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[tuple[PostgresStore, StatementCounter]]:
    """A store on a fresh PostgreSQL schema whose connections count their statements."""
    counter = StatementCounter()
    async with empty_database("postgresql", tmp_path) as empty:
        await migrate(empty.engine)
        assert empty.search_path is not None
        store = await PostgresStore.connect(
            empty.url, server_settings={"search_path": empty.search_path}, init=counter.install
        )
        try:
            yield store, counter
        finally:
            await store.close()


async def handle(service: ConversationService, event: object, update_id: int) -> list[str]:
    """Accept an update, take its turn, and mark its reply delivered (as a channel does);
    return the labels of the reply's first buttons."""
    now = service.clock.now()
    pending = await service.accept(
        Inbound("telegram", RAW_ID, event, "en", update_id, ADDRESS)  # type: ignore[arg-type]
    )
    turn = await service.outbox.turn(pending, now)
    assert not turn.wait and not turn.first
    await service.outbox.delivered(pending)
    replies = [item for item in pending.parcel.items if isinstance(item, Reply)]
    return [b.data for row in replies[-1].buttons for b in row]


async def test_an_ordinary_update_costs_five_statements(
    counted: tuple[PostgresStore, StatementCounter], content: Content
) -> None:
    """BEGIN, the load (claim, user, state), the write (state and outbox entry, which also says
    the entry is the person's first), COMMIT, and the entry's removal once delivered; no
    separate look for earlier entries (7 statements before the write was one)."""
    store, counter = counted
    service = service_on(store, content, ManualClock(FIXED_NOW))
    buttons = await handle(service, Start(), 1)
    mark = len(await counter.settled())
    await handle(service, Tap(buttons[0]), 2)
    assert await counter.since(mark) == ["BEGIN", "WITH", "WITH", "COMMIT", "DELETE"]
