"""`python -m bot org ...` as a real process: create, departments with links, admins, figures."""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from bot.orgs.cli import check_id_format
from bot.settings import PROJECT_ROOT
from bot.testing.keys import TEST_USER_KEY_SECRET


def org(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot org ARGS` on a SQLite file in tmp_path."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}",
        "USER_KEY_SECRET": TEST_USER_KEY_SECRET,
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("BOT_USERNAME", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "org", *args],
        env=environment, capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip


def test_the_org_commands(tmp_path: Path) -> None:
    """Create, refuse a duplicate and a bad course, add departments and an admin, print and
    export the (empty, so suppressed) figures."""
    made = org(tmp_path, "create", "City of Phoenix", "--headcount", "13617", "--employee-id")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("created organization 'City of Phoenix'")
    again = org(tmp_path, "create", "City of Phoenix", "--headcount", "5")
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = org(tmp_path, "create", "Other", "--headcount", "5", "--course", "learn:nope")
    assert bad.returncode == 1 and "is not a course" in bad.stderr
    no_bot = org(tmp_path, "add-department", "City of Phoenix", "Parks")
    assert no_bot.returncode == 1 and "BOT_USERNAME" in no_bot.stderr
    added = org(tmp_path, "add-department", "City of Phoenix", "Parks", "--bot", "BeaconBot")
    assert added.returncode == 0, added.stderr
    link = r"join code ([2-9A-HJKMNP-Z]{10})\nhttps://t.me/BeaconBot\?start=\1\n"
    match = re.search(link, added.stdout)
    assert match, added.stdout
    admin = org(tmp_path, "add-admin", "City of Phoenix", "--telegram-id", "4242")
    assert admin.returncode == 0 and "4242" not in admin.stdout
    stats = org(tmp_path, "stats", "City of Phoenix")
    assert stats.stdout.splitlines()[0] == (
        "City of Phoenix: 0 of 13,617 employees completed the course. Enrolled: <5."
    )
    assert "• Parks: <5 enrolled, 0 completed, 0 refreshers overdue, <5 past onboarding" in (
        stats.stdout
    )
    assert "bands of 5" in stats.stdout
    exported = org(tmp_path, "export", "City of Phoenix", "--out", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    [table] = (tmp_path / "out").glob("*.csv")
    [chart] = (tmp_path / "out").glob("*.png")
    assert list(csv.reader(table.read_text().splitlines())) == [
        ["department", "employee_id", "completion_date", "certificate_code"]
    ]
    assert table.read_text() == '"department","employee_id","completion_date","certificate_code"\n'
    with Image.open(chart) as image:
        assert image.size[0] == 1200
    missing = org(tmp_path, "stats", "Nobody")
    assert missing.returncode == 1 and "no organization named 'Nobody'" in missing.stderr


def test_the_employee_id_format(tmp_path: Path) -> None:
    """A pattern that could backtrack for long, a broken one or an example that does not fit is
    a one-line error with exit status 2; a good one is stored, changed and dropped."""
    cases = [("(a+)+b", ""), ("E-(", ""), (r"E-\d{6}", "E-12"), ("(?=E)E", ""), ("", "E-1")]
    for pattern, example in cases:
        args = argparse.Namespace(id_pattern=pattern, id_example=example, no_employee_id=False)
        assert check_id_format(args) is not None, (pattern, example)
    bad = org(tmp_path, "create", "City", "--headcount", "5", "--id-pattern", "(a+)+b")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
    assert bad.stderr.startswith("org create: --id-pattern: each repeat")
    made = org(
        tmp_path, "create", "City", "--headcount", "5",
        "--id-pattern", r"E-\d{6}", "--id-example", "E-123456",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    changed = org(tmp_path, "set-id-format", "City", "--id-pattern", r"[A-Z]{2}\d{4}")
    assert changed.stdout == (
        "'City': members are asked for an employee id matching [A-Z]{2}\\d{4}\n"
    )
    dropped = org(tmp_path, "set-id-format", "City", "--no-employee-id")
    assert dropped.stdout == "'City': members are not asked for an employee id\n"
