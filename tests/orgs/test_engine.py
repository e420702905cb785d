"""The pure side of membership: consent, employee id, leaving, completion, state round trip."""

from __future__ import annotations

import datetime as dt
import gettext

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.employee_id import POSITION as EMPLOYEE_ID_SCREEN
from bot.core.builtins.join import POSITION as JOIN_SCREEN
from bot.core.effects import Effect, JoinOrg, LeaveOrg, Notice, SetEmployeeId, Show
from bot.core.engine import show, step
from bot.core.events import Command, FreeText, JoinInvalid, JoinOffer, Tap, TextKind
from bot.core.membership import clean_employee_id
from bot.core.state import ConversationState, OrgLink, Position
from bot.service.render import Renderer
from bot.testing.simulator import FIXED_NOW

OFFER = JoinOffer(7, "City of Phoenix", 3, "Parks", True, "learn:menu")
NOW: dt.datetime = FIXED_NOW


def tap(
    content: Content, state: ConversationState, label: str
) -> tuple[ConversationState, tuple[Effect, ...]]:
    """Press the button with this (English) label on the state's screen."""
    [screen] = [e.screen for e in show(content, state) if isinstance(e, Show)]
    english = Renderer(gettext.NullTranslations(), "en")
    data = next(b.data for row in screen.buttons for b in row if english.text(b.label) == label)
    result = step(content, state, Tap(data), NOW)
    return result.state, result.effects


def test_offer_join_employee_id_and_leave(content: Content) -> None:
    """Consent, Join (membership), the typed id (kept in the effect only), then /leave."""
    offered = step(content, ConversationState(), OFFER, NOW).state
    assert offered.at == JOIN_SCREEN and offered.offer == OFFER
    assert ConversationState.from_dict(offered.to_dict()) == offered
    joined, effects = tap(content, offered, "Join")
    assert JoinOrg(7, 3, False) in effects and joined.at == EMPLOYEE_ID_SCREEN
    assert joined.orgs == (OrgLink(7, "City of Phoenix", "learn:menu"),)
    typed = step(content, joined, FreeText(TextKind.CASE_DETAILS, " 123456 "), NOW)
    assert SetEmployeeId(7, "123456") in typed.effects
    assert typed.state.at == Position("learn", "menu") and typed.state.offer is None
    assert "123456" not in str(typed.state.to_dict()) and "123456" not in repr(typed.effects)
    leaving = step(content, typed.state, Command("leave"), NOW).state
    left, effects = tap(content, leaving, "Yes, leave City of Phoenix")
    assert LeaveOrg(7) in effects and left.orgs == ()


def test_employee_ids_are_cleaned_and_limited() -> None:
    """Controls and runs of spaces collapse; empty or over 40 characters is refused."""
    assert clean_employee_id("  A\t 12\u0000 ") == "A 12"
    assert clean_employee_id("   ") is None
    assert clean_employee_id("x" * 40) == "x" * 40 and clean_employee_id("x" * 41) is None


def test_not_now_joins_nothing(content: Content) -> None:
    """Not now goes home with no membership and no pending offer."""
    offered = step(content, ConversationState(), OFFER, NOW).state
    home, effects = tap(content, offered, "Not now")
    assert not any(isinstance(e, JoinOrg) for e in effects)
    assert home.offer is None and home.orgs == ()


def test_an_invalid_join_code_says_so_then_opens_home(content: Content) -> None:
    """A join code no department has: the kind notice first, then the main menu, no offer;
    a payload the content names as a deep link opens it without the notice."""
    done = step(content, ConversationState(), JoinInvalid("ZZZZZZZZZZ"), NOW)
    assert done.effects[0] == Notice(texts.JOIN_INVALID)
    assert done.state.at == content.entry("home") and done.state.offer is None
    learn = step(content, ConversationState(), JoinInvalid("learn"), NOW)
    assert Notice(texts.JOIN_INVALID) not in learn.effects
    assert learn.state.at is not None and learn.state.at.tree == "learn"
