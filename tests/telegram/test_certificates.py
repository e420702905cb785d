"""A learner finishes the whole course on Telegram, gets a certificate (PDF and PNG) whose QR
code and code verify, in chat and on the command line; a forged code is refused; /forget
removes the printed name but not the proof of completion."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import zxingcpp
from PIL import Image

from bot.app import App
from bot.content.models import QuizQuestionNode
from bot.core.course import questions_of
from bot.settings import PROJECT_ROOT
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.telegram import TelegramUser, new_user, running
from bot.testing.user import finish_course as take_course


async def finish_course(user: TelegramUser, app: App) -> None:
    """Take the check, every module and the final check, then open the course screen."""
    await take_course(user, app.content)
    await user.act({"send": "/learn"})


async def test_the_course_ends_with_a_certificate_that_verifies(
    fake: FakeTelegram, app: App, tmp_path: Path
) -> None:
    """All modules passed, checks before and after; the certificate arrives and verifies."""
    async with running(fake, app, "aiogram", "polling") as runtime:
        person = new_user("en")
        user = TelegramUser(fake, runtime, person)
        await finish_course(user, app)
        await user.act({"click": "Get your certificate"})
        seen = await user.act({"send": "  Ana   Martínez "})
        ready = seen[0]["text"]
        sent = [c.status for c in fake.calls_to("sendDocument") + fake.calls_to("sendPhoto")]
        assert sent == [200, 200]
        assert ready.startswith("Here is your certificate for “Recognize and report")
        code = ready.rsplit(" ", 1)[1].rstrip(".")
        (_, pdf_name, pdf), (_, png_name, png) = fake.uploads[-2:]
        assert pdf_name == f"{code}.pdf" and pdf.startswith(b"%PDF")
        assert png_name == f"{code}.png"
        [qr] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert qr.text == f"https://t.me/{runtime.bridge.bot_username}?start=verify-{code}"
        [valid] = await user.act({"send": f"/verify {code.lower()}"})
        assert valid["text"].startswith("Valid: this certificate for “Recognize and report")
        assert "issued to Ana Martínez on" in valid["text"]
        [by_link] = await user.act({"send": f"/start verify-{code}"})
        assert by_link["text"] == valid["text"]
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
        [refused] = await user.act({"send": f"/verify {forged}"})
        assert refused["text"].startswith("Beacon did not issue a certificate with that code")
        await user.act({"send": "/forget"})
        await user.act({"click": "Yes, delete everything"})
        [after] = await user.act({"send": f"/verify {code}"})
        assert after["text"].startswith("Valid:") and "Ana" not in after["text"]
    result = await asyncio.to_thread(verify_on_the_command_line, app, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Valid: this certificate for")
    bad = await asyncio.to_thread(verify_on_the_command_line, app, forged)
    assert bad.returncode == 1 and bad.stdout.startswith("Beacon did not issue")


def verify_on_the_command_line(app: App, code: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot verify CODE` against the app's database."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.settings.database_url,
        "USER_KEY_SECRET": TEST_USER_KEY_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "verify", code],
        env=environment, capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip


async def test_a_missed_question_comes_back_as_a_refresher_when_due(
    fake: FakeTelegram, app: App, clock: ManualClock
) -> None:
    """Miss the first question of a module; nothing is due today; tomorrow it is."""
    async with running(fake, app, "ptb", "polling") as runtime:
        user = TelegramUser(fake, runtime, new_user("en"))
        await user.act({"send": "/start signs"})
        await user.act({"click": "Start"})
        tree = app.content.trees["signs"]
        first = tree.nodes[questions_of(tree)[0]]
        assert isinstance(first, QuizQuestionNode)
        await user.act({"click": next(o.label for o in first.options if not o.correct)})
        await user.act({"send": "/learn"})
        today = await user.act({"click": "Refresh what you missed"})
        assert today[-1]["text"].startswith("Nothing is due right now."), today
        clock.advance(dt.timedelta(days=1))
        await user.act({"send": "/learn"})
        due = await user.act({"click": "Refresh what you missed"})
        assert due[-1]["text"] == "1 question you missed is due for a refresher."
        question = await user.act({"click": "Start the refresher"})
        assert question[-1]["text"].startswith("Refresher\n\n" + first.text)
