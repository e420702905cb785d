"""What a quiz question sends as a quiz poll, and the limits each text must fit in every language
(Telegram's sendPoll: question 1-300 characters, options 1-100, explanation 0-200 with at most
two line feeds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.content.models import QuizQuestionNode

QUESTION_LIMIT = 300
OPTION_LIMIT = 100
EXPLANATION_LIMIT = 200
EXPLANATION_LINE_FEEDS = 2


@dataclass(frozen=True, slots=True)
class PollText:
    """One text of a quiz poll: where it is in its node, its source text and its limits."""

    path: tuple[str | int, ...]
    text: str
    role: str
    limit: int
    line_feeds: int | None = None

    @property
    def field(self) -> str:
        """Return the field name of the text's translation context (`options.1.feedback`)."""
        return ".".join(str(part) for part in self.path)

    def problem(self, sent: str) -> str | None:
        """Say how `sent` (this text as sent, in some language) breaks a limit, or None."""
        if not sent.strip():
            return f"poll {self.role} is empty" if self.role != "explanation" else None
        if len(sent) > self.limit:
            return f"poll {self.role} is {len(sent)} characters; Telegram allows {self.limit}"
        feeds = sent.count("\n")
        if self.line_feeds is not None and feeds > self.line_feeds:
            return f"poll {self.role} has {feeds} line feeds; Telegram allows {self.line_feeds}"
        return None


@dataclass(frozen=True, slots=True)
class QuestionPoll:
    """A question's texts as a quiz poll: the question, each option, the right one and why
    (the right option's feedback)."""

    question: PollText
    options: tuple[PollText, ...]
    correct: int
    explanation: PollText

    def texts(self) -> Iterator[PollText]:
        """Yield every text the poll sends."""
        yield self.question
        yield from self.options
        yield self.explanation


def question_poll(node: QuizQuestionNode) -> QuestionPoll:
    """Return the poll a question is sent as (its first correct option is the right one)."""
    right = next((i for i, option in enumerate(node.options) if option.correct), 0)
    options = tuple(
        PollText(("options", i, "label"), option.label, "option", OPTION_LIMIT)
        for i, option in enumerate(node.options)
    )
    explanation = PollText(
        ("options", right, "feedback"),
        node.options[right].feedback,
        "explanation",
        EXPLANATION_LIMIT,
        EXPLANATION_LINE_FEEDS,
    )
    question = PollText(("text",), node.text, "question", QUESTION_LIMIT)
    return QuestionPoll(question, options, right, explanation)
