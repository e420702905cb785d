"""A ConversationService for tests: the shipped catalogs, the test user-key secret, a test clock."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.orgs.service import Organizations
from bot.service.conversation import ConversationService
from bot.service.ports import Clock, ConversationStore
from bot.service.user_keys import UserKeyer
from bot.settings import PROJECT_ROOT
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.keys import TEST_USER_KEY_SECRET

SECRET = TEST_USER_KEY_SECRET.encode()
"""The user-key secret as bytes, as UserKeyer takes it."""
RAW_ID = "987654321"
"""The platform id of the simulated user when a test names no other."""


def learner_seed(user_id: str, platform: str = "telegram") -> str:
    """Return the option-order seed the test service gives this platform user."""
    keyer = UserKeyer(SECRET)
    return keyer.seed(keyer.key(platform, user_id))


def service_on(
    store: ConversationStore,
    content: Content,
    clock: Clock | None = None,
    orgs: Organizations | None = None,
) -> ConversationService:
    """Return a service on a store, at FIXED_NOW unless given a clock (with organizations'
    join codes when given them)."""
    catalogs = Catalogs(PROJECT_ROOT / "locales")
    return ConversationService(
        content, store, clock or ManualClock(FIXED_NOW), catalogs, UserKeyer(SECRET), orgs=orgs
    )
