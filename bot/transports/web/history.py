"""What the web page shows: the conversation so far as entries (Beacon's messages, the labels
the person tapped, notes, files), kept sealed with the session; a turn that answered typed
text is shown once and never kept (but for its files' names), and typed text is never an
entry."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.core.state import Position
from bot.service.messages import Document, EraseChat, Outbound, OutButton, Photo, Reply, TapAnswer

Kind = Literal["beacon", "you", "note", "file"]
Rows = tuple[tuple[OutButton, ...], ...]
MAX_ENTRIES = 80
"""The most entries a session keeps; older ones drop off the top of the page."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item on the page: its kind, its text (a file's name), its buttons and screen
    (Beacon's messages), the turn that showed it, and a file's size in bytes (never its
    bytes: a download draws the file again)."""

    kind: Kind
    text: str
    turn: int
    buttons: Rows = ()
    screen: Position | None = None
    size: int = 0


def entries_of(outbound: list[Outbound], turn: int) -> tuple[list[Entry], bool]:
    """Return a turn's messages as entries, and whether the turn erased the chat."""
    entries: list[Entry] = []
    erased = False
    for message in outbound:
        match message:
            case Reply(text, buttons, _, _, screen):
                entries.append(Entry("beacon", text, turn, buttons, screen))
            case TapAnswer(text) if text:
                entries.append(Entry("note", text, turn))
            case EraseChat():
                entries, erased = [], True
            case Document(filename, data) | Photo(filename, data):
                entries.append(Entry("file", filename, turn, size=len(data)))
    return entries, erased


@dataclass(frozen=True, slots=True)
class History:
    """The page's conversation: its kept entries, the number of the latest turn, the user's
    language after it, whether that turn answered typed text (so is not kept), and the
    campaign of the kiosk it runs on (None: not a kiosk)."""

    entries: tuple[Entry, ...] = ()
    turn: int = 0
    locale: str | None = None
    typed: bool = False
    kiosk: str | None = None

    def after(
        self, label: str | None, outbound: list[Outbound], locale: str | None, typed: bool
    ) -> tuple[History, tuple[Entry, ...]]:
        """Return the history with one more turn (the tapped `label` first, then Beacon's
        messages), and every entry to show now; a `typed` turn's messages are shown, not kept,
        except its files (a certificate's name and size: nothing typed), so their download
        links stay on the page."""
        turn = self.turn + 1
        said, erased = entries_of(outbound, turn)
        earlier = () if erased else self.entries
        tapped = [Entry("you", label, turn)] if label else []
        shown = (*earlier, *tapped, *said)
        kept = (*earlier, *(e for e in said if e.kind == "file")) if typed else shown
        return History(kept[-MAX_ENTRIES:], turn, locale, typed, self.kiosk), shown

    def noted(self, text: str) -> History:
        """Return the history with a note added to its latest turn (kept like Beacon's own)."""
        note = Entry("note", text, self.turn)
        return replace(self, entries=(*self.entries, note)[-MAX_ENTRIES:])

    def showing(self, outbound: list[Outbound]) -> tuple[Entry, ...]:
        """Return the kept entries and messages shown once more as this turn's (a screen
        shown again after typed text)."""
        said, _ = entries_of(outbound, self.turn)
        return (*self.entries, *said)


def active(entries: tuple[Entry, ...], turn: int) -> set[int]:
    """Return the places of the entries whose buttons work: Beacon's messages with buttons in
    the latest turn, else the last earlier one with buttons (its screen is still current)."""
    latest = {i for i, e in enumerate(entries) if e.turn == turn and e.kind == "beacon"}
    with_buttons = {i for i in latest if entries[i].buttons}
    if with_buttons:
        return with_buttons
    earlier = [i for i, e in enumerate(entries) if e.kind == "beacon" and e.buttons]
    return {earlier[-1]} if earlier else set()


def label_for(entries: tuple[Entry, ...], turn: int, data: str) -> str | None:
    """Return the label of the working button that carries `data`, if there is one."""
    for place in active(entries, turn):
        for row in entries[place].buttons:
            for button in row:
                if button.kind == "callback" and button.data == data:
                    return button.label
    return None


def _button(data: list[Any]) -> OutButton:
    """Read a stored button: label, data and kind."""
    label, value, kind = data
    if kind not in ("callback", "url", "copy"):
        raise ValueError("unknown button kind")
    return OutButton(str(label), str(value), kind)


def stored_rows(entry: Entry, working: bool) -> Rows:
    """Return the button rows an entry keeps: all on a current screen, else only its links and
    copy controls (a past screen's callbacks are never drawn nor accepted again)."""
    if working:
        return entry.buttons
    rows = (tuple(b for b in row if b.kind != "callback") for row in entry.buttons)
    return tuple(row for row in rows if row)


def encode(history: History) -> str:
    """Return a history as compact JSON (to be sealed), without the callbacks of past screens
    (which leaves the same screens current: see `active`)."""
    working = active(history.entries, history.turn)
    entries = [
        [
            e.turn,
            e.kind,
            e.text,
            [[[b.label, b.data, b.kind] for b in row] for row in stored_rows(e, place in working)],
            [e.screen.tree, e.screen.node] if e.screen else None,
            *([e.size] if e.size else []),
        ]
        for place, e in enumerate(history.entries)
    ]
    body = {"t": history.turn, "l": history.locale, "y": history.typed, "e": entries}
    if history.kiosk is not None:
        body["k"] = history.kiosk
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> History:
    """Read a history written by `encode`; raise ValueError when it is not one."""
    body = json.loads(text)
    if not isinstance(body, dict) or not isinstance(body.get("e"), list):
        raise ValueError("not a page history")
    entries = []
    for turn, kind, said, rows, screen, *size in body["e"]:
        if kind not in ("beacon", "you", "note", "file"):
            raise ValueError("unknown entry kind")
        buttons = tuple(tuple(_button(b) for b in row) for row in rows)
        where = Position(str(screen[0]), str(screen[1])) if screen else None
        entries.append(
            Entry(kind, str(said), int(turn), buttons, where, int(size[0]) if size else 0)
        )
    locale, kiosk = body.get("l"), body.get("k")
    return History(
        tuple(entries),
        int(body.get("t", 0)),
        str(locale) if locale else None,
        bool(body.get("y")),
        str(kiosk) if kiosk else None,
    )
