"""The core stays pure: no Telegram, database, asyncio, clock or randomness."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bot.settings import PACKAGE_ROOT

CORE = PACKAGE_ROOT / "core"
FORBIDDEN_MODULES = ("aiogram", "telegram", "sqlmodel", "sqlalchemy", "asyncio")
FORBIDDEN_CALLS = ("now", "utcnow", "today", "time", "monotonic", "urandom", "token_hex")


def test_importing_the_engine_loads_no_io_library() -> None:
    """A fresh interpreter that imports the engine has loaded none of the forbidden modules."""
    code = (
        "import sys, bot.core.engine, bot.core.inputs, bot.core.codec;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_MODULES!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_core_source_reads_no_clock() -> None:
    """No module in bot/core calls a clock or a random source."""
    offenders = []
    for path in sorted(Path(CORE).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in FORBIDDEN_CALLS
                and not (node.func.attr == "time" and node.args)  # dt.time(12) is a value
            ):
                offenders.append(f"{path.name}:{node.lineno} {node.func.attr}()")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                offenders += [
                    f"{path.name}:{node.lineno} import {n}"
                    for n in names
                    if n.split(".")[0] in (*FORBIDDEN_MODULES, "random", "time", "secrets")
                ]
    assert offenders == []


def test_content_imports_nothing_of_the_core() -> None:
    """bot/content (models, loader, linter) stands below the core: it imports no bot.core."""
    offenders = []
    for path in sorted((PACKAGE_ROOT / "content").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.core"):
                offenders.append(f"{path.name}:{node.lineno} {node.module}")
            if isinstance(node, ast.Import):
                offenders += [
                    f"{path.name}:{node.lineno} {a.name}"
                    for a in node.names
                    if a.name.startswith("bot.core")
                ]
    assert offenders == []
