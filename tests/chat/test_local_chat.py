"""The local chat as a person uses it: a real process, driven through stdin, stopped and resumed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT


def chat(
    workdir: Path, lines: list[str], command: str = "chat"
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot <command>` in workdir with the lines as its input."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=60,
        check=False,
    )


def test_chat_opens_the_local_chat_on_a_local_sqlite_file(tmp_path: Path) -> None:
    """`python -m bot chat` opens the chat on a local SQLite file with a private secret file
    (`run` without a token serves the web chat instead: tests/web)."""
    result = chat(tmp_path, ["/quit"])
    assert result.returncode == 0, result.stderr
    assert "Welcome to Beacon." in result.stdout
    assert (tmp_path / "beacon.db").exists() and (tmp_path / ".beacon-secret").exists()
    assert oct((tmp_path / ".beacon-secret").stat().st_mode & 0o777) == "0o600"


def test_numbers_choose_and_commands_work(tmp_path: Path) -> None:
    """Typing a number presses that button; commands and free text are answered (a few words
    on the report side with the case-details warning)."""
    result = chat(tmp_path, ["2", "4", "1", "he took my passport", "/menu", "/quit"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Where is this happening?") < out.index("call 999 now.")
    assert out.index("call 999 now.") < out.index("Call now. Stay somewhere safe.")
    assert "Beacon is not a hotline and cannot receive a report" in out
    assert out.rstrip().endswith(">") and out.count("Welcome to Beacon.") == 2
    assert "\033[" not in out  # no colours when the output is not a terminal


def test_copy_and_link_buttons_are_printed_not_numbered(tmp_path: Path) -> None:
    """A terminal can neither copy nor open a page: those buttons are printed as text, and
    the numbers still press the buttons that send something back."""
    result = chat(tmp_path, ["2", "4", "5", "/quit"])
    assert result.returncode == 0, result.stderr
    screen = result.stdout[result.stdout.index("You don't need to be sure to report.") :]
    assert "  • Copy number: 08000 121 700\n" in screen
    assert (
        "  • Open www.modernslaveryhelpline.org: https://www.modernslaveryhelpline.org\n" in screen
    )
    assert "[1] Continue" in screen


def test_the_local_chat_does_not_offer_reminders_it_cannot_send(tmp_path: Path) -> None:
    """No reminder can reach a terminal: /reminders says they work on Telegram, and there is
    nothing to turn on."""
    result = chat(tmp_path, ["/reminders", "/quit"])
    assert result.returncode == 0, result.stderr
    assert "Reminders work when you use Beacon on Telegram." in result.stdout
    assert "Turn reminders on" not in result.stdout and "Reminders are" not in result.stdout


def test_an_interrupted_chat_resumes_where_it_was(tmp_path: Path) -> None:
    """Stop mid-quiz (end of input); start again: the next question is on screen."""
    first = chat(tmp_path, ["1", "2", "1", "2"])  # Learn -> the signs module -> Start -> answer 1
    shown = first.stdout
    verdict = "Right." if "Right." in shown else "Not quite."  # options are in this user's order
    assert shown.index("Question 1 of 8") < shown.index(verdict) < shown.index("Question 2 of 8")
    second = chat(tmp_path, [])  # the feedback came with question 2, which is still on screen
    assert "Question 2 of 8" in second.stdout
    assert "Right." not in second.stdout and "Not quite." not in second.stdout


@pytest.mark.parametrize("line", ["x" * 20000, "🙂" * 500, "\x00\x01", "999"])
def test_odd_input_gets_an_answer_not_a_crash(tmp_path: Path, line: str) -> None:
    """Huge text, emoji, control characters and out-of-range numbers are answered kindly."""
    result = chat(tmp_path, [line, "/quit"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.count("Welcome to Beacon.") == 2


def test_refuses_to_start_on_broken_content(tmp_path: Path) -> None:
    """Broken content stops the bot with the issue named."""
    broken = tmp_path / "dialogues"
    broken.mkdir()
    (broken / "main.yaml").write_text("schema_version: 1\nid: main\n")
    env_dir = tmp_path / "run"
    env_dir.mkdir()
    (env_dir / ".env").write_text(f"CONTENT_DIR={broken}\n")
    result = chat(env_dir, ["/quit"])
    assert result.returncode == 1
    assert "content has errors" in result.stderr and "dialogues/main.yaml:1" in result.stderr
