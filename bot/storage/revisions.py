"""This Beacon's schema revisions, read from the migration files' `revision` and
`down_revision` lines, and a database's revision read from `alembic_version`: the start-up
check without importing Alembic (which runs only when a migration does)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, column, inspect, select, table

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_VERSION = table("alembic_version", column("version_num"))
"""The table where Alembic keeps a database's revision."""
_LINE = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([^"]*)"|None)\s*$', re.MULTILINE)


@cache
def revisions() -> tuple[str, ...]:
    """Return the revisions from the first to head, following each file's down_revision."""
    parent_of: dict[str, str | None] = {}
    for path in VERSIONS.glob("*.py"):
        found = dict((name, value or None) for name, value in _LINE.findall(path.read_text()))
        if revision := found.get("revision"):
            parent_of[revision] = found.get("down_revision")
    child_of = {parent: child for child, parent in parent_of.items()}
    chain: list[str] = []
    step = child_of.get(None)
    while step is not None:
        chain.append(step)
        step = child_of.get(step)
    if not chain or len(chain) != len(parent_of):
        raise RuntimeError(f"the migrations in {VERSIONS} are not one line of revisions")
    return tuple(chain)


def head() -> str:
    """Return this Beacon's newest revision."""
    return revisions()[-1]


def behind(current: str | None) -> int | None:
    """Return how many revisions `current` is behind head (all of them when None), or None
    when this Beacon does not know it (a newer Beacon made it)."""
    chain = revisions()
    if current is None:
        return len(chain)
    if current not in chain:
        return None
    return len(chain) - 1 - chain.index(current)


def current_revision(connection: Connection) -> str | None:
    """Return the database's schema revision (None when it has none)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(_VERSION.c.version_num)).scalar()
