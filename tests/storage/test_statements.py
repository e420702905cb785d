"""One way to the database: the hot path's SQL is generated from the models, none is typed."""

from __future__ import annotations

import ast
import contextlib
import re

from bot.settings import PROJECT_ROOT
from bot.storage import statements
from bot.storage.statements import Dialects, Statement

SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)
"""What a hand-written query looks like (PRAGMA and transaction control are not queries)."""


def generated() -> dict[str, Statement]:
    """Return every statement statements.py compiles, by name and driver (PostgreSQL-only
    statements have no SQLite form)."""
    found = {}
    for name, value in vars(statements).items():
        if isinstance(value, Dialects):
            found[f"{name} postgres"] = value.postgres
            with contextlib.suppress(TypeError):
                found[f"{name} sqlite"] = value.sqlite
    return found


def test_no_module_in_bot_writes_sql_by_hand() -> None:
    """No string in bot/ is a query: every one is a Core construct over the models' tables
    (migrations excepted: they move data between past schemas, which the models no longer are)."""
    typed = []
    migrations = PROJECT_ROOT / "bot" / "storage" / "migrations"
    for path in sorted((PROJECT_ROOT / "bot").rglob("*.py")):
        if path.is_relative_to(migrations):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and SQL.search(str(node.value)):
                typed.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert typed == []


def test_each_statement_takes_the_values_it_names() -> None:
    """SQLite gets one `?` per named value in order, PostgreSQL one `$n` per distinct name."""
    for name, statement in generated().items():
        if name.endswith("sqlite"):
            assert statement.sql.count("?") == len(statement.order), name
        else:
            numbers = {int(n) for n in re.findall(r"\$(\d+)", statement.sql)}
            assert numbers == set(range(1, len(statement.order) + 1)), name
            assert len(set(statement.order)) == len(statement.order), name


def test_values_are_put_in_the_statement_s_order() -> None:
    """Named values become positional ones in the compiled order, constants filled in."""
    views = statements.COUNT_VIEWS.sqlite
    args = views.args({"resource": "r", "day": "2026-11-22", "shard": 3})
    assert args == ("r", "2026-11-22", 3, 1, 1)
    upsert = statements.UPSERT_USER.postgres
    assert upsert.args({"user_key": "k", "now": 1}) == ("k", 1)
