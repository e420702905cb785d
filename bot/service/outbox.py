"""The outbox: what an update must send, written with its state and delivered after commit.

A parcel holds where the replies go (the channel's address), the language to render them in and
the items: rendered messages, and certificates or admin figures that are made when delivered
(they read the database and draw files). It is stored sealed: no chat id, text or name can be
read from the table. Delivery marks each message sent, so a crash repeats at most the one that
went out but was not yet marked, and loses none.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.core.state import Position
from bot.logs import event
from bot.service.messages import EraseChat, OutButton, Reply, TapAnswer
from bot.service.metrics import Metrics
from bot.service.ports import OutboxClaim, OutboxRow, OutboxStore, StoreUnavailable
from bot.service.user_keys import Sealer

log = logging.getLogger("beacon.outbox")
FIRST_SWEEP = dt.timedelta(seconds=60)
"""How long a new entry is left to the process that wrote it before a sweep may deliver it."""
RETRY_BASE = dt.timedelta(seconds=15)
RETRY_CAP = dt.timedelta(minutes=10)
CLAIM_HOLD = FIRST_SWEEP
"""How long a worker holds the entries it claims before another may take them over."""
LAST_ENTRY = 2**31 - 1
"""An id past every outbox entry's (the column is a 32-bit integer)."""
GIVE_UP = dt.timedelta(hours=24)
"""An entry that could not be delivered for this long is logged and dropped."""

Address = dict[str, int | str | None]
"""Where a channel sends replies (for Telegram: chat, tapped message, callback, user)."""


@dataclass(frozen=True, slots=True)
class MakeCertificate:
    """Issue (or find again) a course certificate and send it: a message, a PDF and a PNG."""

    course: str
    name: str


@dataclass(frozen=True, slots=True)
class VerifyCode:
    """Say whether a certificate code is one of Beacon's."""

    code: str


@dataclass(frozen=True, slots=True)
class MakeAdminReport:
    """Send the figures of the organizations the user administers, or a kind refusal."""


Deferred = MakeCertificate | VerifyCode | MakeAdminReport
Item = Reply | TapAnswer | EraseChat | Deferred
"""What a parcel holds: a message ready to send, or one made when it is delivered."""


@dataclass(frozen=True, slots=True)
class Parcel:
    """What one update must send: where, in which language, and what."""

    platform: str
    address: Address
    user_key: str
    locale: str | None
    """The user's stored language after the update."""
    language: str | None
    """The platform's language code for the user."""
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbox entry: its id (None when nothing was stored), its parcel, how many of its
    messages already went out, whether its messages were stored on the channel's page with
    the state instead (then nothing is owed), and whether the store wrote it as its person's
    first (no earlier entry to wait for)."""

    id: int | None
    parcel: Parcel
    sent: int = 0
    attempts: int = 0
    created_at: dt.datetime | None = None
    paged: bool = False
    first: bool = False


def _kind(button: OutButton) -> list[str]:
    """Return a button's kind as stored: nothing for a callback (as rows were written before)."""
    return [] if button.kind == "callback" else [button.kind]


def _button(data: list[Any]) -> OutButton:
    """Read a button written by `_item_json`: label, data and, unless a callback, its kind."""
    match data[2:]:
        case []:
            return OutButton(str(data[0]), str(data[1]))
        case ["url" | "copy" as kind]:
            return OutButton(str(data[0]), str(data[1]), kind)
    raise ValueError("unknown button kind")


def _item_json(item: Item) -> list[Any]:
    """Return an item as a compact JSON list."""
    match item:
        case Reply(text, buttons, replace, tail, screen):
            rows = [[[b.label, b.data, *_kind(b)] for b in row] for row in buttons]
            where = [tail, [screen.tree, screen.node]] if screen is not None else []
            return ["r", text, rows, replace, *(where or ([tail] if tail else []))]
        case TapAnswer(text):
            return ["a", text]
        case EraseChat():
            return ["e"]
        case MakeCertificate(course, name):
            return ["c", course, name]
        case VerifyCode(code):
            return ["v", code]
        case MakeAdminReport():
            return ["m"]


