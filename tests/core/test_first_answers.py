"""First answers count: a learner may go back over an answered question, not re-answer it, in a
module, the knowledge check and a refresher; a deliberate "Try again" starts a new run."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.core.course import BEFORE, questions_of
from bot.core.effects import SaveAnswer
from bot.service.messages import Outbound, Reply, TapAnswer
from bot.testing.simulator import FIXED_NOW, CoreChat

FIRST_COUNTS = "You answered this one already; your first answer counts."


def last_text(out: list[Outbound]) -> str:
    """Return the text of the last reply."""
    return [m for m in out if isinstance(m, Reply)][-1].text


def tap_note(out: list[Outbound]) -> str | None:
    """Return the note on the tap's answer."""
    [answer] = [m for m in out if isinstance(m, TapAnswer)]
    return answer.text


def labels(chat: CoreChat) -> list[str]:
    """Return the labels on the last keyboard."""
    return [b.label for row in chat.keyboard.rows for b in row]


def question(content: Content, tree_id: str, number: int) -> QuizQuestionNode:
    """Return a tree's question by its number."""
    node = content.trees[tree_id].nodes[questions_of(content.trees[tree_id])[number - 1]]
    assert isinstance(node, QuizQuestionNode)
    return node


def option(node: QuizQuestionNode, right: bool) -> str:
    """Return the label of a right (or a wrong) option."""
    return next(o.label for o in node.options if o.correct == right)


def saved(chat: CoreChat) -> list[SaveAnswer]:
    """Return the answers the last step asked to record."""
    return [e for e in chat.effects if isinstance(e, SaveAnswer)]


def open_module(chat: CoreChat, tree_id: str) -> None:
    """Open a quiz tree from its start and tap the intro's Start button."""
    chat.send(f"/start {tree_id}")
    chat.click(labels(chat)[0])


def answer_rest(chat: CoreChat, tree_id: str, first: int) -> list[Outbound]:
    """Answer questions `first`.. of a tree rightly (each tap shows the feedback and what comes
    next); return the last step: the last feedback and the result screen."""
    out: list[Outbound] = []
    for number in range(first, len(questions_of(chat.content.trees[tree_id])) + 1):
        out = chat.click(option(question(chat.content, tree_id, number), right=True))
    return out


def texts_of(out: list[Outbound]) -> list[str]:
    """Return the texts of the replies of a step, in order."""
    return [m.text for m in out if isinstance(m, Reply)]


def test_back_from_the_next_question_shows_the_answered_one(shipped_content: Content) -> None:
    """Wrong: its feedback and question 2 come together. Back: question 1, the wrong option
    marked; tapping the right one shows the first answer's feedback again, says the first answer
    counts, records nothing and goes on to question 2."""
    chat = CoreChat(shipped_content)
    open_module(chat, "signs")
    q1 = question(shipped_content, "signs", 1)
    wrong, right = option(q1, right=False), option(q1, right=True)
    out = chat.click(wrong)
    assert len(saved(chat)) == 1
    feedback, following = texts_of(out)
    assert "Not quite." in feedback and following.startswith("Question 2 of 8")
    cards = chat.state.cards
    out = chat.click("Back")
    at = chat.state.at
    assert at is not None and at.node == questions_of(shipped_content.trees["signs"])[0]
    assert "Question 1 of 8" in last_text(out)
    assert f"● {wrong}" in labels(chat) and right in labels(chat) and "Next" in labels(chat)
    out = chat.click(right)
    assert tap_note(out) == FIRST_COUNTS
    assert saved(chat) == [] and chat.state.cards == cards
    feedback, following = texts_of(out)
    assert "Not quite." in feedback and following.startswith("Question 2 of 8")


def test_a_wrong_then_corrected_answer_scores_the_first(shipped_content: Content) -> None:
    """The issue's case: wrong, Back, right, on through the module: 7 of 8, not 8 of 8."""
    chat = CoreChat(shipped_content)
    open_module(chat, "signs")
    q1 = question(shipped_content, "signs", 1)
    chat.click(option(q1, right=False))
    chat.click("Back")
    chat.click(option(q1, right=True))
    out = answer_rest(chat, "signs", 2)
    assert "You got 7 of 8 right." in last_text(out)
    result = chat.state.result("signs")
    assert result is not None and (result.score, result.best) == (7, 7)


def test_going_back_to_the_start_does_not_restart_the_run(shipped_content: Content) -> None:
    """Back past the first question to the intro and Start again: the answers are kept and shown
    as answered, so they cannot be given again."""
    chat = CoreChat(shipped_content)
    open_module(chat, "signs")
    q1, q2 = question(shipped_content, "signs", 1), question(shipped_content, "signs", 2)
    chat.click(option(q1, right=False))
    chat.click(option(q2, right=False))
    chat.click("Back")  # question 2, answered
    chat.click("Back")  # question 1, answered
    assert f"● {option(q1, right=False)}" in labels(chat)
    chat.click("Back")  # the intro
    chat.click(labels(chat)[0])  # Start
    assert f"● {option(q1, right=False)}" in labels(chat)
    out = chat.click(option(q1, right=True))
    assert tap_note(out) == FIRST_COUNTS and saved(chat) == []
    assert f"● {option(q2, right=False)}" in labels(chat)
    out = chat.click(option(q2, right=True))
    assert tap_note(out) == FIRST_COUNTS and saved(chat) == []
    out = answer_rest(chat, "signs", 3)
    assert "You got 6 of 8 right." in last_text(out)


def test_the_knowledge_check_scores_first_answers(shipped_content: Content) -> None:
    """The check before the course keeps the first answer too."""
    chat = CoreChat(shipped_content)
    open_module(chat, "check")
    q1 = question(shipped_content, "check", 1)
    chat.click(option(q1, right=False))
    chat.click("Back")
    chat.click(option(q1, right=True))
    answer_rest(chat, "check", 2)
    before = chat.state.result("check", BEFORE)
    assert before is not None and (before.score, before.total) == (5, 6)


def test_try_again_starts_a_new_run(shipped_content: Content) -> None:
    """A deliberate retake from the result screen is scored afresh; the best run counts."""
    chat = CoreChat(shipped_content)
    open_module(chat, "signs")
    chat.click(option(question(shipped_content, "signs", 1), right=False))
    answer_rest(chat, "signs", 2)
    chat.click("Try again")
    chat.click(labels(chat)[0])
    chat.click(option(question(shipped_content, "signs", 1), right=True))
    assert len(saved(chat)) == 1
    out = answer_rest(chat, "signs", 2)
    assert "You got 8 of 8 right." in last_text(out)


def test_a_refresher_question_is_answered_once(shipped_content: Content) -> None:
    """A refresher answer shows its feedback with the refresher's screen; Back then leaves the
    refresher for the course, so the card is neither answered nor rescheduled again."""
    chat = CoreChat(shipped_content)
    open_module(chat, "signs")
    q1 = question(shipped_content, "signs", 1)
    chat.click(option(q1, right=False))
    chat.now = FIXED_NOW + dt.timedelta(days=1)
    chat.send("/start learn")
    chat.click("Refresh what you missed")
    chat.click("Start the refresher")
    out = chat.click(option(q1, right=True))
    assert len(saved(chat)) == 1 and chat.state.queue == ()
    feedback, following = texts_of(out)
    assert "Right." in feedback and following.startswith("Nothing is due right now.")
    cards = chat.state.cards
    out = chat.click("Back")
    assert chat.state.at == shipped_content.entry("learn")
    assert chat.state.cards == cards and option(q1, right=True) not in labels(chat)
