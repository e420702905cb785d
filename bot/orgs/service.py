"""What the conversation service asks of organizations: is a payload a join code, and the
figures an admin sees (`/admin`), as text, a chart and a CSV."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re

from bot.certificates.codes import new_code
from bot.core import texts
from bot.core.events import JoinInvalid, JoinOffer
from bot.core.links import read_join_code
from bot.logs import event
from bot.orgs.directory import OrgDirectory
from bot.orgs.report import report
from bot.orgs.stats import Organization, Stats, stats
from bot.service.messages import Document, Outbound, Photo, Reply
from bot.service.render import Renderer

log = logging.getLogger("beacon.orgs")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def file_stem(org: Organization, day: dt.date) -> str:
    """Return a safe file name stem for an organization's export on a day."""
    name = _UNSAFE_NAME.sub("-", org.name).strip("-").lower() or f"org-{org.id}"
    return f"{name}-{day.isoformat()}"


class Organizations:
    """Join codes and admin figures over the organization tables."""

    def __init__(self, directory: OrgDirectory, certificate_secret: bytes) -> None:
        """Read through `directory`; certificate codes are made with `certificate_secret`."""
        self.directory = directory
        self.certificate_secret = certificate_secret

    async def offer(self, payload: str | None) -> JoinOffer | JoinInvalid | None:
        """Return the offer behind a `/start` payload when it is a known join code, JoinInvalid
        when it is shaped like one that no department has (the same for a mistyped, revoked or
        never issued code), else None."""
        found = await self.directory.offer(payload)
        if found is None and payload is not None and read_join_code(payload) is not None:
            return JoinInvalid(payload)
        return found

    def code_for(self, serial: int) -> str:
        """Return a certificate's verification code."""
        return new_code(self.certificate_secret, serial)

    async def stats(self, org: Organization, now: dt.datetime) -> tuple[Stats, str]:
        """Return an organization's figures and its completions CSV."""
        from bot.orgs.export import completions_csv  # with drawing: loaded on an admin's first ask

        departments = await self.directory.departments(org.id)
        members = await self.directory.members(org.id, self.code_for)
        return stats(org, departments, members, now), completions_csv(departments, members)

    async def report(self, user_key: str, renderer: Renderer, now: dt.datetime) -> list[Outbound]:
        """Return each administered organization's figures, chart and CSV; else a refusal
        (logged with no id)."""
        from bot.orgs.export import ChartText, completion_chart

        orgs = await self.directory.admin_of(user_key)
        if not orgs:
            event(log, "admin_refused")
            return [Reply(renderer.say(texts.ADMIN_REFUSED))]
        out: list[Outbound] = []
        for org in orgs:
            figures, table = await self.stats(org, now)
            words = ChartText(
                title=renderer.text(texts.ADMIN_CHART_TITLE.fill(org=org.name)),
                target=renderer.text(texts.ADMIN_CHART_TARGET.fill(target=org.target_percent)),
                note=renderer.text(texts.ADMIN_CHART_NOTE),
            )
            chart = await asyncio.to_thread(
                completion_chart, figures.departments, org.target_percent, words
            )
            stem = file_stem(org, now.date())
            out += [
                Reply(renderer.say(report(figures))),
                Photo(f"{stem}.png", chart),
                Document(f"{stem}.csv", table.encode()),
            ]
            event(log, "admin_report", departments=len(figures.departments))
        return out
