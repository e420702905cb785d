"""ConversationService: load the user's state, run the engine, save, and render the effects."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from bot.content.bundle import Content
from bot.core import engine, texts
from bot.core.effects import Msg
from bot.core.events import SharedLocation, Start
from bot.core.ordering import Arrival
from bot.core.state import ConversationState
from bot.i18n.catalogs import Catalogs, negotiate
from bot.logs import event
from bot.service.certificates import Certificates
from bot.service.effects import Turn, play
from bot.service.locate import Locator, OfflineLocator
from bot.service.messages import Inbound, Outbound, Reply, TapAnswer
from bot.service.metrics import Metrics
from bot.service.outbox import (
    Item,
    MakeAdminReport,
    MakeCertificate,
    Outbox,
    Parcel,
    Pending,
    VerifyCode,
    first_tap_answer,
    outbox_holder,
)
from bot.service.ports import (
    Clock,
    ConversationStore,
    Loaded,
    PageRow,
    StateConflict,
    StoreUnavailable,
    Writes,
)
from bot.service.render import Renderer
from bot.service.user_keys import ChatSealer, Sealer, UserKeyer

if TYPE_CHECKING:
    from bot.orgs.service import Organizations

log = logging.getLogger("beacon.service")
MAX_ATTEMPTS = 5
PageKeeper = Callable[[Parcel, bool], PageRow | None]
"""A channel's hook that shows an update's messages on its page in the update's transaction:
given the parcel and whether the user was just forgotten, it returns the page session to store
with the state (then no outbox entry is written), or None to leave the messages to the outbox.
It may run more than once (a retried update); only the committed call counts."""


@dataclass(frozen=True, slots=True)
class Handled:
    """What one update decided: the engine's step, what its effects add up to, the user's
    stored language after it, and how the update arrived (in order, again or stale)."""

    step: engine.Step
    turn: Turn
    locale: str | None
    arrival: Arrival = Arrival.IN_ORDER


def decide(
    content: Content,
    inbound: Inbound,
    now: dt.datetime,
    seal: Callable[[], str] | None,
    loaded: Loaded,
    mark_start: Callable[[str], str] | None = None,
    seed: str = "",
) -> tuple[Writes, Handled]:
    """Run the engine on the loaded state and its effects through the handler table; return
    what to write and what happened. `seal` returns the user's chat, encrypted, for a reminder
    (None where no reminder can be kept);
    `mark_start` the keyed marker that lets a person's start of a campaign count once a day;
    `seed` the learner's option-order seed, given to a state that has none."""
    state = ConversationState.from_dict(loaded.state) if loaded.state else ConversationState()
    if loaded.revision is not None:
        state = replace(state, revision=loaded.revision)
    state = state.seeded(seed)
    came, step = engine.ordered_step(content, state, inbound.event, inbound.sequence, now)
    turn = Turn(seal, inbound.language_code, inbound.private, mark_start)
    writes = play(step.effects, turn).writes(step, state, loaded)
    return writes, Handled(step, turn, writes.locale or loaded.locale, came)


