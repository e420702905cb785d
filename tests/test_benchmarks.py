"""Every benchmark script runs at a tiny size, so none can rot: each must finish and print its
figures (the figures themselves are read by people, from full-size runs, never asserted)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from bot.settings import PROJECT_ROOT
from bot.testing.fake_telegram import FakeTelegram, FakeUser

TINY = {
    "telegram_vs_echo.py": ["--runtimes", "aiogram", "--no-postgres", "--users", "10",
                            "--rate", "10", "--seconds", "1"],
    "throughput.py": [],
    "faults.py": ["--tiny", "--runtimes", "ptb", "--no-postgres"],
    "content_figures.py": ["--learners", "2"],
    "growth.py": ["--sizes", "50", "100", "--users", "2", "--startups", "1", "--no-postgres"],
}  # fmt: skip
HEADERS = {
    "telegram_vs_echo.py": "updates/s",
    "throughput.py": "steps/s",
    "faults.py": "most in a chat",
    "content_figures.py": "as learners see it",
    "growth.py": "stored users",
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_at_a_tiny_size(script: str) -> None:
    """The script ends by itself with status 0 and prints its table."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / script), *TINY[script]],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert HEADERS[script] in result.stdout


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_the_echo_bot_echoes_and_stops(runtime: str) -> None:
    """bench/echo_bot.py, the ceiling Beacon is measured against, echoes a message and a tap on
    either library and exits 0 on SIGTERM (telegram_vs_echo.py runs it at full size)."""
    script = str(PROJECT_ROOT / "bench" / "echo_bot.py")
    async with FakeTelegram(strict=False) as fake:
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "BOT_API_URL": fake.base_url,
               "BOT_TOKEN": fake.token}  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, script, runtime, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            person = FakeUser(7, "Echo")
            fake.send_text(person, "hello")
            fake.tap(person, None, "1.1.h")
            deadline = time.monotonic() + 60
            while len(fake.calls_to("sendMessage")) < 2 and process.returncode is None:
                assert time.monotonic() < deadline, "the echo bot did not answer"
                await asyncio.sleep(0.05)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode(errors="replace")[-3000:]
        texts = sorted(str(call.params.get("text")) for call in fake.calls_to("sendMessage"))
        assert texts == ["1.1.h", "hello"]
        assert fake.calls_to("answerCallbackQuery")
        assert not fake.violations


def test_the_web_benchmark_measures_both_servers_on_the_same_pages() -> None:
    """bench/web_vs_aiohttp.py at a tiny size walks every conversation through the report path
    on the bare server and on Beacon (SQLite, and PostgreSQL when TEST_DATABASE_URL is set) and
    prints a row each: requests/s above zero, p50 no more than p99, pages of about one size,
    and the server's CPU time per request."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "web_vs_aiohttp.py"), "--tiny"],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {}
    for line in result.stdout.splitlines():
        name, _, figures = line.partition("  ")
        if name.startswith(("bare", "Beacon")):
            rows[name.strip()] = figures.replace(",", "").split()
    expected = {"bare aiohttp", "Beacon web, SQLite"}
    if os.environ.get("TEST_DATABASE_URL"):
        expected.add("Beacon web, PostgreSQL")
    assert set(rows) == expected, result.stdout
    bare_bytes = int(rows["bare aiohttp"][-2])
    for rate, _ratio, p50, p99, size, cpu in rows.values():
        assert float(rate) > 0 and 0 < float(p50) <= float(p99)
        assert abs(int(size) - bare_bytes) < bare_bytes * 0.2
        assert float(cpu) >= 0


def test_the_broadcast_benchmark_runs_a_small_broadcast_on_postgres() -> None:
    """bench/broadcast.py at a tiny size (60 reminders, three workers, two people) prints its
    row: every reminder sent and no 429."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server (CI always sets it)")
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "broadcast.py"), "--reminders", "60",
         "--people", "2", "--postgres", url],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "sends/s" in lines[1], result.stdout
    row = lines[2].split()
    assert row[0] == "60" and row[5] == "0", result.stdout


def test_the_workers_benchmark_runs_two_workers_on_postgres() -> None:
    """bench/workers.py at a tiny size runs Beacon with two workers behind the fake's webhook
    (the fake in its own process) and prints their row, nothing lost or repeated (one size
    only: each size starts its workers anew, which takes most of the time)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server (CI always sets it)")
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "workers.py"), "--workers", "2",
         "--users", "4", "--per-user", "2", "--postgres", url],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert [row[0] for row in rows] == ["2"], result.stdout
    assert all(row[3:5] == ["0", "0"] for row in rows), result.stdout
