"""Organizations on the fake Telegram server, with both runtimes: members join through two
departments' links (consent, employee id typed), some complete the course, the admin's /admin
gets the figures, the chart and the CSV; a stranger's /admin is refused and logged without an
id; /forget removes a membership."""

from __future__ import annotations

import csv
import io
import logging

import pytest

from bot.app import App
from bot.orgs.directory import OrgDirectory
from bot.orgs.stats import Organization
from bot.service.user_keys import UserKeyer
from bot.settings import user_key_secret
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.simulator import FIXED_NOW
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running
from bot.testing.user import distinct_user, finish_course


async def member_rows(app: App) -> list[tuple[object, ...]]:
    """Return every membership row."""
    from sqlalchemy import text

    async with app.database.connect() as connection:
        return [tuple(r) for r in await connection.execute(text("SELECT * FROM memberships"))]


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_an_organization_from_join_links_to_admin_figures(
    fake: FakeTelegram, app: App, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two departments, twelve members, ten completions, one admin, one stranger."""
    directory = OrgDirectory(app.database)
    org = Organization(0, "City of Phoenix", 40, asks_employee_id=True)
    await directory.create(org, FIXED_NOW)
    parks = await directory.add_department(org.name, "Parks")
    water = await directory.add_department(org.name, "Water")
    caplog.set_level(logging.INFO)
    async with running(fake, app, kind, "polling") as runtime:
        members = []
        for i in range(12):
            user = TelegramUser(fake, runtime, new_user("en"))
            code = parks.join_code if i < 6 else water.join_code
            [consent] = await user.act({"send": f"/start {code}"})
            assert (
                "will see only whether you completed the course, the date, and your "
                "certificate's verification code" in consent["text"]
            )
            assert consent["buttons"][0] == ["Join", "Not now"], consent
            await user.act({"click": "Join"})
            [shown] = await user.act({"send": f"E-{i:03}"})
            assert shown["text"] == f"Your employee id for City of Phoenix: E-{i:03}. Right?"
            assert shown["buttons"] == [["Yes, that's right", "Change"]]
            saved = await user.act({"click": "Yes, that's right"})
            assert saved[-2]["text"] == "Thank you. City of Phoenix will see this employee id."
            members.append(user)
        for user in members[:5] + members[6:11]:
            await finish_course(distinct_user(app.service, str(user.user.id)), app.content)
        stranger = TelegramUser(fake, runtime, new_user("en"))
        [refused] = await stranger.act({"send": "/admin"})
        assert refused["text"].startswith("Sorry, this command is only for people who manage")
        refusals = [r for r in caplog.records if r.getMessage().startswith("admin_refused")]
        assert len(refusals) == 1 and str(stranger.user.id) not in caplog.text

        admin = TelegramUser(fake, runtime, new_user("en"))
        user_key = UserKeyer(user_key_secret(app.settings)).key("telegram", str(admin.user.id))
        await directory.add_admin(org.name, user_key)
        before = len(fake.uploads)
        seen = await admin.act({"send": "/admin"})
        text = seen[0]["text"]
        assert text.startswith("City of Phoenix: 10 of 40 employees completed the course.")
        assert "Enrolled: 10–14." in text and "Completion: 25.0% of the headcount." in text
        # Exact enrolled counts (6) next to exact completions (5) showed who had not completed.
        assert "• Parks: 5–9 enrolled, 5 completed (55–100% of those enrolled)" in text
        assert "• Water: 5–9 enrolled, 5 completed (55–100% of those enrolled)" in text
        (_, png_name, png), (_, csv_name, data) = fake.uploads[before:]
        assert png.startswith(b"\x89PNG") and png_name.endswith(".png")
        rows = list(csv.reader(io.StringIO(data.decode())))
        assert csv_name.endswith(".csv") and rows[0] == [
            "department", "employee_id", "completion_date", "certificate_code",
        ]  # fmt: skip
        done = [*range(5), *range(6, 11)]
        assert sorted(r[1] for r in rows[1:]) == [f"E-{i:03}" for i in done]
        assert {r[0] for r in rows[1:]} == {"Parks", "Water"}
        assert len(await member_rows(app)) == 12
        await members[11].act({"send": "/forget"})
        await members[11].act({"click": "Yes, delete everything"})
        assert len(await member_rows(app)) == 11


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_admin_in_a_group_shows_nothing_and_points_to_a_private_chat(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """An admin's /admin sent in a group answers there only "ask in private": no figures, no
    chart, no CSV; the same admin in private gets them."""
    directory = OrgDirectory(app.database)
    org = Organization(0, "City of Phoenix", 40)
    await directory.create(org, FIXED_NOW)
    await directory.add_department(org.name, "Parks")
    group = fake.group(-100_777, "All staff")
    async with running(fake, app, kind, "polling") as runtime:
        admin = TelegramUser(fake, runtime, new_user("en"))
        user_key = UserKeyer(user_key_secret(app.settings)).key("telegram", str(admin.user.id))
        await directory.add_admin(org.name, user_key)
        before = len(fake.uploads)
        update_id = fake.send_text(admin.user, "/admin", chat=group)
        await runtime.bridge.wait_handled(update_id)
        [pointer] = fake.transcript(group.id)
        assert pointer["text"] == (
            "Please send /admin in your private chat with Beacon. "
            "Figures are never shown in a group."
        )
        assert len(fake.uploads) == before
        seen = await admin.act({"send": "/admin"})
        assert seen[0]["text"].startswith("City of Phoenix:")
        assert len(fake.uploads) == before + 2
