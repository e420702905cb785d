"""The fault test: 10,000 updates while Telegram answers 10% of sends 429 and 5% 500."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.app import App
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, new_user, running

USERS = 500
PER_USER = 20
SENDS = ["sendMessage", "editMessageText"]


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_every_update_gets_its_reply_exactly_once(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """Under 429s and 500s every update is answered once, in order, and changes state once."""
    fake.set_faults(SENDS, rate_429=0.10, rate_500=0.05, retry_after=1)
    people = [new_user() for _ in range(USERS)]
    commands = ["/help", "/menu"] * (PER_USER // 2)
    async with running(fake, app, kind, "polling") as runtime:
        update_ids = [fake.send_text(person, command) for command in commands for person in people]
        for update_id in update_ids:
            await runtime.bridge.wait_handled(update_id, limit=300)

    sent = [c for c in fake.calls_to("sendMessage")]
    statuses = Counter(c.status for c in sent)
    assert statuses[429] > 0.05 * len(sent) and statuses[500] > 0.02 * len(sent), statuses
    delivered = Counter(c.chat_id for c in sent if c.status == 200)
    assert set(delivered.values()) == {PER_USER}, "some update got no reply, or two"
    assert len(delivered) == USERS
    for person in people[:25]:
        firsts = [entry["text"].split("\n")[0] for entry in fake.transcript(person.id)]
        assert firsts == [firsts[0], firsts[1]] * (PER_USER // 2)

    async with app.database.connect() as connection:
        rows = (await connection.exec_driver_sql("SELECT state FROM conversations")).all()
        claimed = (
            await connection.exec_driver_sql("SELECT count(*) FROM processed_updates")
        ).scalar()
    revisions = Counter(json.loads(state)["revision"] for (state,) in rows)
    assert revisions == {PER_USER: USERS}, "a state change happened twice, or not at all"
    assert claimed == USERS * PER_USER