class ConversationService:
    """Handles one inbound per call; safe to call concurrently."""

    def __init__(
        self,
        content: Content,
        store: ConversationStore,
        clock: Clock,
        catalogs: Catalogs,
        keyer: UserKeyer,
        default_locale: str = "en",
        sealer: ChatSealer | None = None,
        certificates: Certificates | None = None,
        locator: Locator | None = None,
        orgs: Organizations | None = None,
        metrics: Metrics | None = None,
        worker: int | None = None,
    ) -> None:
        """Wire the service to its content, store, clock, catalogs, user keyer, the sealer
        that encrypts a chat for reminders (derived from the keyer's secret by default), the
        offline locator for shared locations, the metrics it counts in (its own by default)
        and this process's WORKER_ID (the holder of the outbox entries it writes)."""
        self.content = content
        self.store = store
        self.clock = clock
        self.catalogs = catalogs
        self.keyer = keyer
        self.default_locale = default_locale
        self.sealer = sealer or ChatSealer(keyer.secret)
        self.metrics = metrics or Metrics()
        self.outbox = Outbox(
            store, Sealer(keyer.secret, b"beacon/outbox"), self.metrics, outbox_holder(worker)
        )
        self.certificates = certificates
        self.locator = locator or OfflineLocator()
        self.orgs = orgs
        """Organizations: join codes in `/start` payloads and `/admin` figures (if wired)."""
        self.silent: frozenset[str] = frozenset()
        """Platforms whose channel can never write to its users first (see `never_writes_first`)."""

    def never_writes_first(self, platform: str) -> None:
        """Note that a platform's channel can never write to its users first (a web page):
        its users are told reminders work elsewhere, and no reminder is kept for them."""
        self.silent |= {platform}

    def content_for(self, platform: str) -> Content:
        """Return the content a platform's users see: without reminders where its channel
        can never write first."""
        if platform in self.silent:
            return replace(self.content, sends_reminders=False)
        return self.content

    async def accept(self, inbound: Inbound, page: PageKeeper | None = None) -> Pending:
        """Apply one inbound: its state change and what it must send commit together (the
        outbox, or the page session `page` returns); return that entry for delivery. A
        redelivered update changes nothing and sends only a tap's answer. A shared location
        becomes its coarse place first, before anything is stored. Raises StoreUnavailable when
        the database cannot do it now. Each call is counted by channel and outcome, with its
        duration."""
        metrics = self.metrics
        began = metrics.timer()
        outcome = "failed"
        try:
            pending, outcome = await self._accept(inbound, page)
        except StoreUnavailable as trouble:
            outcome = "unavailable"
            metrics.database_error(trouble)
            raise
        finally:
            metrics.update(inbound.platform, outcome, metrics.timer() - began)
        return pending

    async def _accept(self, inbound: Inbound, page: PageKeeper | None) -> tuple[Pending, str]:
        """Apply one inbound (see `accept`); return its entry and its outcome: handled,
        duplicate, stale (it arrived after a newer update of its person, so it changed
        nothing), or gave_up (its conversation kept changing under it)."""
        if isinstance(inbound.event, SharedLocation):
            inbound = replace(inbound, event=await self.locator.locate(inbound.event))
        if self.orgs is not None and isinstance(inbound.event, Start) and inbound.event.payload:
            offer = await self.orgs.offer(inbound.event.payload)
            if offer is not None:
                inbound = replace(inbound, event=offer)
        user_key = self.keyer.key(inbound.platform, inbound.user_id)
        kind = type(inbound.event).__name__
        update_key = (
            f"{inbound.platform}:{inbound.update_id}" if inbound.update_id is not None else None
        )
        for _attempt in range(MAX_ATTEMPTS):
            now = self.clock.now()
            unit = partial(self._unit, inbound, user_key, now, page)
            try:
                applied = await self.store.apply(user_key, update_key, now, unit)
            except StateConflict:
                event(log, "state_conflict_retry", kind=kind)
                continue
            if applied is None:
                event(log, "duplicate_update", platform=inbound.platform)
                outcome = "duplicate"
                break
            handled, parcel, paged = applied.result
            pending = Pending(applied.outbox_id, parcel, paged=paged, first=applied.first)
            if handled.arrival is Arrival.STALE:
                event(log, "stale_update", platform=inbound.platform, kind=kind)
                return pending, "stale"
            if handled.arrival is Arrival.AGAIN:
                event(log, "duplicate_update", platform=inbound.platform)
                return pending, "duplicate"
            event(log, "handled", level=logging.DEBUG, kind=kind, effects=len(handled.step.effects))
            return pending, "handled"
        else:
            event(log, "state_conflict_gave_up", level=logging.WARNING, kind=kind)
            outcome = "gave_up"
        return Pending(None, self._parcel(inbound, user_key, None, [])), outcome

    def _unit(
        self,
        inbound: Inbound,
        user_key: str,
        now: dt.datetime,
        page: PageKeeper | None,
        loaded: Loaded,
    ) -> tuple[Writes, tuple[Handled, Parcel, bool]]:
        """Decide one update and render what it sends; both are written in its transaction
        (what it sends in the outbox, or on the page session `page` returns); say which."""
        seal = None
        if inbound.platform not in self.silent:
            seal = partial(self.sealer.seal, inbound.platform, inbound.user_id)
        marker = partial(self.start_marker, user_key, now.date())
        seed = self.keyer.seed(user_key)
        content = self.content_for(inbound.platform)
        writes, handled = decide(content, inbound, now, seal, loaded, marker, seed)
        renderer = self.renderer(handled.locale, inbound.language_code)
        items = handled.turn.items(renderer)
        parcel = self._parcel(inbound, user_key, handled.locale, items)
        row = page(parcel, writes.forget) if page is not None else None
        if row is not None:
            return replace(writes, page=row), (handled, parcel, True)
        if any(not isinstance(item, TapAnswer) for item in parcel.items):
            writes = replace(writes, outbox=self.outbox.row(parcel, now))
        return writes, (handled, parcel, False)

    def _parcel(
        self, inbound: Inbound, user_key: str, locale: str | None, items: list[Item]
    ) -> Parcel:
        """Return what an update sends, with a tap's answer first."""
        return Parcel(
            inbound.platform,
            dict(inbound.address),
            user_key,
            locale,
            inbound.language_code,
            tuple(first_tap_answer(items, inbound.is_tap)),
        )

    def start_marker(self, user_key: str, day: dt.date, campaign: str) -> str:
        """Return the keyed marker of one person starting one campaign on one day; without the
        secret it cannot be linked to the person, and it is deleted within two days."""
        message = f"campaign-start:{user_key}:{campaign}:{day.isoformat()}".encode()
        return hmac.new(self.keyer.secret, message, hashlib.sha256).hexdigest()

    async def messages(self, pending: Pending) -> list[Outbound]:
        """Return an entry's messages, making its certificates and admin figures now."""
        parcel = pending.parcel
        renderer = self.renderer(parcel.locale, parcel.language)
        now = self.clock.now()
        out: list[Outbound] = []
        for item in parcel.items:
            match item:
                case MakeCertificate(course, name) if self.certificates is not None:
                    out += await self.certificates.issue(
                        parcel.user_key, course, name, renderer, now
                    )
                case VerifyCode(code) if self.certificates is not None:
                    out += await self.certificates.verify(code, renderer)
                case MakeAdminReport() if self.orgs is not None:
                    out += await self.orgs.report(parcel.user_key, renderer, now)
                case MakeAdminReport():
                    event(log, "admin_refused")
                    out.append(Reply(renderer.say(texts.ADMIN_REFUSED)))
                case MakeCertificate() | VerifyCode():
                    continue
                case _:
                    out.append(item)
        return out

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Apply one inbound and return what to send, its entry marked delivered at once: for
        channels that show replies as they are returned (the terminal, tests)."""
        pending = await self.accept(inbound)
        out = await self.messages(pending)
        await self.outbox.delivered(pending)
        return out

    def renderer(self, stored_locale: str | None, platform_code: str | None) -> Renderer:
        """Return a renderer in the language a user sees."""
        codes = self.catalogs.codes()
        locale = negotiate(stored_locale, platform_code, codes, self.default_locale)
        return Renderer(self.catalogs.translator(locale), locale)

    def say(self, msg: Msg, stored_locale: str | None, platform_code: str | None = None) -> str:
        """Return a text for a user Beacon writes to first, in the language they see."""
        return self.renderer(stored_locale, platform_code).say(msg)

    async def set_active(self, platform: str, user_id: str, active: bool) -> None:
        """Record that a user blocked (inactive) or unblocked the bot."""
        await self.store.set_active(self.keyer.key(platform, user_id), active)
