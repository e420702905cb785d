"""Retention: users inactive past RETENTION_DAYS leave no row behind (their certificate keeps
only the course and date), active users are untouched, old update ids go (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from bot.content.bundle import Content
from bot.core.events import Start
from bot.settings import PROJECT_ROOT
from bot.storage.certificate_table import CertificateTable
from bot.storage.retention import RetentionJob
from bot.testing.clocks import ManualClock
from bot.testing.simulator import FIXED_NOW
from tests.conftest import Database
from tests.service.test_service import SECRET, User, service_on

DAY = dt.timedelta(days=1)


async def visit(database: Database, content: Content, user_id: str, when: dt.datetime) -> User:
    """Have a user answer a question and turn reminders on at `when`."""
    service = service_on(database.store, content)
    service.clock = ManualClock(when)
    user = User(service, user_id)
    user.update_id = int(user_id) * 1000  # update ids are unique per platform, not per user
    await user.event(Start("signs"))
    await user.click("Start")
    await user.event(Start("signs"))
    await user.send("/reminders")
    await user.click("Turn reminders on")
    return user


async def test_inactive_users_are_deleted_and_active_ones_kept(
    database: Database, content: Content
) -> None:
    """After 180 days the old user's rows are gone, the certificate nameless; the other stays."""
    await visit(database, content, "111", FIXED_NOW)
    await visit(database, content, "222", FIXED_NOW + 170 * DAY)
    certificates = CertificateTable(database.engine)
    old_key = service_on(database.store, content).keyer.key("telegram", "111")
    issued = await certificates.issue(old_key, "learn:menu", "Ana", "en", FIXED_NOW)
    before = await database.counts()
    assert before["users"] == 2 and before["reminders"] == 2
    job = RetentionJob(database.engine, ManualClock(FIXED_NOW + 181 * DAY), days=180)
    purged = await job.run_once()
    assert (purged.users, purged.update_ids) == (1, before["processed_updates"])
    after = await database.counts()
    assert after["users"] == 1 and after["conversations"] == 1 and after["reminders"] == 1
    kept = await certificates.find(issued.serial)
    assert kept is not None and kept.name is None and kept.course == "learn:menu"
    assert after["certificates"] == 1


async def test_nothing_is_deleted_within_the_retention_period(
    database: Database, content: Content
) -> None:
    """A user seen 179 days ago stays; a day-old update id stays."""
    await visit(database, content, "333", FIXED_NOW)
    job = RetentionJob(database.engine, ManualClock(FIXED_NOW + DAY), days=180)
    assert (await job.run_once()).users == 0
    assert (await database.counts())["processed_updates"] > 0
    job = RetentionJob(database.engine, ManualClock(FIXED_NOW + 179 * DAY), days=180)
    assert (await job.run_once()).users == 0


def test_purge_on_the_command_line(tmp_path: Path) -> None:
    """`python -m bot purge` migrates if needed and reports what it deleted."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge"],
        env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
             "USER_KEY_SECRET": SECRET.decode()},
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "purged 0 inactive users and 0 old update ids"