def _item(data: list[Any]) -> Item:
    """Read an item written by `_item_json`."""
    match data:
        case ["r", str(text), list(rows), bool(replace), *rest]:
            buttons = tuple(tuple(_button(b) for b in row) for row in rows)
            match rest:
                case [bool(tail), [str(tree), str(node)]]:
                    return Reply(text, buttons, replace, tail, Position(tree, node))
            return Reply(text, buttons, replace, rest == [True])
        case ["a", text]:
            return TapAnswer(None if text is None else str(text))
        case ["e"]:
            return EraseChat()
        case ["c", str(course), str(name)]:
            return MakeCertificate(course, name)
        case ["v", str(code)]:
            return VerifyCode(code)
        case ["m"]:
            return MakeAdminReport()
    raise ValueError("unknown outbox item")


def encode(parcel: Parcel) -> str:
    """Return a parcel as JSON (the platform is kept beside it, unsealed)."""
    body = {
        "a": parcel.address,
        "k": parcel.user_key,
        "l": parcel.locale,
        "c": parcel.language,
        "i": [_item_json(item) for item in parcel.items],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def decode(platform: str, text: str) -> Parcel:
    """Read a parcel written by `encode`; raise ValueError when it is not one."""
    body = json.loads(text)
    if not isinstance(body, dict) or not isinstance(body.get("i"), list):
        raise ValueError("not a parcel")
    address = body.get("a")
    return Parcel(
        platform,
        dict(address) if isinstance(address, dict) else {},
        str(body.get("k", "")),
        body.get("l"),
        body.get("c"),
        tuple(_item(item) for item in body["i"]),
    )


@dataclass(frozen=True, slots=True)
class Turn:
    """Whether an entry must wait for an earlier one of its person that another worker holds,
    and the earlier ones this worker took to deliver first, oldest first."""

    wait: bool
    first: tuple[Pending, ...] = ()


def outbox_holder(worker: int | None) -> str:
    """Return the name a worker writes and claims outbox entries under: its host and its
    WORKER_ID (`-` without one), the same after a restart so it takes its own entries back."""
    return f"{socket.gethostname()[:56]}/{'-' if worker is None else worker}"


def retry_delay(attempts: int) -> dt.timedelta:
    """Return the wait before delivery attempt number `attempts + 1` of a stalled entry."""
    delay: dt.timedelta = RETRY_BASE * 2 ** max(0, attempts - 1)
    return min(RETRY_CAP, delay)


class Outbox:
    """Seals parcels for the store and reads them back; marks delivery progress."""

    def __init__(
        self,
        store: OutboxStore,
        sealer: Sealer,
        metrics: Metrics | None = None,
        holder: str | None = None,
    ) -> None:
        """Keep entries in `store`, sealed with `sealer`, written and claimed as `holder`
        (this host without a WORKER_ID by default); count the database's failures in
        `metrics`."""
        self.store = store
        self.sealer = sealer
        self.metrics = metrics or Metrics()
        self.holder = holder or outbox_holder(None)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        """Count a database failure that may pass (and let it through)."""
        try:
            yield
        except StoreUnavailable as trouble:
            self.metrics.database_error(trouble)
            raise

    def row(self, parcel: Parcel, now: dt.datetime) -> OutboxRow:
        """Return the row to write with an update for its parcel."""
        sealed = self.sealer.seal(encode(parcel))
        return OutboxRow(
            parcel.platform, sealed, now + FIRST_SWEEP, claimed_by=self.holder,
            user_key=parcel.user_key or None,
        )  # fmt: skip

    def read(self, row: OutboxRow) -> Pending | None:
        """Return a stored entry, or None (logged) when it cannot be opened."""
        opened = self.sealer.open(row.payload)
        try:
            if opened is None:
                raise ValueError("sealed with another key")
            parcel = decode(row.platform, opened)
        except ValueError:
            event(log, "outbox_unreadable", level=logging.ERROR, entry=row.id)
            return None
        return Pending(row.id, parcel, row.sent, row.attempts, row.created_at)

    async def due(self, platform: str, now: dt.datetime | None, limit: int) -> list[Pending]:
        """Return entries of a platform due at `now` (all when None), oldest first; entries
        that cannot be read are dropped."""
        with self._counted():
            rows = await self.store.outbox_due(platform, now, limit)
        return await self._opened(rows)

    async def claim(
        self, platform: str, now: dt.datetime, limit: int, *, recover: bool = False
    ) -> list[Pending]:
        """Take entries of a platform to deliver, held for CLAIM_HOLD: those due at `now`,
        and when `recover`, this worker's own from before a restart; oldest first, never one
        another worker is delivering within its hold. Unreadable entries are dropped."""
        claim = OutboxClaim(platform, self.holder, now, now + CLAIM_HOLD, limit, recover)
        with self._counted():
            rows = await self.store.outbox_claim(claim)
        return await self._opened(rows)

    async def turn(self, pending: Pending, now: dt.datetime, skip: Collection[int] = ()) -> Turn:
        """Say whether an entry may go now: it waits while another worker holds an earlier
        entry of the same person within its claim; earlier ones that are free (this worker's
        own, left by a failure, or another's whose claim ended) are taken to go first. Entries
        in `skip` (this worker is delivering them, or they went out) hold nothing up. An update
        handled before (no entry of its own, as after a commit whose answer was lost) waits for
        nothing but takes what is free of its person's, so what it wrote then goes now. An
        outbox no other process shares needs none of this, nor an entry written as its person's
        first (the store found no earlier one in the transaction that wrote it)."""
        if not self.store.shared or not pending.parcel.user_key or pending.first:
            return Turn(False)
        before = LAST_ENTRY if pending.id is None else pending.id
        with self._counted():
            rows = await self.store.outbox_ahead(pending.parcel.user_key, before)
        taken: list[OutboxRow] = []
        for row in rows:
            if row.id is None or row.id in skip:
                continue
            held = row.claimed_by not in (None, self.holder) and row.next_at > now
            took = None
            if not held:
                with self._counted():
                    took = await self.store.outbox_take(row.id, self.holder, now, now + CLAIM_HOLD)
            if took is None:
                return Turn(pending.id is not None, tuple(await self._opened(taken)))
            taken.append(took)
        return Turn(False, tuple(await self._opened(taken)))

    async def _opened(self, rows: list[OutboxRow]) -> list[Pending]:
        """Return the rows' entries; those that cannot be read are dropped (logged)."""
        entries = []
        for row in rows:
            pending = self.read(row)
            if pending is None and row.id is not None:
                with self._counted():
                    await self.store.outbox_done(row.id)
            elif pending is not None:
                entries.append(pending)
        return entries

    async def progress(self, pending: Pending, sent: int) -> None:
        """Record that the first `sent` messages of an entry went out."""
        if pending.id is not None:
            with self._counted():
                await self.store.outbox_progress(pending.id, sent)

    async def delivered(self, pending: Pending) -> None:
        """Remove an entry whose messages all went out."""
        if pending.id is not None:
            with self._counted():
                await self.store.outbox_done(pending.id)

    async def postpone(self, pending: Pending, now: dt.datetime) -> bool:
        """Leave an entry for a later sweep; False (and the entry dropped, logged) when it has
        been failing for a day."""
        if pending.id is None:
            return False
        created = pending.created_at or now
        if now - created > GIVE_UP:
            event(log, "outbox_gave_up", level=logging.ERROR, entry=pending.id)
            with self._counted():
                await self.store.outbox_done(pending.id)
            return False
        attempts = pending.attempts + 1
        with self._counted():
            await self.store.outbox_retry(pending.id, attempts, now + retry_delay(attempts))
        return True


def first_tap_answer(items: list[Item], tap: bool) -> list[Item]:
    """Return items with a tap's answer first (an empty one when the step gave none), or
    without any when the update was not a tap."""
    answers = [item for item in items if isinstance(item, TapAnswer)]
    rest: list[Item] = [item for item in items if not isinstance(item, TapAnswer)]
    if not tap:
        return rest
    return [answers[0] if answers else TapAnswer(), *rest]
