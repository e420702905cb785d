"""Golden transcripts: YAML files of what a user does and what Beacon answers, replayed exactly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.events import Event, JoinOffer, Tap, Unsupported
from bot.core.inputs import parse_text
from bot.orgs.directory import OrgDirectory
from bot.orgs.stats import Organization
from bot.service.messages import Document, EraseChat, Outbound, Photo, Reply, TapAnswer
from bot.testing.clocks import FIXED_NOW
from bot.testing.simulator import Keyboard

Recorded = dict[str, Any]


def record(outbound: list[Outbound]) -> list[Recorded]:
    """Return messages as plain data: text and button rows, tap answers, erasures."""
    recorded: list[Recorded] = []
    for message in outbound:
        match message:
            case Reply(text, buttons, replace):
                entry: Recorded = {"text": text}
                if buttons:
                    entry["buttons"] = [[b.label for b in row] for row in buttons]
                if replace:
                    entry["replace"] = True
                recorded.append(entry)
            case TapAnswer(text):
                recorded.append({"tap_answer": text})
            case EraseChat():
                recorded.append({"erase_chat": True})
            case Document(filename) | Photo(filename):
                kind = "document" if isinstance(message, Document) else "photo"
                recorded.append({kind: filename})
    return recorded


def event_for(action: Recorded, keyboard: Keyboard) -> Event:
    """Return a step's event: `send` a line, `click` a label, `tap_data`, or `other` media."""
    if "send" in action:
        return parse_text(str(action["send"]))
    if "click" in action:
        return Tap(keyboard.data_for(str(action["click"])))
    if "tap_data" in action:
        return Tap(str(action["tap_data"]))
    if "other" in action:
        return Unsupported(str(action["other"]))
    raise ValueError(f"a step needs send, click or tap_data: {action}")


Actor = Callable[[Recorded], Awaitable[list[Recorded]]]
"""Performs one transcript action and returns what Beacon answered, recorded as plain data."""


async def replay(steps: list[Recorded], act: Actor) -> list[Recorded]:
    """Play each step's action and return the steps with what Beacon actually answered."""
    actual = []
    for step in steps:
        action = {k: v for k, v in step.items() if k != "expect"}
        actual.append({**action, "expect": await act(action)})
    return actual


class _Literal(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks so transcripts read like the chat."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Represent multi-line text as a `|` block."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Literal.add_representer(str, _str)


DEFAULT_USER = "42"
"""The platform id a transcript is played as when it names none (`user:`)."""


def user_of(transcript: Recorded) -> str | None:
    """Return the platform id a transcript names (`user:`), which orders its quiz options."""
    user = transcript.get("user")
    return None if user is None else str(user)


def load(path: Path) -> Recorded:
    """Read a transcript file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "steps" not in data:
        raise ValueError(f"{path}: a transcript needs `steps`")
    return data


def dump(path: Path, transcript: Recorded) -> None:
    """Write a transcript file."""
    text = yaml.dump(transcript, Dumper=_Literal, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")


def organization_of(transcript: Recorded) -> tuple[Organization, str, str] | None:
    """Return the organization a transcript declares (`organization:` with its name, a
    department, that department's join code and optionally an employee id format), with the
    department's name and join code; None when it declares none."""
    declared = transcript.get("organization")
    if not declared:
        return None
    pattern = str(declared.get("id_pattern", ""))
    asks = bool(declared.get("employee_id", False)) or bool(pattern)
    org = Organization(
        1,
        str(declared["name"]),
        int(declared.get("headcount", 10)),
        asks_employee_id=asks,
        id_pattern=pattern,
        id_example=str(declared.get("id_example", "")),
    )
    return org, str(declared["department"]), str(declared["join_code"])


def offers_of(transcript: Recorded) -> dict[str, JoinOffer]:
    """Return the join offer behind the transcript's join code, as a fresh database would
    number it, for replaying through the engine alone."""
    found = organization_of(transcript)
    if found is None:
        return {}
    org, department, code = found
    offer = JoinOffer(
        org.id, org.name, 1, department, org.asks_employee_id, org.course, org.id_pattern,
        org.id_example,
    )  # fmt: skip
    return {code: offer}


async def organize(transcript: Recorded, engine: AsyncEngine) -> dict[str, JoinOffer]:
    """Create the transcript's organization and department in a migrated database (unless
    there already) and return the offer behind its join code."""
    found = organization_of(transcript)
    if found is None:
        return {}
    org, department, code = found
    directory = OrgDirectory(engine)
    if await directory.find(org.name) is None:
        await directory.create(org, FIXED_NOW)
        await directory.add_department(org.name, department, lambda: code)
    offer = await directory.offer(code)
    assert offer is not None
    return {code: offer}
