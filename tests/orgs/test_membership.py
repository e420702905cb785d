"""Joining through a join code, consent, the employee id, completion, /admin, leaving and
/forget, through the service on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging

import pytest

from bot.certificates.codes import new_code
from bot.content.bundle import Content
from bot.core.events import Start
from bot.i18n.catalogs import Catalogs
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.orgs.stats import Organization
from bot.service.certificates import Certificates, certificate_secret
from bot.service.conversation import ConversationService
from bot.service.messages import Document, Outbound, Photo, Reply
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.storage.certificate_table import CertificateTable
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.database import Database
from bot.testing.service import SECRET
from bot.testing.user import distinct_user, finish_course


async def kept(database: Database) -> dict[str, int]:
    """Return the rows per table but those that change with every update (update ids)."""
    counts = await database.counts()
    del counts["processed_updates"]
    return counts


def texts_of(out: list[Outbound]) -> list[str]:
    """Return the texts of the replies."""
    return [o.text for o in out if isinstance(o, Reply)]


async def setup(database: Database, content: Content) -> tuple[ConversationService, str, str]:
    """Create an organization that asks for employee ids, with two departments; return the
    service and the two join codes."""
    directory = OrgDirectory(database.engine)
    org = Organization(0, "City of Phoenix", 10, asks_employee_id=True)
    await directory.create(org, FIXED_NOW)
    parks = await directory.add_department("City of Phoenix", "Parks")
    water = await directory.add_department("City of Phoenix", "Water")
    orgs = Organizations(directory, certificate_secret(SECRET))
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    table = CertificateTable(database.engine)
    certificates = Certificates(table, certificate_secret(SECRET), {})
    service = ConversationService(
        content, database.store, ManualClock(FIXED_NOW), catalogs, UserKeyer(SECRET), orgs=orgs,
        certificates=certificates,
    )  # fmt: skip
    return service, parks.join_code, water.join_code


async def check_admin(
    service: ConversationService, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A stranger's /admin is refused (logged without the id); an admin's gets the figures,
    the chart and the CSV."""
    caplog.set_level(logging.INFO)
    admin = distinct_user(service, "999")
    refused = await admin.send("/admin")
    assert texts_of(refused)[0].startswith("Sorry, this command is only for people who manage")
    assert [r.message for r in caplog.records if "admin_refused" in r.getMessage()]
    assert "999" not in caplog.text

    directory = OrgDirectory(database.engine)
    await directory.add_admin("City of Phoenix", UserKeyer(SECRET).key("telegram", "999"))
    report = await admin.send("/admin")
    [text] = texts_of(report)
    assert text.startswith("City of Phoenix: 1 of 10 employees completed the course.")
    assert "Enrolled: 5–9." in text
    assert "• Water: <5 enrolled, 0 completed" in text
    [photo] = [o for o in report if isinstance(o, Photo)]
    [document] = [o for o in report if isinstance(o, Document)]
    assert photo.data.startswith(b"\x89PNG") and document.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(document.data.decode())))
    [[serial]] = [(r[0],) for r in await database.rows("certificates")]
    code = new_code(certificate_secret(SECRET), int(serial))
    assert rows == [
        ["department", "employee_id", "completion_date", "certificate_code"],
        ["Parks", "E-1234", FIXED_NOW.date().isoformat(), code],
    ]


