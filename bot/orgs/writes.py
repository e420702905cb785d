"""Membership changes of one update (join, employee id, completion, leave), written by each
store in the same transaction as the rest of the update."""

from __future__ import annotations

import datetime as dt
import sqlite3
from functools import cache
from typing import Any

from bot.service.ports import OrgWrites

JOIN = (
    "INSERT INTO memberships (user_id, organization_id, department_id, joined_at, completed_at) "
    "SELECT {user}, organization_id, id, {now}, {completed} FROM departments "
    "WHERE id = {department} AND organization_id = {org} "
    "ON CONFLICT (user_id, organization_id) DO UPDATE SET department_id = excluded.department_id, "
    "completed_at = COALESCE(memberships.completed_at, excluded.completed_at)"
)
SET_EMPLOYEE_ID = (
    "UPDATE memberships SET employee_id = {employee_id} "
    "WHERE user_id = {user} AND organization_id = {org}"
)
COMPLETE = (
    "UPDATE memberships SET completed_at = {now} WHERE user_id = {user} "
    "AND completed_at IS NULL AND organization_id IN "
    "(SELECT id FROM organizations WHERE course = {course})"
)
LEAVE = "DELETE FROM memberships WHERE user_id = {user} AND organization_id = {org}"
FORGET_ORG_ADMIN = (
    "DELETE FROM org_admins WHERE user_key = (SELECT user_key FROM users WHERE id = ?)"
)
"""/forget also ends the user's admin rights, which are kept under their keyed id."""
FORGET_ORG_ADMIN_PG = FORGET_ORG_ADMIN.replace("?", "$1")


PG_TYPES = {
    "user": "int",
    "org": "int",
    "department": "int",
    "now": "timestamptz",
    "completed": "timestamptz",
    "employee_id": "varchar",
    "course": "varchar",
}


@cache
def _sqlite(template: str) -> tuple[str, list[str]]:
    """Return a statement with `?` placeholders and the order of its parameter names."""
    names: list[str] = []

    class Collect(dict[str, str]):
        def __missing__(self, key: str) -> str:
            names.append(key)
            return "?"

    return template.format_map(Collect()), names


@cache
def _postgres(template: str) -> tuple[str, list[str]]:
    """Return a statement with `$n` placeholders and the order of its parameter names."""
    names: list[str] = []

    class Number(dict[str, str]):
        def __missing__(self, key: str) -> str:
            if key not in names:
                names.append(key)
            return f"${names.index(key) + 1}::{PG_TYPES[key]}"

    return template.format_map(Number()), names


def _statements(writes: OrgWrites, user_id: int, now: Any) -> list[tuple[str, dict[str, Any]]]:
    """Return the statements (templates) and their values, in the order they apply."""
    out: list[tuple[str, dict[str, Any]]] = []
    for join in writes.joins:
        completed = now if join.completed else None
        values = {"user": user_id, "now": now, "completed": completed,
                  "department": join.department_id, "org": join.org_id}  # fmt: skip
        out.append((JOIN, values))
    for typed in writes.employee_ids:
        values = {"employee_id": typed.employee_id, "user": user_id, "org": typed.org_id}
        out.append((SET_EMPLOYEE_ID, values))
    for course in writes.completed:
        out.append((COMPLETE, {"now": now, "user": user_id, "course": course}))
    for org_id in writes.leaves:
        out.append((LEAVE, {"user": user_id, "org": org_id}))
    return out


def write_sqlite(
    connection: sqlite3.Connection, user_id: int, writes: OrgWrites | None, now: str
) -> None:
    """Apply membership changes on the SQLite writer's connection (`now` as stored text)."""
    if writes is None:
        return
    for template, values in _statements(writes, user_id, now):
        sql, names = _sqlite(template)
        connection.execute(sql, [values[name] for name in names])


async def write_postgres(
    connection: Any, user_id: int, writes: OrgWrites | None, now: dt.datetime
) -> None:
    """Apply membership changes on an asyncpg connection inside the update's transaction."""
    if writes is None:
        return
    for template, values in _statements(writes, user_id, now):
        sql, names = _postgres(template)
        await connection.execute(sql, *[values[name] for name in names])
