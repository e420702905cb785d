"""The pure side of membership: consent, employee id, leaving, completion, state round trip."""

from __future__ import annotations

import datetime as dt
import gettext

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.employee_id import CHECK_POSITION as CHECK_SCREEN
from bot.core.builtins.employee_id import POSITION as EMPLOYEE_ID_SCREEN
from bot.core.builtins.join import POSITION as JOIN_SCREEN
from bot.core.codec import Callback, Op, encode
from bot.core.effects import (
    Effect,
    ForgetUser,
    JoinOrg,
    LeaveOrg,
    Msg,
    Notice,
    SetEmployeeId,
    Show,
)
from bot.core.engine import show, step
from bot.core.events import Command, FreeText, JoinInvalid, JoinOffer, Tap, TextKind, Unsupported
from bot.core.membership import clean_employee_id, fits_id_pattern, id_pattern_problem, plain
from bot.core.state import ConversationState, OrgLink, Position
from bot.service.render import Renderer
from bot.testing.simulator import FIXED_NOW

OFFER = JoinOffer(7, "City of Phoenix", 3, "Parks", True, "learn:menu")
FORMATTED = JoinOffer(7, "City of Phoenix", 3, "Parks", True, "learn:menu", r"E-\d{6}", "E-123456")
NOW: dt.datetime = FIXED_NOW
ENGLISH = Renderer(gettext.NullTranslations(), "en")
HOME = Position("main", "home")


def shown(effects: tuple[Effect, ...]) -> list[str]:
    """Return the English texts of the notices and the screens' parts the effects show."""
    out: list[str] = []
    for effect in effects:
        if isinstance(effect, Notice):
            out.append(ENGLISH.text(effect.message))
        elif isinstance(effect, Show):
            out += [ENGLISH.text(p) for p in effect.screen.parts if isinstance(p, Msg)]
    return out


def back_data(content: Content, state: ConversationState) -> str:
    """Return the callback data of the Back button on the state's screen."""
    return encode(Callback(state.revision, Op.BACK))


def tap(
    content: Content, state: ConversationState, label: str
) -> tuple[ConversationState, tuple[Effect, ...]]:
    """Press the button with this (English) label on the state's screen."""
    [screen] = [e.screen for e in show(content, state) if isinstance(e, Show)]
    data = next(b.data for row in screen.buttons for b in row if ENGLISH.text(b.label) == label)
    result = step(content, state, Tap(data), NOW)
    return result.state, result.effects


def test_offer_join_employee_id_and_leave(content: Content) -> None:
    """Consent, Join (membership), the typed id (kept in the effect only) shown back, Right
    opens the course, then /leave."""
    offered = step(content, ConversationState(), OFFER, NOW).state
    assert offered.at == JOIN_SCREEN and offered.offer == OFFER
    assert ConversationState.from_dict(offered.to_dict()) == offered
    joined, effects = tap(content, offered, "Join")
    assert JoinOrg(7, 3, False) in effects and joined.at == EMPLOYEE_ID_SCREEN
    assert joined.orgs == (OrgLink(7, "City of Phoenix", "learn:menu", True),)
    assert joined.offer is None and joined.id_for == 7
    typed = step(content, joined, FreeText(TextKind.CASE_DETAILS, " 123456 "), NOW)
    assert SetEmployeeId(7, "123456") in typed.effects
    assert typed.state.at == CHECK_SCREEN
    assert shown(typed.effects)[-1] == "Your employee id for City of Phoenix: 123456. Right?"
    assert "123456" not in str(typed.state.to_dict())
    assert "123456" not in repr([e for e in typed.effects if not isinstance(e, Show)])
    right, effects = tap(content, typed.state, "Yes, that's right")
    assert Notice(texts.EMPLOYEE_ID_SAVED.fill(org=plain("City of Phoenix"))) in effects
    assert right.at == Position("learn", "menu") and right.id_for is None
    assert step(content, right, Tap(back_data(content, right)), NOW).state.at == HOME
    leaving = step(content, right, Command("leave"), NOW).state
    left, effects = tap(content, leaving, "Yes, leave City of Phoenix")
    assert LeaveOrg(7) in effects and left.orgs == ()


