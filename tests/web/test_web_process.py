"""The web chat as an operator starts it: `python -m bot web` in a real process prints its
address, serves the page there and stops cleanly on SIGTERM; with no token and no settings,
`run` serves the web chat on 127.0.0.1:8080."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.app import App, jobs
from bot.cli import DEFAULT_WEB_PORT, NO_TOKEN, web_only
from bot.service.channels import Channels
from bot.settings import PROJECT_ROOT, Settings
from bot.testing.keys import TEST_USER_KEY_SECRET


def free_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_python_m_bot_web_serves_the_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The process prints where the chat is, serves it there and exits 0 on SIGTERM."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "WEB_PORT": str(port),
        "USER_KEY_SECRET": TEST_USER_KEY_SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "web", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.decode().startswith(f"Beacon's web chat: http://127.0.0.1:{port}")
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/") as response,
        ):
            assert response.status == 200
            assert "Welcome to Beacon." in await response.text()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    logged = stderr.decode().splitlines()
    requests = [line for line in logged if "web_request" in line]
    assert requests and all("127.0.0.1" not in line for line in requests)
    assert any("web_stopped" in line for line in logged)


def test_run_without_settings_serves_the_web_chat_on_8080() -> None:
    """With no token and no web port, `run` serves the web chat alone on 8080 and says so."""
    settings = web_only(Settings(_env_file=None, bot_token=None, web_port=None))
    assert (settings.web_port, settings.web_host, settings.bot_token) == (8080, "127.0.0.1", None)
    assert DEFAULT_WEB_PORT == 8080
    assert "web chat" in NO_TOKEN and "python -m bot chat" in NO_TOKEN


def test_the_idle_session_job_runs_whatever_transports_run(app: App) -> None:
    """The job that ends idle web sessions is among the app's jobs even with no web channel,
    so no session outlives its time when the web chat stops being served."""
    names = [job.name for job in jobs(app, Channels([]))]
    assert "web_sessions" in names and "retention" in names
