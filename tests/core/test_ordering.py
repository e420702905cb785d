"""One person's updates in order: classifying an update's number against the last one applied,
keeping that number in the state, and what the engine does with a late, older update."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.effects import AnswerTap, Notice, Show
from bot.core.engine import Step, ordered_step, step
from bot.core.events import Command, Event, FreeText, Start, Tap, TextKind
from bot.core.ordering import SEQUENCE_KEPT, Arrival, Sequenced, arrival
from bot.core.state import ConversationState, Position
from bot.testing.fixture_content import CONTENT

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
HOME = Position("main", "home")
QUESTION = Position("quiz", "q1")


@pytest.mark.parametrize(
    ("number", "remembered", "expected"),
    [
        (5, None, Arrival.IN_ORDER),
        (11, Sequenced(10, NOW), Arrival.IN_ORDER),
        (10, Sequenced(10, NOW), Arrival.AGAIN),
        (9, Sequenced(10, NOW), Arrival.STALE),
        (0, Sequenced(2**31 - 1, NOW), Arrival.STALE),
    ],
)
def test_a_number_is_compared_with_the_one_remembered(
    number: int, remembered: Sequenced | None, expected: Arrival
) -> None:
    """Newer (or nothing remembered) is in order, the same number again, an older one stale."""
    assert arrival(number, remembered, NOW) is expected


def test_a_remembered_number_is_forgotten_after_a_day() -> None:
    """Up to SEQUENCE_KEPT after it was applied a number makes older ones stale; after, any
    number is in order (a new token or an update-id reset)."""
    remembered = Sequenced(1000, NOW)
    assert dt.timedelta(days=1) == SEQUENCE_KEPT
    assert arrival(3, remembered, NOW + SEQUENCE_KEPT) is Arrival.STALE
    assert arrival(1000, remembered, NOW + SEQUENCE_KEPT) is Arrival.AGAIN
    later = NOW + SEQUENCE_KEPT + dt.timedelta(seconds=1)
    assert arrival(3, remembered, later) is Arrival.IN_ORDER
    assert arrival(1000, remembered, later) is Arrival.IN_ORDER


def test_a_number_from_a_clock_ahead_still_counts() -> None:
    """A number remembered by a worker whose clock runs ahead still orders what follows."""
    ahead = Sequenced(10, NOW + dt.timedelta(minutes=5))
    assert arrival(9, ahead, NOW) is Arrival.STALE


def test_the_number_is_kept_in_the_state_json() -> None:
    """The state carries its number through JSON; a state saved before it loads with none,
    and an unreadable one is forgotten rather than refused."""
    state = ConversationState(3, HOME, sequence=Sequenced(42, NOW))
    assert ConversationState.from_dict(state.to_dict()) == state
    old = state.to_dict()
    del old["sequence"]
    assert ConversationState.from_dict(old) == ConversationState(3, HOME)
    for unreadable in ([42], ["42", NOW.isoformat()], [42, "yesterday"], 42, [True, "x"]):
        garbled = {**state.to_dict(), "sequence": unreadable}
        assert ConversationState.from_dict(garbled).sequence is None


def tap(state: ConversationState, op: Op, arg: str = "") -> Tap:
    """Return a tap drawn for the state's revision."""
    return Tap(encode(Callback(state.revision, op, arg)))


AT_QUESTION = ConversationState(7, QUESTION, history=(HOME,), sequence=Sequenced(10, NOW))


def test_an_update_in_order_is_applied_and_its_number_remembered() -> None:
    """A newer update takes its ordinary step, and the state remembers its number and when."""
    event = tap(AT_QUESTION, Op.HOME)
    later = NOW + dt.timedelta(seconds=3)
    came, done = ordered_step(CONTENT, AT_QUESTION, event, 11, later)
    plain = step(CONTENT, AT_QUESTION, event, later)
    assert came is Arrival.IN_ORDER
    assert done.effects == plain.effects
    assert done.state.at == HOME
    assert done.state.sequence == Sequenced(11, later)


def test_an_unnumbered_update_is_applied_as_it_is() -> None:
    """A channel with no order (the web) gets the ordinary step; the number stays as it was."""
    event = tap(AT_QUESTION, Op.HOME)
    came, done = ordered_step(CONTENT, AT_QUESTION, event, None, NOW)
    assert came is Arrival.IN_ORDER
    assert done == step(CONTENT, AT_QUESTION, event, NOW)
    assert done.state.sequence == Sequenced(10, NOW)


@pytest.mark.parametrize("event", [FreeText(TextKind.SHORT, "hi"), Command("menu"), Start()])
def test_older_text_is_overtaken(event: Event) -> None:
    """Text (or a command) older than the last update changes nothing: Beacon says it arrived
    after a newer one and shows the current screen again."""
    came, done = ordered_step(CONTENT, AT_QUESTION, event, 9, NOW)
    assert came is Arrival.STALE
    assert done.state == AT_QUESTION
    assert done.effects[0] == Notice(texts.OVERTAKEN)
    [screen] = [effect for effect in done.effects if isinstance(effect, Show)]
    assert screen.screen.position == QUESTION


def test_an_older_tap_gets_the_stale_button_answer() -> None:
    """A tap older than the last update, even one drawn for the current screen, changes
    nothing and is answered as a stale button."""
    came, done = ordered_step(CONTENT, AT_QUESTION, tap(AT_QUESTION, Op.ANSWER, "0"), 9, NOW)
    assert came is Arrival.STALE
    assert done.state == AT_QUESTION
    assert done.effects == (AnswerTap(texts.STALE),)


def test_the_same_number_again_changes_nothing() -> None:
    """The update applied last, delivered again, changes nothing; a tap is answered blank."""
    text = FreeText(TextKind.SHORT, "hi")
    assert ordered_step(CONTENT, AT_QUESTION, text, 10, NOW)[1].effects == ()
    came, done = ordered_step(CONTENT, AT_QUESTION, tap(AT_QUESTION, Op.HOME), 10, NOW)
    assert came is Arrival.AGAIN
    assert done.state == AT_QUESTION
    assert done.effects == (AnswerTap(),)


def test_nothing_older_reaches_a_chat_left_with_exit() -> None:
    """After /exit (which empties the chat), an older message still on its way sends nothing:
    the exit keeps the number, and with no screen there is nothing to show again."""
    came, left = ordered_step(CONTENT, AT_QUESTION, Command("exit"), 11, NOW)
    assert came is Arrival.IN_ORDER
    assert left.state.at is None and left.state.sequence == Sequenced(11, NOW)
    came, late = ordered_step(CONTENT, left.state, FreeText(TextKind.SHORT, "hi"), 10, NOW)
    assert came is Arrival.STALE
    assert late == Step(left.state, ())
