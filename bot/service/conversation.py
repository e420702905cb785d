"""ConversationService: load the user's state, run the engine, save, and render the effects."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from bot.campaigns.counting import campaign_counts
from bot.content.bundle import Content
from bot.core import engine, texts
from bot.core.effects import (
    AdminReport,
    CheckCertificate,
    CountResourceViews,
    Effect,
    ForgetUser,
    IssueCertificate,
    Msg,
    SaveAnswer,
    SetLocale,
    SetReminder,
)
from bot.core.events import Event, SharedLocation, Start
from bot.core.state import ConversationState
from bot.i18n.catalogs import Catalogs, negotiate
from bot.logs import event
from bot.orgs.writes import org_writes
from bot.service.certificates import Certificates
from bot.service.locate import Locator, OfflineLocator
from bot.service.messages import Inbound, Outbound, Reply, TapAnswer
from bot.service.ports import (
    Clock,
    ConversationStore,
    Loaded,
    QuizAnswerRow,
    ReminderRow,
    StateConflict,
    Writes,
)
from bot.service.render import Renderer
from bot.service.user_keys import ChatSealer, UserKeyer

if TYPE_CHECKING:
    from bot.orgs.service import Organizations

log = logging.getLogger("beacon.service")
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Handled:
    """What one update decided: the engine's step and the user's stored language after it."""

    step: engine.Step
    locale: str | None


def writes_for(
    step: engine.Step,
    before: ConversationState,
    loaded: Loaded,
    seal: Callable[[], str],
    language: str | None = None,
    *,
    content: Content | None = None,
    event: Event | None = None,
) -> Writes:
    """Return what a step changes in storage: state, answers, views, language, reminder,
    campaign counts, or deletion. `seal` returns the user's chat, encrypted, for a reminder;
    `language` is the platform's language code, kept with it; `content` and the `event` the
    step answered let it count a campaign's starts and finished modules."""
    answers: list[QuizAnswerRow] = []
    views: list[str] = []
    locale = None
    reminder: ReminderRow | None = None
    drop_reminder = False
    for effect in step.effects:
        match effect:
            case SetReminder(plan, next_at) if plan is not None and next_at is not None:
                reminder = ReminderRow(seal(), plan.to_list(), next_at, language)
            case SetReminder():
                drop_reminder = True
            case SaveAnswer(tree, node, option, correct):
                answers.append(QuizAnswerRow(tree, node, option, correct))
            case CountResourceViews(ids):
                views.extend(ids)
            case SetLocale(code):
                locale = code
            case ForgetUser():
                return Writes(forget=True)
    changed = step.state != before or loaded.revision is None
    return Writes(
        state=step.state.to_dict() if changed else None,
        revision=step.state.revision,
        answers=tuple(answers),
        views=tuple(views),
        locale=locale,
        reminder=reminder,
        drop_reminder=drop_reminder,
        campaign_counts=campaign_counts(content, event, step, before),
        orgs=org_writes(step.effects),
    )


def decide(
    content: Content,
    inbound: Inbound,
    now: dt.datetime,
    seal: Callable[[], str],
    loaded: Loaded,
) -> tuple[Writes, Handled]:
    """Run the engine on the loaded state; return what to write and what happened."""
    state = ConversationState.from_dict(loaded.state) if loaded.state else ConversationState()
    if loaded.revision is not None:
        state = replace(state, revision=loaded.revision)
    step = engine.step(content, state, inbound.event, now)
    writes = writes_for(
        step, state, loaded, seal, inbound.language_code, content=content, event=inbound.event
    )
    return writes, Handled(step, writes.locale or loaded.locale)


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
    ) -> None:
        """Wire the service to its content, store, clock, catalogs, user keyer, the sealer
        that encrypts a chat for reminders (derived from the keyer's secret by default) and
        the offline locator for shared locations."""
        self.content = content
        self.store = store
        self.clock = clock
        self.catalogs = catalogs
        self.keyer = keyer
        self.default_locale = default_locale
        self.sealer = sealer or ChatSealer(keyer.secret)
        self.certificates = certificates
        self.locator = locator or OfflineLocator()
        self.orgs = orgs
        """Organizations: join codes in `/start` payloads and `/admin` figures (if wired)."""

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Apply one inbound and return what to send; a redelivered update returns nothing new.
        A shared location becomes its coarse place here, before anything is stored."""
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
            try:
                seal = partial(self.sealer.seal, inbound.platform, inbound.user_id)
                decision = partial(decide, self.content, inbound, now, seal)
                handled = await self.store.apply(user_key, update_key, now, decision)
            except StateConflict:
                event(log, "state_conflict_retry", kind=kind)
                continue
            if handled is None:
                event(log, "duplicate_update", platform=inbound.platform)
                return [TapAnswer()] if inbound.is_tap else []
            event(log, "handled", level=logging.DEBUG, kind=kind, effects=len(handled.step.effects))
            renderer = self.renderer(handled.locale, inbound.language_code)
            effects = handled.step.effects
            certificate = await self.certificates_for(effects, user_key, renderer, now)
            admin = await self.admin_for(effects, user_key, renderer, now)
            return certificate + renderer.effects(effects) + admin
        event(log, "state_conflict_gave_up", level=logging.WARNING, kind=kind)
        return [TapAnswer()] if inbound.is_tap else []

    async def certificates_for(
        self, effects: Iterable[Effect], user_key: str, renderer: Renderer, now: dt.datetime
    ) -> list[Outbound]:
        """Return the messages of certificate effects: one issued, or a code checked."""
        out: list[Outbound] = []
        for effect in effects:
            if self.certificates is None:
                break
            match effect:
                case IssueCertificate(course, _, name):
                    out += await self.certificates.issue(user_key, course, name, renderer, now)
                case CheckCertificate(code):
                    out += await self.certificates.verify(code, renderer)
        return out

    async def admin_for(
        self, effects: Iterable[Effect], user_key: str, renderer: Renderer, now: dt.datetime
    ) -> list[Outbound]:
        """Return an admin's figures (or a kind refusal) when the step asked for them."""
        if not any(isinstance(e, AdminReport) for e in effects):
            return []
        if self.orgs is None:
            event(log, "admin_refused")
            return [Reply(renderer.say(texts.ADMIN_REFUSED))]
        return await self.orgs.report(user_key, renderer, now)

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
