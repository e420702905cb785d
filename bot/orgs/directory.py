"""The organization tables on SQLite or PostgreSQL: set-up (CLI), join codes, admins, figures.

The hot path (joining, leaving, completing) is written by the stores with the rest of an
update (`bot/storage/statements.py`); this class serves everything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.events import JoinOffer
from bot.core.links import read_join_code
from bot.orgs.codes import new_join_code
from bot.orgs.stats import Department, Member, Organization
from bot.storage import tables
from bot.storage.statements import upsert_insert
from bot.storage.timestamps import as_utc
from bot.storage.trouble import translated

ORGANIZATIONS = tables.table(tables.Organization)
DEPARTMENTS = tables.table(tables.Department)
ADMINS = tables.table(tables.OrgAdmin)
MEMBERSHIPS = tables.table(tables.Membership)
CERTIFICATES = tables.table(tables.Certificate)
ORG_COLUMNS = [
    ORGANIZATIONS.c[name]
    for name in (
        "id",
        "name",
        "headcount",
        "target_percent",
        "course",
        "refresher_days",
        "onboarding_days",
        "asks_employee_id",
        "id_pattern",
        "id_example",
    )
]
CODE_ATTEMPTS = 5


class OrgError(Exception):
    """A set-up request that cannot be done (unknown organization, a name already taken)."""


def _organization(row: tuple[object, ...]) -> Organization:
    """Read an organizations row (ORG_COLUMNS)."""
    id_, name, headcount, target, course, refresher, onboarding, asks, pattern, example = row
    return Organization(
        int(str(id_)),
        str(name),
        int(str(headcount)),
        int(str(target)),
        str(course),
        int(str(refresher)),
        int(str(onboarding)),
        bool(asks),
        str(pattern or ""),
        str(example or ""),
    )


class OrgDirectory:
    """Organizations, departments, admins and members, through the app's database engine."""

    FIND = select(*ORG_COLUMNS).where(ORGANIZATIONS.c.name == bindparam("name"))
    CREATE = insert(ORGANIZATIONS).returning(ORGANIZATIONS.c.id)
    SET_ID_FORMAT = (
        update(ORGANIZATIONS)
        .values(
            asks_employee_id=bindparam("asks"),
            id_pattern=bindparam("pattern"),
            id_example=bindparam("example"),
        )
        .where(ORGANIZATIONS.c.id == bindparam("org"))
    )
    ADD_DEPARTMENT = insert(DEPARTMENTS).returning(DEPARTMENTS.c.id)
    DEPARTMENTS_OF = (
        select(DEPARTMENTS.c.id, DEPARTMENTS.c.name, DEPARTMENTS.c.join_code)
        .where(DEPARTMENTS.c.organization_id == bindparam("org"))
        .order_by(DEPARTMENTS.c.name)
    )
    ADMIN_OF = (
        select(*ORG_COLUMNS)
        .join(ADMINS, ADMINS.c.organization_id == ORGANIZATIONS.c.id)
        .where(ADMINS.c.user_key == bindparam("key"))
        .order_by(ORGANIZATIONS.c.name)
    )
    OFFER = (
        select(
            ORGANIZATIONS.c.id,
            ORGANIZATIONS.c.name,
            DEPARTMENTS.c.id,
            DEPARTMENTS.c.name,
            ORGANIZATIONS.c.asks_employee_id,
            ORGANIZATIONS.c.course,
            ORGANIZATIONS.c.id_pattern,
            ORGANIZATIONS.c.id_example,
        )
        .join_from(DEPARTMENTS, ORGANIZATIONS, ORGANIZATIONS.c.id == DEPARTMENTS.c.organization_id)
        .where(DEPARTMENTS.c.join_code == bindparam("code"))
    )
    MEMBERS = (
        select(
            MEMBERSHIPS.c.department_id,
            MEMBERSHIPS.c.joined_at,
            MEMBERSHIPS.c.completed_at,
            MEMBERSHIPS.c.employee_id,
            CERTIFICATES.c.id,
        )
        .join_from(MEMBERSHIPS, ORGANIZATIONS, ORGANIZATIONS.c.id == MEMBERSHIPS.c.organization_id)
        .outerjoin(
            CERTIFICATES,
            (CERTIFICATES.c.user_id == MEMBERSHIPS.c.user_id)
            & (CERTIFICATES.c.course == ORGANIZATIONS.c.course),
        )
        .where(MEMBERSHIPS.c.organization_id == bindparam("org"))
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
            "target_percent": org.target_percent,
            "course": org.course,
            "refresher_days": org.refresher_days,
            "onboarding_days": org.onboarding_days,
            "asks_employee_id": org.asks_employee_id,
            "id_pattern": org.id_pattern or None,
            "id_example": org.id_example or None,
            "created_at": now.astimezone(dt.UTC),
        }
        try:
            async with self.engine.begin() as connection:
                new_id = (await connection.execute(self.CREATE, values)).scalar_one()
        except IntegrityError:
            raise OrgError(f"an organization named {org.name!r} already exists") from None
        return replace(org, id=int(new_id))

    async def set_id_format(
        self, org_name: str, asks: bool, pattern: str, example: str
    ) -> Organization:
        """Set whether an organization asks for employee ids and their format ("" for none);
        members who join from now on are checked against it."""
        org = await self.get(org_name)
        values = {
            "org": org.id,
            "asks": asks,
            "pattern": pattern or None,
            "example": example or None,
        }
        async with self.engine.begin() as connection:
            await connection.execute(self.SET_ID_FORMAT, values)
        return replace(org, asks_employee_id=asks, id_pattern=pattern, id_example=example)

    async def add_department(
        self, org_name: str, name: str, make_code: Callable[[], str] = new_join_code
    ) -> Department:
        """Add a department with a fresh join code; raise OrgError if the name is taken."""
        org = await self.get(org_name)
        if any(d.name == name for d in await self.departments(org.id)):
            raise OrgError(f"{org.name!r} already has a department named {name!r}")
        for _attempt in range(CODE_ATTEMPTS):
            code = make_code()
            values = {"organization_id": org.id, "name": name, "join_code": code}
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
            rows = (await connection.execute(self.DEPARTMENTS_OF, {"org": org_id})).all()
        return [Department(int(i), str(n), str(c)) for i, n, c in rows]

    async def add_admin(self, org_name: str, user_key: str) -> Organization:
        """Let the account with this keyed id see the organization's figures."""
        org = await self.get(org_name)
        async with self.engine.begin() as connection:
            add = upsert_insert(self.engine.dialect.name)(ADMINS).on_conflict_do_nothing()
            await connection.execute(add, {"organization_id": org.id, "user_key": user_key})
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
        return JoinOffer.from_values(row)

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
