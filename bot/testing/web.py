"""The web chat in tests: served on 127.0.0.1 by its real channel, read by an HTML-reading
client (no browser). `WebPage` reads a page; `serving` runs a WebChat on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.service.user_keys import UserKeyer
from bot.testing.transcripts import Recorded
from bot.transports.web.launch import WebChannel
from bot.transports.web.limits import Bucket, MemoryRateLimit
from bot.transports.web.server import WebChat

ROOMY = Bucket(burst=100_000, per_second=1)
"""A rate limit no scripted test reaches (the test clock stands still, so nothing refills)."""


def roomy_limits() -> tuple[MemoryRateLimit, MemoryRateLimit]:
    """Return per-session and per-address limits for tests that click through many screens."""
    return MemoryRateLimit(ROOMY), MemoryRateLimit(ROOMY)


@dataclass
class PageEntry:
    """One item of the conversation as the page shows it."""

    kind: str
    latest: bool
    text: str = ""
    file: str = ""
    download: str = ""
    """A certificate file's download address."""
    rows: list[list[tuple[str, str, str]]] = field(default_factory=list)
    """Button rows: (label, kind, data) each: kind callback, url, copy, or exit (the
    conversation's Exit, which posts the quick exit form); data is the callback data, the
    address or the text to copy."""
    asks_text: bool = False


class WebPage(HTMLParser):
    """Reads a page of the web chat: its entries, their buttons and its CSRF token."""

    def __init__(self, html: str) -> None:
        """Read `html` at once."""
        super().__init__(convert_charrefs=True)
        self.entries: list[PageEntry] = []
        self.csrf: str | None = None
        self.attributes: dict[str, dict[str, str]] = {}
        """The attributes of elements with an id, by id."""
        self.urls: list[str] = []
        """Every address the page refers to (links, forms, scripts, style sheets)."""
        self.lang = ""
        self.dir = ""
        self._capture = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note entries, their text, buttons and forms."""
        found = {name: value or "" for name, value in attrs}
        classes = found.get("class", "").split()
        if "id" in found:
            self.attributes[found["id"]] = found
        for name in ("href", "src", "action", "data-exit-url"):
            if name in found:
                self.urls.append(found[name])
        if tag == "html":
            self.lang, self.dir = found.get("lang", ""), found.get("dir", "")
        if tag == "input" and found.get("name") == "csrf" and self.csrf is None:
            self.csrf = found.get("value")
        if tag == "li" and "data-kind" in found:
            kind, latest = found["data-kind"], "latest" in classes
            self.entries.append(PageEntry(kind, latest, file=found.get("data-file", "")))
        if not self.entries:
            return
        entry = self.entries[-1]
        if "download" in classes:
            entry.download = found.get("href", "")
        if "text" in classes:
            self._capture = True
        elif "row" in classes:
            entry.rows.append([])
        elif "data-label" in found and entry.rows:
            data = {
                "button": found.get("value", ""),
                "a": found.get("href", ""),
                "span": found.get("data-copy", ""),
            }[tag]
            kind = {"button": "callback", "a": "url", "span": "copy"}[tag]
            if "data-exit" in found:
                kind = "exit"
            entry.rows[-1].append((found["data-label"], kind, data))
        elif tag == "input" and found.get("name") == "text":
            entry.asks_text = True

    def handle_endtag(self, tag: str) -> None:
        """End a text being read."""
        self._capture = False

    def handle_data(self, data: str) -> None:
        """Keep the text of an entry's message."""
        if self._capture and self.entries:
            self.entries[-1].text += data

    def latest(self) -> list[PageEntry]:
        """Return the entries the last action showed."""
        return [entry for entry in self.entries if entry.latest]

    def recorded(self) -> list[Recorded]:
        """Return what the last action showed as transcript data (see `on_the_web`)."""
        seen: list[Recorded] = []
        for entry in self.latest():
            match entry.kind:
                case "beacon":
                    shown: Recorded = {"text": entry.text}
                    if entry.rows:
                        shown["buttons"] = [[label for label, _, _ in row] for row in entry.rows]
                    seen.append(shown)
                case "note":
                    seen.append({"tap_answer": entry.text})
                case "file":
                    kind = "document" if entry.file.endswith(".pdf") else "photo"
                    seen.append({kind: entry.file})
        return seen

    def data_for(self, label: str) -> str:
        """Return the data of the working button with this label, the newest first."""
        for entry in reversed(self.entries):
            for row in entry.rows:
                for shown, kind, data in row:
                    if shown == label and kind == "callback":
                        return data
        labels = [label for e in self.entries for row in e.rows for label, _, _ in row]
        raise AssertionError(f"no button {label!r} on the page; its buttons are {labels}")


def on_the_web(seen: list[Recorded]) -> list[Recorded]:
    """Return a transcript step's answer as the web shows it: the same texts, buttons, notes
    and files; no empty tap answers, message edits or chat erasures (a page has none)."""
    shown = []
    for entry in seen:
        if entry.get("erase_chat") or entry == {"tap_answer": None}:
            continue
        shown.append({key: value for key, value in entry.items() if key != "replace"})
    return shown


class SeededKeyer(UserKeyer):
    """A user keyer that gives every learner one option-order seed, so a transcript recorded
    for a Telegram user shows its quiz options in the same order on the web."""

    def __init__(self, secret: bytes, seed: str) -> None:
        """Key with `secret`; seed everyone with `seed`."""
        super().__init__(secret)
        self.fixed_seed = seed

    def seed(self, user_key: str) -> str:
        """Return the fixed seed."""
        return self.fixed_seed


@asynccontextmanager
async def serving(chat: WebChat) -> AsyncIterator[str]:
    """Serve `chat` on a free port of 127.0.0.1 through its real channel; yield its address."""
    channel = WebChannel(chat, "127.0.0.1", 0)
    await channel.start()
    try:
        runner = channel.runner
        assert runner is not None
        server = runner.addresses[0]
        yield f"http://127.0.0.1:{server[1]}"
    finally:
        await channel.stop()
