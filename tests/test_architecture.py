"""The architecture contract in pyproject.toml holds, and it catches an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPWARD = {
    "bot/core/state.py": "import bot.storage.database",
    "bot/content/models.py": "import bot.core.engine",
    "bot/service/ports.py": "import bot.orgs.service",
    "bot/storage/timestamps.py": "import bot.campaigns.registry",
    "bot/transports/telegram/ordering.py": "import bot.storage.database",
    "bot/printing/qr.py": "import bot.certificates.codes",
}
"""One upward import per contract, each added to a copy of the tree."""


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with pyproject.toml's contracts on the `bot` package under `tree`."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[2], no_cache=True, no_logo=True))"
    )
    command = [sys.executable, "-c", script, str(tree), str(ROOT / "pyproject.toml")]
    return subprocess.run(
        command, check=False, cwd=tree, capture_output=True, text=True, timeout=300
    )


def test_the_contract_holds() -> None:
    """Every layer imports only downward today."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]


def test_each_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """A copy of the tree with one upward import per layer breaks every one of those contracts."""
    shutil.copytree(ROOT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    for path, line in UPWARD.items():
        target = tmp_path / path
        target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    assert len(broken) == len(UPWARD), result.stdout[-3000:]


ON_USE = (
    "bot.printing", "fpdf", "PIL", "segno", "uharfbuzz", "alembic", "redis", "asyncpg",
    "sqlalchemy.dialects.postgresql", "yaml",
)  # fmt: skip
"""What serving on SQLite does not import at start: drawing (Beacon's own, fpdf2, Pillow,
segno, HarfBuzz), migrating (Alembic), REDIS_URL (redis), PostgreSQL (asyncpg and SQLAlchemy's
dialect), and PyYAML (content comes from the parsed cache once it is warm)."""


def test_serving_does_not_import_what_only_some_commands_use() -> None:
    """Each of ON_USE is imported on use: importing them at start-up made `python -m bot web`
    take about 40% longer to be ready (fpdf2, Alembic and redis alone)."""
    probe = (
        "import sys, bot.cli, bot.transports.web.launch, bot.transports.telegram.launch; "
        f"print(' '.join(m for m in {ON_USE!r} if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path.home()
    )
    assert found.stdout.split() == []