async def test_join_consent_employee_id_completion_admin_leave_forget(
    database: Database, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole membership life, checking what is stored at each step."""
    service, parks, water = await setup(database, content)
    member = distinct_user(service, "111")
    [consent] = texts_of(await member.event(Start(parks.lower())))
    assert (
        "City of Phoenix will see only whether you completed the course, the date, and your "
        "certificate's verification code if you ask for a certificate" in consent
    )
    assert "with the employee id you type next" in consent
    assert "Whoever has that code can see the name printed on the certificate." in consent
    assert "never see your answers, your scores" in consent
    assert await database.rows("memberships") == []
    out = await member.click("Join")
    assert texts_of(out)[0] == "You joined City of Phoenix (Parks)."
    assert texts_of(out)[1].startswith("City of Phoenix asks for your employee id")
    [row] = await database.rows("memberships")
    assert row[3] is None and row[5] is None
    too_long = await member.send("x" * 41)
    assert texts_of(too_long)[0].startswith("That employee id is empty or longer than 40")
    shown_back = await member.send("  E-1234\u0007 ")
    assert texts_of(shown_back) == ["Your employee id for City of Phoenix: E-1234. Right?"]
    [row] = await database.rows("memberships")
    assert row[3] == "E-1234"
    saved = await member.click("Yes, that's right")
    assert texts_of(saved)[0] == "Thank you. City of Phoenix will see this employee id."
    assert member.keyboard.position_of("Leave City of Phoenix") and member.keyboard.position_of(
        "Change your employee id for City of Phoenix"
    )
    [(state,)] = [(r[2],) for r in await database.rows("conversations")]
    assert "E-1234" not in str(state)

    await finish_course(member, content)
    [row] = await database.rows("memberships")
    assert row[5] is not None
    await member.send("/learn")
    await member.click("Get your certificate")
    await member.click("Without a name")

    others = [distinct_user(service, str(200 + i)) for i in range(5)]
    for i, other in enumerate(others):
        await other.event(Start(water if i else parks))
        await other.click("Join")
        await other.send(f"W-{i}")

    await check_admin(service, database, caplog)

    await member.send("/leave")
    out = await member.click("Yes, leave City of Phoenix")
    assert texts_of(out)[0] == "You left City of Phoenix."
    assert len(await database.rows("memberships")) == 5
    [forget] = texts_of(await others[0].send("/forget"))
    assert "• your membership of City of Phoenix: your department, your employee id" in forget
    assert "City of Phoenix will no longer see whether you completed the training" in forget
    await others[0].click("Yes, delete everything")
    assert len(await database.rows("memberships")) == 4
    admin = distinct_user(service, "999")
    assert len(await database.rows("org_admins")) == 1
    await admin.send("/forget")
    await admin.click("Yes, delete everything")
    assert await database.rows("org_admins") == []


async def test_not_now_stores_nothing_and_unknown_codes_open_home(
    database: Database, content: Content
) -> None:
    """ "Not now" leaves no membership; a code-shaped payload nobody issued (or a mistyped one)
    says the join link is not valid, then opens the menu; a content deep link is no code."""
    service, parks, _ = await setup(database, content)
    user = distinct_user(service, "333")
    await user.event(Start(parks))
    out = await user.click("Not now")
    assert texts_of(out)[-1].startswith("Welcome to Beacon") or out
    assert await database.rows("memberships") == []
    home = texts_of(await user.event(Start("ZZZZZZZZZZ")))
    assert not any("invites you" in t for t in home)
    invalid = "This join link is not valid. Ask your organization for a new one."
    assert home[0] == invalid and home[1].startswith("If anyone is in immediate danger")
    mistyped = ("2" if parks[0] != "2" else "3") + parks[1:].lower()
    assert texts_of(await user.event(Start(mistyped)))[0] == invalid
    assert invalid not in texts_of(await user.event(Start("learn")))
    assert texts_of(await user.send("/leave"))[0] == (
        "You are not a member of any organization in Beacon."
    )


def test_both_consent_screens_say_a_code_shows_the_printed_name() -> None:
    """With or without an employee id, the offer says that a certificate's code lets whoever
    holds it see the name printed on it."""
    from bot.core import texts

    for offer in (texts.JOIN_CONSENT, texts.JOIN_CONSENT_WITH_ID):
        assert "Whoever has that code can see the name printed on the certificate." in offer.text


async def test_forget_deletes_the_employers_record_and_unnames_the_certificate(
    database: Database, content: Content
) -> None:
    """A member who finished the course and took a named certificate: /forget names the
    employer's record; Cancel keeps every row; confirming leaves only the certificate, with
    no name and no user, whose code still verifies, and the counts that name no one."""
    service, parks, _ = await setup(database, content)
    member = distinct_user(service, "444")
    await member.event(Start(parks))
    await member.click("Join")
    await member.send("E-4444")
    await member.click("Yes, that's right")
    await finish_course(member, content)
    await member.send("/learn")
    await member.click("Get your certificate")
    await member.send("Ana Example")
    [(serial, *_)] = await database.rows("certificates")
    before = await kept(database)
    assert before["memberships"] == 1 and before["quiz_answers"] > 0

    [screen] = texts_of(await member.send("/forget"))
    assert "your employee id" in screen and "City of Phoenix will no longer see" in screen
    assert "still verifies with its code, but no longer shows your name" in screen
    assert member.keyboard.position_of("Cancel")
    await member.click("Cancel")
    assert await kept(database) == before

    await member.send("/forget")
    await member.click("Yes, delete everything")
    after = await database.counts()
    about_no_one = {"organizations", "departments", "resource_view_counts", "campaign_counts"}
    left = {table for table, count in after.items() if count and table not in about_no_one}
    assert left <= {"certificates", "outbox", "processed_updates", "beacon_meta"}, after
    [certificate] = await database.rows("certificates")
    assert certificate[0] == serial and certificate[1] is None and certificate[3] is None
    assert await database.rows("memberships") == []
    code = new_code(certificate_secret(SECRET), int(serial))
    checker = distinct_user(service, "555")
    [verified] = texts_of(await checker.send(f"/verify {code}"))
    assert verified.startswith("Valid: this certificate for") and "Ana Example" not in verified
