"""Fewer taps per question: the whole course, walked as a learner, counted in inputs."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.testing.walk import walk_course

BEFORE_INPUTS = 140
"""Inputs the course took when each answer's feedback waited for a Next tap (56 questions)."""


def test_the_whole_course_takes_few_inputs(content: Content) -> None:
    """Knowledge check, seven modules, final check, certificate offer: one tap per question."""
    walk = walk_course(content)
    assert walk.questions == 60
    assert walk.inputs == 88 < BEFORE_INPUTS
