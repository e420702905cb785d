"""A real `python -m bot run` by webhook, with 1,024 open files at most, under attack: ten 50 MB
bodies with a wrong secret barely move its memory, and 1,100 trickling clients do not keep
Telegram's updates from being answered (both runtimes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.testing.telegram import RUNTIMES
from bot.testing.webhook_process import attack_bot

MEMORY_RISE_KIB = 16 * 1024
REPLY_WITHIN = 10.0


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_bot_process_under_webhook_attack_keeps_answering(
    tmp_path: Path, kind: str
) -> None:
    """403 to every wrong-secret body, memory up by at most a few MB; every update pushed
    while 1,100 clients trickle is answered within seconds."""
    figures = await attack_bot(tmp_path, kind)
    print(figures)  # the figures, for whoever reads the test output (-s)
    assert set(figures.bodies.statuses) == {403}
    rise = figures.bodies.rss_rise_kib
    assert rise is not None and rise < MEMORY_RISE_KIB, figures.bodies
    assert figures.trickle.opened >= 1100
    assert figures.updates > 0 and figures.answered == figures.updates, figures
    assert figures.slowest_reply < REPLY_WITHIN, figures