def test_an_id_of_the_wrong_format_is_asked_again_with_the_example(content: Content) -> None:
    """The organization's format is a full match: a near miss is refused kindly with the
    example and nothing kept; a fitting id (case-details-like digits) is no warning."""
    joined, _ = tap(content, step(content, ConversationState(), FORMATTED, NOW).state, "Join")
    asked = shown(show(content, joined))
    assert asked[-1] == "It looks like this: E-123456"
    for wrong in ("E-12345", "E-1234567", "e-123456", "X E-123456"):
        done = step(content, joined, FreeText(TextKind.CASE_DETAILS, wrong), NOW)
        assert not any(isinstance(e, SetEmployeeId) for e in done.effects)
        assert shown(done.effects)[0] == (
            "That does not look like an employee id of City of Phoenix. It should look like "
            "this: E-123456. Please check it and type it again."
        )
        assert done.state.at == EMPLOYEE_ID_SCREEN
    done = step(content, joined, FreeText(TextKind.CASE_DETAILS, "E-123456"), NOW)
    assert SetEmployeeId(7, "E-123456") in done.effects
    assert not any(texts.CASE_DETAILS.text in t for t in shown(done.effects))


def test_change_replaces_the_id_and_the_course_screen_offers_it_again(content: Content) -> None:
    """Change asks again; an id typed on the confirmation replaces the one shown; the course
    screen of a member whose organization asks for an id has the button, Right returns there."""
    joined, _ = tap(content, step(content, ConversationState(), FORMATTED, NOW).state, "Join")
    typed = step(content, joined, FreeText(TextKind.CASE_DETAILS, "E-123456"), NOW).state
    again, _ = tap(content, typed, "Change")
    assert again.at == EMPLOYEE_ID_SCREEN
    retyped = step(content, again, FreeText(TextKind.CASE_DETAILS, "E-654321"), NOW)
    assert SetEmployeeId(7, "E-654321") in retyped.effects
    on_check = step(content, retyped.state, FreeText(TextKind.CASE_DETAILS, "E-111111"), NOW)
    assert SetEmployeeId(7, "E-111111") in on_check.effects
    assert shown(on_check.effects)[-1].endswith(": E-111111. Right?")
    course, _ = tap(content, on_check.state, "Yes, that's right")
    assert course.at == Position("learn", "menu")
    change, _ = tap(content, course, "Change your employee id for City of Phoenix")
    assert change.at == EMPLOYEE_ID_SCREEN
    typed = step(content, change, FreeText(TextKind.CASE_DETAILS, "E-222222"), NOW).state
    back, _ = tap(content, typed, "Yes, that's right")
    assert back.at == Position("learn", "menu") and back.history == course.history
    assert "E-222222" not in str(back.to_dict())


def test_no_id_button_for_an_organization_that_asks_none(content: Content) -> None:
    """A member of an organization that asks no id sees Leave, not Change your employee id;
    a forged tap of the op is refused."""
    offer = JoinOffer(8, "Tucson", 4, "Water", False, "learn:menu")
    course, _ = tap(content, step(content, ConversationState(), offer, NOW).state, "Join")
    [screen] = [e.screen for e in show(content, course) if isinstance(e, Show)]
    labels = [ENGLISH.text(b.label) for row in screen.buttons for b in row]
    assert "Leave Tucson" in labels and not any("employee id" in label for label in labels)
    forged = step(content, course, Tap(encode(Callback(course.revision, Op.EMPLOYEE_ID, "8"))), NOW)
    assert forged.state == course


def test_states_written_before_the_id_format_still_read() -> None:
    """An organization link of three fields and an offer of six read with no format."""
    data = ConversationState(orgs=(OrgLink(7, "City", "learn:menu"),), offer=OFFER).to_dict()
    data["orgs"] = [[7, "City", "learn:menu"]]
    data["offer"] = data["offer"][:6]
    read = ConversationState.from_dict(data)
    assert read.orgs == (OrgLink(7, "City", "learn:menu"),) and read.offer == OFFER


