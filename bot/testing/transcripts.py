"""Golden transcripts: YAML files of what a user does and what Beacon answers, replayed exactly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml

from bot.core.events import Event, Tap, Unsupported
from bot.core.inputs import parse_text
from bot.service.messages import Document, EraseChat, Outbound, Photo, Reply, TapAnswer
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
