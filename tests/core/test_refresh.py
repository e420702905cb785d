"""Spaced refreshers: missed questions become FSRS review cards, due on a fixed clock."""

from __future__ import annotations

import datetime as dt
import json

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.core.course import questions_of
from bot.core.refresh import ReviewCard, due, review
from bot.core.state import ConversationState, Position
from bot.service.messages import Outbound, Reply
from bot.testing.simulator import FIXED_NOW, CoreChat

DAY = dt.timedelta(days=1)


def text_of(out: list[Outbound]) -> str:
    """Return the last reply's text."""
    return [m for m in out if isinstance(m, Reply)][-1].text


def question(content: Content, number: int) -> tuple[str, QuizQuestionNode]:
    """Return the id and node of a question of the signs module."""
    tree = content.trees["signs"]
    node_id = questions_of(tree)[number - 1]
    node = tree.nodes[node_id]
    assert isinstance(node, QuizQuestionNode)
    return node_id, node


def answer_first_two(chat: CoreChat, first_right: bool, second_right: bool) -> None:
    """Open the signs module and answer its first two questions."""
    chat.send("/start signs")
    chat.click("Start")
    for number, right in ((1, first_right), (2, second_right)):
        _, node = question(chat.content, number)
        chat.click(next(o.label for o in node.options if o.correct == right))


def test_fsrs_intervals_grow_with_right_answers_and_reset_on_a_miss() -> None:
    """A miss is due in a day; right answers then give 2 and 6 days; a new miss, 1 day."""
    card = review(None, "signs", "q1", False, FIXED_NOW)
    assert card.due - FIXED_NOW == DAY
    gaps = []
    for _ in range(2):
        at = card.due
        card = review(card, "signs", "q1", True, at)
        gaps.append(card.due - at)
    assert gaps == [2 * DAY, 6 * DAY]
    missed = review(card, "signs", "q1", False, card.due)
    assert missed.due - card.due == DAY and missed.reviews == 4


def test_a_missed_question_becomes_a_card_and_a_right_one_does_not(
    shipped_content: Content,
) -> None:
    """Only the missed question is scheduled, a day later."""
    chat = CoreChat(shipped_content)
    answer_first_two(chat, first_right=False, second_right=True)
    first, _ = question(shipped_content, 1)
    [card] = chat.state.cards
    assert (card.tree, card.node, card.due) == ("signs", first, FIXED_NOW + DAY)


def test_the_refresher_shows_what_is_due_and_reschedules_it(shipped_content: Content) -> None:
    """Not due today; due tomorrow; answered right, it moves days ahead; nothing left due."""
    chat = CoreChat(shipped_content)
    answer_first_two(chat, first_right=False, second_right=False)
    out = chat.send("/start learn")
    out = chat.click("Refresh what you missed")
    assert (
        text_of(out) == "Nothing is due right now. The next refresher is due on November 23, 2026."
    )
    chat.now = FIXED_NOW + DAY
    chat.send("/start learn")
    out = chat.click("Refresh what you missed")
    assert text_of(out) == "2 questions you missed are due for a refresher."
    out = chat.click("Start the refresher")
    first, node = question(shipped_content, 1)
    assert chat.state.at == Position("signs", first) and text_of(out).startswith("Refresher")
    chat.click(next(o.label for o in node.options if o.correct))
    second, node2 = question(shipped_content, 2)
    assert chat.state.at == Position("signs", second)
    out = chat.click(next(o.label for o in node2.options if not o.correct))
    assert text_of(out).startswith("Nothing is due right now. The next refresher is due on")
    cards = {c.node: c for c in chat.state.cards}
    assert cards[first].due == FIXED_NOW + 3 * DAY  # right: two days after this review
    assert cards[second].due == FIXED_NOW + 2 * DAY  # missed again: one day
    assert due(chat.state.cards, chat.now) == []


def test_refreshers_leave_module_scores_alone(shipped_content: Content) -> None:
    """A refresher answer changes the card, not the module's run or results."""
    chat = CoreChat(shipped_content)
    answer_first_two(chat, first_right=False, second_right=True)
    answers = chat.state.answers
    chat.now = FIXED_NOW + DAY
    chat.send("/start learn")
    chat.click("Refresh what you missed")
    chat.click("Start the refresher")
    _, node = question(shipped_content, 1)
    chat.click(next(o.label for o in node.options if o.correct))
    assert chat.state.answers == answers and chat.state.results == ()


def test_leaving_a_refresher_ends_it(shipped_content: Content) -> None:
    """Home in the middle of a refresher clears the queue; the question is a module one again."""
    chat = CoreChat(shipped_content)
    answer_first_two(chat, first_right=False, second_right=False)
    chat.now = FIXED_NOW + DAY
    chat.send("/start learn")
    chat.click("Refresh what you missed")
    chat.click("Start the refresher")
    assert chat.state.queue
    chat.click("Home")
    assert chat.state.queue == ()


def test_no_refresh_entry_before_any_miss(shipped_content: Content) -> None:
    """The course shows the refresher only once there is something to refresh."""
    chat = CoreChat(shipped_content)
    chat.send("/start learn")
    assert "Refresh what you missed" not in [b.label for r in chat.keyboard.rows for b in r]


def test_cards_survive_storage() -> None:
    """Cards and the refresher queue round-trip through the state JSON."""
    card = review(None, "signs", "q1", False, FIXED_NOW)
    state = ConversationState(
        cards=(card, ReviewCard("signs", "q2", FIXED_NOW)), queue=(Position("signs", "q2"),)
    )
    again = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert (again.cards, again.queue) == (state.cards, state.queue)
