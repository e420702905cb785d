"""A live quiz for a group: a module's questions as quiz polls, scored into a leaderboard."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.content.polls import PollText, question_poll
from bot.core import texts
from bot.core.course import courses, option_order, questions_of, quiz_title
from bot.core.effects import Msg, joined
from bot.core.screens import field_msg
from bot.core.state import Position

LEADERBOARD_SIZE = 10


@dataclass(frozen=True, slots=True)
class QuizPoll:
    """One question as a poll: its texts (to translate), the right option and why."""

    question: Msg
    options: tuple[Msg, ...]
    correct: int
    explanation: Msg


def group_modules(content: Content) -> list[str]:
    """Return the quiz modules a group can play (every course's modules, in order)."""
    return [module for course in courses(content) for module in course.modules]


def poll_msg(at: Position, text: PollText) -> Msg:
    """Return one text of a question's poll, to translate in its node's context."""
    return field_msg(at, text.field, text.text)


def quiz_polls(content: Content, tree_id: str, seed: str = "") -> list[QuizPoll]:
    """Return a module's questions as polls, each one's options in the order `seed` gives
    (one seed per quiz: the whole room sees one order); the explanation is the right answer's
    feedback and `correct` its position in that order."""
    tree = content.trees[tree_id]
    polls = []
    for node_id in questions_of(tree):
        node = tree.nodes[node_id]
        assert isinstance(node, QuizQuestionNode)
        at = Position(tree_id, node_id)
        poll = question_poll(node)
        question, why = poll_msg(at, poll.question), poll_msg(at, poll.explanation)
        order = option_order(seed, at, len(poll.options))
        options = tuple(poll_msg(at, poll.options[i]) for i in order)
        polls.append(QuizPoll(question, options, order.index(poll.correct), why))
    return polls


@dataclass
class GroupGame:
    """A quiz under way in one group: which poll is which question, and each player's score."""

    module: str
    polls: list[QuizPoll]
    poll_ids: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    right: dict[int, int] = field(default_factory=dict)
    answered: set[tuple[str, int]] = field(default_factory=set)

    def answer(self, poll_id: str, user_id: int, name: str, options: list[int]) -> bool:
        """Count a player's first vote in one of this game's polls; False when not ours."""
        index = self.poll_ids.get(poll_id)
        if index is None or (poll_id, user_id) in self.answered or not options:
            return index is not None
        self.answered.add((poll_id, user_id))
        self.names[user_id] = name
        self.right.setdefault(user_id, 0)
        if options[0] == self.polls[index].correct:
            self.right[user_id] += 1
        return True

    def leaderboard(self, content: Content) -> Msg:
        """Return the results: players ranked by right answers (ties share a place)."""
        title = quiz_title(content.trees[self.module])
        if not self.right:
            return texts.LEADERBOARD_EMPTY.fill(title=title)
        ranked = sorted(self.right.items(), key=lambda item: (-item[1], self.names[item[0]]))
        lines = [texts.LEADERBOARD.fill(title=title, total=len(self.polls))]
        place, previous = 0, None
        for position, (user_id, score) in enumerate(ranked[:LEADERBOARD_SIZE], 1):
            place = place if score == previous else position
            previous = score
            line = texts.LEADERBOARD_LINE.fill(place=place, name=self.names[user_id], score=score)
            lines.append(line)
        return joined(lines)
