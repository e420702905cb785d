"""Walk the whole course as a learner and count the inputs it takes (issue 14, "fewer taps").

The learner types /learn once, then only taps: the knowledge check before, every module, the
knowledge check after, each question answered right, until the course offers the certificate.
Every tap and every typed line is one input.

Measured on the shipped content: BEFORE the change (feedback, then a "Next" tap) the course
took 140 inputs for 56 questions; AFTER (feedback and the next question in one step) it takes
84 inputs for the same 56 questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.bundle import Content, Position
from bot.content.models import CourseNode, MessageNode, QuizQuestionNode, QuizResultNode
from bot.core import texts
from bot.core.course import check_label, completed, first_answer, module_label, passed
from bot.testing.simulator import CoreChat

MAX_INPUTS = 1000
"""A walk that has not reached the certificate after this many inputs is stuck."""


@dataclass(frozen=True, slots=True)
class Walk:
    """What walking the course took: inputs (taps and typed lines) and questions answered."""

    inputs: int
    questions: int


def walk_course(content: Content) -> Walk:
    """Take the whole course on the engine, answering right, until the certificate is offered;
    return how many inputs and questions it took."""
    chat = CoreChat(content)
    chat.send("/learn")
    inputs, questions = 1, 0
    course_at = content.entry("learn")
    while inputs < MAX_INPUTS:
        state = chat.state
        say = chat.renderer.say
        pos = state.at or course_at
        node = content.node(pos.tree, pos.node)
        match node:
            case CourseNode() if completed(state, node):
                shown = [b.label for row in chat.keyboard.rows for b in row]
                assert say(texts.CERTIFICATE_GET) in shown, shown
                return Walk(inputs, questions)
            case CourseNode():
                label = next_in_course(content, chat, node)
            case MessageNode():
                label = node.button
            case QuizQuestionNode() if state.answered is not None or first_answer(state, pos):
                label = say(texts.NEXT)
            case QuizQuestionNode():
                label = next(o.label for o in node.options if o.correct)
                questions += 1
            case QuizResultNode():
                label = next(c.label for c in node.choices if goes_to(c.to, pos, course_at))
            case _:
                raise AssertionError(f"the walk strayed to {pos}")
        chat.click(label)
        inputs += 1
    raise AssertionError(f"no certificate after {inputs} inputs")


def next_in_course(content: Content, chat: CoreChat, course: CourseNode) -> str:
    """Return the course button to tap next: the knowledge check when due, else the first
    module not passed yet."""
    state = chat.state
    check = check_label(state, course)
    modules = [m for m in course.modules if not passed(state.result(m), course.pass_percent)]
    if check is not None and (check is texts.CHECK_START or not modules):
        return chat.renderer.say(check)
    return chat.renderer.say(module_label(content, state, modules[0], course.pass_percent))


def goes_to(ref: str, here: Position, target: Position) -> bool:
    """Say whether a content link from `here` leads to `target`."""
    return not ref.startswith("@") and Position.parse(ref, here.tree) == target
