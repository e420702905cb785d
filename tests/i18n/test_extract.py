"""The catalog template: the YAML extractor, and every rendered text present in the POT."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

from bot.content.bundle import Content
from bot.core.effects import Msg, ResourceCard
from bot.i18n.checks import key_of
from bot.i18n.extract import extract_text
from bot.settings import PROJECT_ROOT
from bot.testing.screens import every_screen

POT = PROJECT_ROOT / "locales" / "beacon.pot"
SOURCE = """\
# yaml-language-server: $schema=../schema/tree.schema.json
schema_version: 1
id: demo
title: Demo
start: hello
nodes:
  hello:
    type: message
    # A greeting; keep it short.
    text: Hi there
    next: bye
  bye:
    type: end
    text: Bye
"""


def test_extractor_gives_context_line_comment_and_defaults() -> None:
    """Each text gets tree:node:field, its line, the comment above it; defaults are included."""
    found = {(m.context, m.text): m for m in extract_text(SOURCE)}
    hello = found[("demo:hello:text", "Hi there")]
    assert hello.line == 10 and hello.comments == ("A greeting; keep it short.",)
    assert ("demo:hello:button", "Continue") in found
    assert ("demo:bye:text", "Bye") in found
    assert all("yaml-language-server" not in c for m in found.values() for c in m.comments)


def messages_of(part: object) -> Iterator[Msg]:
    """Yield every translatable message in a screen part, including parameters."""
    if isinstance(part, ResourceCard):
        for field in (part.name, part.why, part.sharing, part.hours, part.languages):
            yield from messages_of(field)
        for channel in part.channels:
            for extra in (channel.note, channel.languages):
                if extra is not None:
                    yield from messages_of(extra)
    elif isinstance(part, Msg):
        if part.translate:
            yield part
        for _, value in part.params:
            yield from messages_of(value)


def rendered(content: Content) -> set[tuple[str, str]]:
    """Return (context, text) of every message any screen of the content can show."""
    shown: set[tuple[str, str]] = set()
    for _, screen in every_screen(content, ["US-AZ", "US", "GB"]):
        for part in screen.parts:
            shown |= {(m.context, m.text) for m in messages_of(part)}
        for row in screen.buttons:
            shown |= {(b.label.context, b.label.text) for b in row if b.label.translate}
    return shown


def catalog_entries(path: Path) -> set[tuple[str, str]]:
    """Return (context, msgid) of every message in a PO or POT file."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {key_of(m) for m in catalog if m.id}


def test_every_rendered_text_is_in_the_template(content: Content) -> None:
    """Whatever the engine can show is in locales/beacon.pot under the same context."""
    missing = rendered(content) - catalog_entries(POT)
    assert missing == set(), sorted(missing)[:5]


def test_template_is_current(tmp_path: Path) -> None:
    """locales/beacon.pot matches a fresh `pybabel extract` (run `make catalog` to refresh)."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-c", "from babel.messages.frontend import main; main()", "extract",
         "-F", "babel.cfg", "-k", "pgettext:1c,2", "--no-wrap", "-o", str(fresh), "."],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    assert catalog_entries(fresh) == catalog_entries(POT)
