"""Every benchmark script runs at a tiny size, so none can rot: each must finish and print its
figures (the figures themselves are read by people, from full-size runs, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

TINY = {
    "telegram_vs_echo.py": ["--runtimes", "aiogram", "--no-postgres", "--users", "10",
                            "--rate", "10", "--seconds", "1"],
    "throughput.py": [],
    "faults.py": ["--tiny", "--runtimes", "ptb", "--no-postgres"],
}  # fmt: skip
HEADERS = {
    "telegram_vs_echo.py": "updates/s",
    "throughput.py": "steps/s",
    "faults.py": "most in a chat",
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
