"""ConversationService: load the user's state, run the engine, save, and render the effects."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from bot.content.bundle import Content
from bot.core import engine
from bot.core.effects import CountResourceViews, ForgetUser, SaveAnswer, SetLocale
from bot.core.state import ConversationState
from bot.i18n.catalogs import Catalogs, negotiate
from bot.logs import event
from bot.service.messages import Inbound, Outbound, TapAnswer
from bot.service.ports import Clock, ConversationStore, StoredUser, StoreSession
from bot.service.render import Renderer
from bot.service.user_keys import UserKeyer

log = logging.getLogger("beacon.service")
MAX_ATTEMPTS = 5


class StateConflict(Exception):
    """Another update changed this user's state first; the attempt is rolled back and retried."""


@dataclass(frozen=True, slots=True)
class Handled:
    """What one attempt decided: the engine's step and the user's locale after it."""

    step: engine.Step
    locale: str


class ConversationService:
    """Handles one inbound at a time per call; safe to call concurrently."""

    def __init__(
        self,
        content: Content,
        store: ConversationStore,
        clock: Clock,
        catalogs: Catalogs,
        keyer: UserKeyer,
        default_locale: str = "en",
    ) -> None:
        """Wire the service to its content, store, clock, catalogs and user keyer."""
        self.content = content
        self.store = store
        self.clock = clock
        self.catalogs = catalogs
        self.keyer = keyer
        self.default_locale = default_locale

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Apply one inbound and return what to send; a redelivered update returns nothing new."""
        user_key = self.keyer.key(inbound.platform, inbound.user_id)
        for _attempt in range(MAX_ATTEMPTS):
            try:
                handled = await self._attempt(user_key, inbound)
            except StateConflict:
                event(log, "state_conflict_retry", kind=type(inbound.event).__name__)
                continue
            if handled is None:
                event(log, "duplicate_update", platform=inbound.platform)
                return [TapAnswer()] if inbound.is_tap else []
            event(
                log, "handled", kind=type(inbound.event).__name__, effects=len(handled.step.effects)
            )
            renderer = Renderer(self.catalogs.translator(handled.locale), handled.locale)
            return renderer.effects(handled.step.effects)
        event(log, "state_conflict_gave_up", kind=type(inbound.event).__name__)
        return [TapAnswer()] if inbound.is_tap else []

    async def _attempt(self, user_key: str, inbound: Inbound) -> Handled | None:
        """Run one transaction: dedupe, load, step, record, save; None for a duplicate update."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            if inbound.update_id is not None:
                key = f"{inbound.platform}:{inbound.update_id}"
                if not await tx.claim_update(key, now):
                    return None
            user = await tx.user(user_key, now)
            data, revision = await tx.load_state(user.id)
            state = ConversationState.from_dict(data) if data else ConversationState()
            if revision is not None:
                state = replace(state, revision=revision)
            step = engine.step(self.content, state, inbound.event, now)
            locale = await self._record(tx, user, step, now)
            if any(isinstance(effect, ForgetUser) for effect in step.effects):
                await tx.forget(user.id)
                event(log, "user_forgotten")
            elif step.state != state:
                saved = await tx.save_state(
                    user.id, step.state.to_dict(), step.state.revision, revision, now
                )
                if not saved:
                    raise StateConflict
        chosen = negotiate(
            locale, inbound.language_code, self.catalogs.codes(), self.default_locale
        )
        return Handled(step, chosen)

    @staticmethod
    async def _record(
        tx: StoreSession, user: StoredUser, step: engine.Step, now: dt.datetime
    ) -> str | None:
        """Store what the step asks to keep; return the user's locale choice after it."""
        locale = user.locale
        for effect in step.effects:
            match effect:
                case SaveAnswer(tree, node, option, correct):
                    await tx.save_answer(user.id, tree, node, option, correct, now)
                case CountResourceViews(ids):
                    await tx.count_views(ids, now.date())
                case SetLocale(code):
                    await tx.set_locale(user.id, code)
                    locale = code
        return locale