def test_id_formats_that_could_backtrack_for_long_are_refused() -> None:
    """Nested or alternated repeats, backreferences, lookarounds, more than three variable
    repeats and over-long or broken patterns are refused; plain formats are taken."""
    for good in (r"E-\d{6}", r"[A-Z]{2}\d{4,6}", r"(?:E|F)-\d{6}", r"\d+-\w*"):
        assert id_pattern_problem(good) is None, good
    for bad in (
        r"(a+)+b",
        r"(a|aa)*",
        r"(ab){3}",
        r"(\d)\1",
        r"(?=E)E",
        r"a*b*c*d*",
        "(",
        "x" * 61,
    ):
        assert id_pattern_problem(bad) is not None, bad
    assert fits_id_pattern(r"E-\d{6}", "E-123456") and not fits_id_pattern(r"E-\d{6}", "E-1234567")
    assert fits_id_pattern("", "anything at all")


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


def test_forget_names_each_organizations_record_and_cancel_keeps_all(content: Content) -> None:
    """/forget lists what goes; for a member, each organization's record (the employee id when
    it asks one) and that it will no longer see completion; Cancel goes back, Yes forgets."""
    alone = shown(step(content, ConversationState(), Command("forget"), NOW).effects)
    assert alone[0] == "Delete everything Beacon keeps about you? This deletes:"
    assert not any("membership" in t or "/leave" in t for t in alone)
    assert alone[-2:] == [
        "A certificate you already have still verifies with its code, but no longer shows your "
        "name.",
        "This cannot be undone. Anonymous counts that name no one stay.",
    ]
    course, _ = tap(content, step(content, ConversationState(), OFFER, NOW).state, "Join")
    other = JoinOffer(8, "Tucson", 4, "Water", False, "learn:menu")
    both, _ = tap(content, step(content, course, other, NOW).state, "Join")
    asked = step(content, both, Command("forget"), NOW).state
    text = shown(show(content, asked))
    assert (
        "• your membership of City of Phoenix: your department, your employee id, when you "
        "joined and the record of whether you completed the course" in text[1]
    )
    assert (
        "• your membership of Tucson: your department, when you joined and the record of "
        "whether you completed the course" in text[1]
    )
    assert text[2] == (
        "City of Phoenix will no longer see whether you completed the training, and will no "
        "longer count you as enrolled. To remove only that and keep your own progress, send "
        "/leave instead."
    )
    assert text[3].startswith("Tucson will no longer see")
    cancelled, effects = tap(content, asked, "Cancel")
    assert cancelled.at == both.at and not any(isinstance(e, ForgetUser) for e in effects)
    gone, effects = tap(content, asked, "Yes, delete everything")
    assert ForgetUser() in effects and gone.orgs == ()


def test_the_confirmation_shown_again_asks_without_the_id(content: Content) -> None:
    """The state does not hold the id, so the confirmation shown again (after a sticker) asks
    about it without repeating it, still with Yes and Change; an org with no example gets the
    kind answer without one."""
    offer = JoinOffer(7, "City of Phoenix", 3, "Parks", True, "learn:menu", r"E-\d{6}")
    joined, _ = tap(content, step(content, ConversationState(), offer, NOW).state, "Join")
    wrong = step(content, joined, FreeText(TextKind.TYPO, "E-1"), NOW)
    assert shown(wrong.effects)[0] == (
        "That does not look like an employee id of City of Phoenix. Please check it and type "
        "it again."
    )
    typed = step(content, joined, FreeText(TextKind.CASE_DETAILS, "E-123456"), NOW).state
    again = step(content, typed, Unsupported("sticker"), NOW)
    assert shown(again.effects)[-1] == (
        "Is the employee id you typed for City of Phoenix right? If you are not sure, tap "
        "Change and type it again."
    )
    right, _ = tap(content, again.state, "Yes, that's right")
    assert right.at == Position("learn", "menu")


def test_a_sentence_is_not_kept_as_an_employee_id(content: Content) -> None:
    """With no format, an id of up to three words is kept; a sentence typed at the question is
    refused kindly and not kept (Beacon keeps no free text)."""
    joined, _ = tap(content, step(content, ConversationState(), OFFER, NOW).state, "Join")
    kept = step(content, joined, FreeText(TextKind.SHORT, "PHX 12 3456"), NOW)
    assert SetEmployeeId(7, "PHX 12 3456") in kept.effects
    sentence = step(content, joined, FreeText(TextKind.SHORT, "my boss took my passport"), NOW)
    assert not any(isinstance(e, SetEmployeeId) for e in sentence.effects)
    assert shown(sentence.effects)[0].startswith("That does not look like an employee id")
