"""Retention: users inactive past RETENTION_DAYS leave no row behind (their certificate keeps
only the course and date), active users are untouched, old update ids go, and exit message ids
go once Telegram no longer lets Beacon delete them (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bot.content.bundle import Content
from bot.core.events import Start
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.storage.certificate_table import CertificateTable
from bot.storage.exit_message_table import ExitMessageWriter, SqlMessageLog
from bot.storage.retention import RetentionJob
from bot.storage.timestamps import stored_time
from bot.testing.clocks import ManualClock
from bot.testing.database import Database
from bot.testing.service import SECRET, service_on
from bot.testing.simulator import FIXED_NOW
from bot.testing.user import ServiceUser

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def exit_log(database: Database, clock: ManualClock) -> SqlMessageLog:
    """Return the exit message log on the test database, keyed as the test service keys."""
    assert isinstance(database.store, ExitMessageWriter)
    return SqlMessageLog(database.engine, UserKeyer(SECRET), clock, database.store, "telegram")


async def visit(
    database: Database, content: Content, user_id: str, when: dt.datetime
) -> ServiceUser:
    """Have a user answer a question and turn reminders on at `when`."""
    service = service_on(database.store, content)
    service.clock = ManualClock(when)
    user = ServiceUser(service, user_id)
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
    await exit_log(database, ManualClock(FIXED_NOW)).add(111, 1)
    await exit_log(database, ManualClock(FIXED_NOW + 181 * DAY - HOUR)).add(111, 2)
    await exit_log(database, ManualClock(FIXED_NOW + 181 * DAY - HOUR)).add(222, 3)
    before = await database.counts()
    assert before["users"] == 2 and before["reminders"] == 2 and before["exit_messages"] == 3
    job = RetentionJob(database.engine, ManualClock(FIXED_NOW + 181 * DAY), days=180)
    purged = await job.run_once()
    assert (purged.users, purged.update_ids) == (1, before["processed_updates"])
    assert purged.exit_messages == 2
    after = await database.counts()
    assert after["users"] == 1 and after["conversations"] == 1 and after["reminders"] == 1
    new_key = service_on(database.store, content).keyer.key("telegram", "222")
    assert [row[:2] for row in await database.rows("exit_messages")] == [(new_key, 3)]
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


async def test_exit_message_ids_go_after_48_hours(database: Database, content: Content) -> None:
    """Ids Telegram no longer lets Beacon delete are purged; younger ones and the user stay."""
    await visit(database, content, "444", FIXED_NOW)
    clock = ManualClock(FIXED_NOW)
    log = exit_log(database, clock)
    await log.add(444, 1)
    clock.advance(2 * HOUR)
    await log.add(444, 2)
    job = RetentionJob(database.engine, ManualClock(FIXED_NOW + 49 * HOUR), days=180)
    purged = await job.run_once()
    assert (purged.users, purged.exit_messages) == (0, 1)
    assert [row[1] for row in await database.rows("exit_messages")] == [2]
    assert (await database.counts())["users"] == 1
    assert await log.take_recent(444) == [2]


def test_purge_on_the_command_line(tmp_path: Path) -> None:
    """`python -m bot purge` migrates if needed and reports what it deleted."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge"],
        env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
             "USER_KEY_SECRET": SECRET.decode()},
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "purged 0 inactive users (and 0 admin rights), 0 old update ids, 0 old exit message "
        "ids, 0 campaign start markers and 0 undeliverable outbox entries"
    )


async def test_admin_rights_day_old_markers_and_undeliverable_outbox_entries_go(
    database: Database, content: Content
) -> None:
    """A purged user's admin rights go with them (an admin never seen stays); campaign start
    markers go once their day is over; outbox entries no one delivered for two days go."""
    await visit(database, content, "555", FIXED_NOW)
    keyer = service_on(database.store, content).keyer
    later = FIXED_NOW + 181 * DAY
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO organizations (id, name, headcount, target_percent, course, "
                "refresher_days, onboarding_days, asks_employee_id, created_at) "
                "VALUES (1, 'City', 10, 90, 'learn:menu', 365, 30, false, :now)"
            ),
            {"now": stored_time(database.engine, FIXED_NOW)},
        )
        for key in (keyer.key("telegram", "555"), "never-seen-" + "0" * 53):
            await connection.execute(
                text("INSERT INTO org_admins (organization_id, user_key) VALUES (1, :key)"),
                {"key": key},
            )
        for marker, day in (("a" * 64, later.date() - DAY), ("b" * 64, later.date())):
            await connection.execute(
                text("INSERT INTO campaign_starts (marker, day) VALUES (:marker, :day)"),
                {"marker": marker, "day": day},
            )
        for created in (later - 3 * DAY, later - HOUR):
            await connection.execute(
                text(
                    "INSERT INTO outbox (platform, payload, sent, attempts, created_at, next_at) "
                    "VALUES ('telegram', 'sealed', 0, 0, :at, :at)"
                ),
                {"at": stored_time(database.engine, created)},
            )
    purged = await RetentionJob(database.engine, ManualClock(later), days=180).run_once()
    assert (purged.users, purged.admin_rights) == (1, 1)
    assert (purged.start_markers, purged.outbox) == (1, 1)
    assert [row[1][:11] for row in await database.rows("org_admins")] == ["never-seen-"]
    assert [row[0] for row in await database.rows("campaign_starts")] == ["b" * 64]
    assert len(await database.rows("outbox")) == 1
