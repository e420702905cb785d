"""Options shuffled per learner: one order per learner and question, kept across re-renders and
restarts, different across learners, the right answer spread evenly; buttons keep naming the
original option, so old and forged buttons are handled as before."""

from __future__ import annotations

from collections import Counter

from bot.content.bundle import Content, Position
from bot.content.models import QuizQuestionNode
from bot.core import texts
from bot.core.codec import Callback, Op, decode, encode
from bot.core.course import option_order, questions_of
from bot.core.effects import AnswerTap
from bot.core.events import Resume, Tap
from bot.core.group_quiz import quiz_polls
from bot.core.state import ConversationState
from bot.testing.simulator import CoreChat

FIRST = Position("signs", "q1")
LEARNERS = 900
"""Deterministic seeds `learner-0` ... `learner-899` stand for as many learners."""


def question(content: Content, pos: Position) -> QuizQuestionNode:
    """Return the quiz question at `pos`."""
    node = content.trees[pos.tree].nodes[pos.node]
    assert isinstance(node, QuizQuestionNode)
    return node


def at_first_question(content: Content, seed: str) -> CoreChat:
    """Return a learner with this seed on the signs module's first question."""
    chat = CoreChat(content, seed=seed)
    chat.send("/start signs")
    chat.click("Start")
    return chat


def option_labels(chat: CoreChat) -> list[str]:
    """Return the labels of the answer buttons on screen (callback op `a`)."""
    return [
        b.label
        for row in chat.keyboard.rows
        for b in row
        if isinstance(cb := decode(b.data), Callback) and cb.op is Op.ANSWER
    ]


def test_one_learner_sees_one_order_across_re_renders_and_restarts(content: Content) -> None:
    """The order is the same on a repeat, after the state goes through JSON, and for a new chat
    with the same seed (a restart of Beacon)."""
    chat = at_first_question(content, "learner-a")
    first = option_labels(chat)
    chat.event(Resume())
    assert option_labels(chat) == first
    restored = ConversationState.from_dict(chat.state.to_dict())
    assert restored.seed == "learner-a"
    assert option_labels(at_first_question(content, "learner-a")) == first
    assert sorted(first) == sorted(o.label for o in question(content, FIRST).options)


def test_different_learners_see_different_orders(content: Content) -> None:
    """Among twenty learners, the first question's three options come in at least four orders,
    and two given learners differ."""
    orders = {tuple(option_labels(at_first_question(content, f"learner-{n}"))) for n in range(20)}
    assert len(orders) >= 4
    assert option_order("learner-1", FIRST, 3) != option_order("learner-2", FIRST, 3)


def test_without_a_seed_options_keep_file_order() -> None:
    """A state with no seed (the service always gives one) shows the file's order."""
    assert option_order("", FIRST, 4) == (0, 1, 2, 3)


def test_the_right_answer_lands_evenly_over_many_learners(content: Content) -> None:
    """For every question, over 900 learners, each position holds the right answer about
    equally often (within a third of an even share)."""
    for tree_id in ("signs", "check"):
        tree = content.trees[tree_id]
        for node_id in questions_of(tree):
            pos = Position(tree_id, node_id)
            node = question(content, pos)
            right = next(i for i, o in enumerate(node.options) if o.correct)
            count = len(node.options)
            where = Counter(
                option_order(f"learner-{n}", pos, count).index(right) for n in range(LEARNERS)
            )
            even = LEARNERS / count
            assert sorted(where) == list(range(count)), pos
            assert all(abs(where[p] - even) < even / 3 for p in range(count)), (pos, where)


def test_a_button_names_the_original_option_and_scores_it(content: Content) -> None:
    """Whatever its place on screen, the right answer's button carries its file index and
    scores right; the wrong one scores wrong."""
    node = question(content, FIRST)
    right = next(i for i, o in enumerate(node.options) if o.correct)
    for seed in ("learner-1", "learner-2", "learner-3"):
        chat = at_first_question(content, seed)
        data = chat.keyboard.data_for(node.options[right].label)
        assert decode(data) == Callback(chat.state.revision, Op.ANSWER, str(right))
        chat.click(node.options[right].label)
        [answer] = chat.state.answers
        assert (answer.option, answer.correct) == (right, True)


def test_the_answered_mark_follows_the_learners_order(content: Content) -> None:
    """Back from the feedback shows the question in the same order, the chosen option marked."""
    chat = at_first_question(content, "learner-7")
    shown = option_labels(chat)
    chat.click(shown[2])
    chat.click("Back")
    again = option_labels(chat)
    assert again[2] == f"● {shown[2]}"
    assert again[:2] == shown[:2]


def test_a_stale_or_forged_answer_is_refused_kindly(content: Content) -> None:
    """An answer button from an old revision is stale; an option index the question does not
    have is unreadable; neither records an answer."""
    chat = at_first_question(content, "learner-9")
    stale = encode(Callback(chat.state.revision - 1, Op.ANSWER, "0"))
    chat.event(Tap(stale))
    assert AnswerTap(texts.STALE) in chat.effects
    forged = encode(Callback(chat.state.revision, Op.ANSWER, "7"))
    chat.event(Tap(forged))
    assert AnswerTap(texts.UNREADABLE) in chat.effects
    assert chat.state.answers == ()


def test_a_group_quiz_poll_names_its_right_option_in_its_own_order(content: Content) -> None:
    """A group quiz shuffles each poll once for the room; `correct` points at the right
    answer's label in that order."""
    for seed in ("room-1", "room-2"):
        for poll, node_id in zip(
            quiz_polls(content, "signs", seed), questions_of(content.trees["signs"]), strict=True
        ):
            node = question(content, Position("signs", node_id))
            right = next(o.label for o in node.options if o.correct)
            assert poll.options[poll.correct].text == right
    plain = quiz_polls(content, "signs")
    assert [p.options for p in quiz_polls(content, "signs", "room-1")] != [p.options for p in plain]
