"""The organization tables on SQLite or PostgreSQL: set-up (CLI), join codes, admins, figures.

The hot path (joining, leaving, completing) is written by the stores with the rest of an
update (`bot/storage/statements.py`); this class serves everything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.events import JoinOffer
from bot.orgs.codes import new_join_code, read_join_code
from bot.orgs.stats import Department, Member, Organization
from bot.storage.timestamps import as_utc, stored_time
from bot.storage.trouble import translated

ORG_COLUMNS = (
    "id, name, headcount, target_percent, course, refresher_days, onboarding_days, asks_employee_id"
)
CODE_ATTEMPTS = 5


class OrgError(Exception):
    """A set-up request that cannot be done (unknown organization, a name already taken)."""


def _organization(row: tuple[object, ...]) -> Organization:
    """Read an organizations row (ORG_COLUMNS)."""
    id_, name, headcount, target, course, refresher, onboarding, asks = row
    return Organization(
        int(str(id_)),
        str(name),
        int(str(headcount)),
        int(str(target)),
        str(course),
        int(str(refresher)),
        int(str(onboarding)),
        bool(asks),
    )


class OrgDirectory:
    """Organizations, departments, admins and members, through the app's database engine."""

    FIND = text(f"SELECT {ORG_COLUMNS} FROM organizations WHERE name = :name")
    CREATE = text(
        "INSERT INTO organizations (name, headcount, target_percent, course, refresher_days, "
        "onboarding_days, asks_employee_id, created_at) VALUES (:name, :headcount, :target, "
        ":course, :refresher, :onboarding, :asks, :now) RETURNING id"
    )
    ADD_DEPARTMENT = text(
        "INSERT INTO departments (organization_id, name, join_code) "
        "VALUES (:org, :name, :code) RETURNING id"
    )
    DEPARTMENTS = text(
        "SELECT id, name, join_code FROM departments WHERE organization_id = :org ORDER BY name"
    )
    ADD_ADMIN = text(
        "INSERT INTO org_admins (organization_id, user_key) VALUES (:org, :key) "
        "ON CONFLICT (organization_id, user_key) DO NOTHING"
    )
    ADMIN_OF = text(
        f"SELECT {', '.join('o.' + c for c in ORG_COLUMNS.split(', '))} FROM organizations o "
        "JOIN org_admins a ON a.organization_id = o.id WHERE a.user_key = :key ORDER BY o.name"
    )
    OFFER = text(
        "SELECT o.id, o.name, d.id, d.name, o.asks_employee_id, o.course FROM departments d "
        "JOIN organizations o ON o.id = d.organization_id WHERE d.join_code = :code"
    )
    MEMBERS = text(
        "SELECT m.department_id, m.joined_at, m.completed_at, m.employee_id, c.id "
        "FROM memberships m JOIN organizations o ON o.id = m.organization_id "
        "LEFT JOIN certificates c ON c.user_id = m.user_id AND c.course = o.course "
        "WHERE m.organization_id = :org"
    )

    def __init__(self, engine: AsyncEngine) -> None:
        """Use the app's database engine (already migrated)."""
        self.engine = engine

    async def find(self, name: str) -> Organization | None:
        """Return the organization of this name, if there is one."""
        async with self.engine.connect() as connection:
            row = (await connection.execute(self.FIND, {"name": name})).first()
        return _organization(tuple(row)) if row else None

    async def get(self, name: str) -> Organization:
        """Return the organization of this name; raise OrgError when there is none."""
        found = await self.find(name)
        if found is None:
            raise OrgError(f"no organization named {name!r}")
        return found

    async def create(self, org: Organization, now: dt.datetime) -> Organization:
        """Create an organization (its id is assigned); raise OrgError if the name is taken."""
        values = {
            "name": org.name,
            "headcount": org.headcount,
            "target": org.target_percent,
            "course": org.course,
            "refresher": org.refresher_days,
            "onboarding": org.onboarding_days,
            "asks": org.asks_employee_id,
            "now": stored_time(self.engine, now),
        }
        try:
            async with self.engine.begin() as connection:
                new_id = (await connection.execute(self.CREATE, values)).scalar_one()
        except IntegrityError:
            raise OrgError(f"an organization named {org.name!r} already exists") from None
        return replace(org, id=int(new_id))

    async def add_department(
        self, org_name: str, name: str, make_code: Callable[[], str] = new_join_code
    ) -> Department:
        """Add a department with a fresh join code; raise OrgError if the name is taken."""
        org = await self.get(org_name)
        if any(d.name == name for d in await self.departments(org.id)):
            raise OrgError(f"{org.name!r} already has a department named {name!r}")
        for _attempt in range(CODE_ATTEMPTS):
            code = make_code()
            values = {"org": org.id, "name": name, "code": code}
            try:
                async with self.engine.begin() as connection:
                    new_id = (await connection.execute(self.ADD_DEPARTMENT, values)).scalar_one()
            except IntegrityError:
                continue  # the code was taken (or the name, by a concurrent add): try again
            return Department(int(new_id), name, code)
        raise OrgError("could not find a free join code; try again")

    async def departments(self, org_id: int) -> list[Department]:
        """Return an organization's departments, by name."""
        async with self.engine.connect() as connection:
            rows = (await connection.execute(self.DEPARTMENTS, {"org": org_id})).all()
        return [Department(int(i), str(n), str(c)) for i, n, c in rows]

    async def add_admin(self, org_name: str, user_key: str) -> Organization:
        """Let the account with this keyed id see the organization's figures."""
        org = await self.get(org_name)
        async with self.engine.begin() as connection:
            await connection.execute(self.ADD_ADMIN, {"org": org.id, "key": user_key})
        return org

    async def admin_of(self, user_key: str) -> list[Organization]:
        """Return the organizations this keyed account administers."""
        async with self.engine.connect() as connection:
            rows = (await connection.execute(self.ADMIN_OF, {"key": user_key})).all()
        return [_organization(tuple(row)) for row in rows]

    async def offer(self, payload: str | None) -> JoinOffer | None:
        """Return the offer to join behind a deep-link payload, if it is a known join code;
        raises StoreUnavailable when the database cannot answer now."""
        code = read_join_code(payload)
        if code is None:
            return None
        async with translated(), self.engine.connect() as connection:
            row = (await connection.execute(self.OFFER, {"code": code})).first()
        if row is None:
            return None
        org_id, org, department_id, department, asks, course = row
        return JoinOffer(
            int(org_id), str(org), int(department_id), str(department), bool(asks), str(course)
        )

    async def members(self, org_id: int, code_for: Callable[[int], str]) -> list[Member]:
        """Return an organization's members; `code_for` turns a certificate serial into its
        verification code."""
        async with self.engine.connect() as connection:
            rows = (await connection.execute(self.MEMBERS, {"org": org_id})).all()
        return [
            Member(
                int(department),
                as_utc(joined),
                as_utc(completed) if completed else None,
                employee,
                code_for(int(serial)) if serial is not None else None,
            )
            for department, joined, completed, employee, serial in rows
        ]
