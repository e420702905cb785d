"""Every screen of the shipped content fits one Telegram message, in every place it serves."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.core.screens import screen_for
from bot.core.state import ConversationState, Position
from bot.service.render import Renderer
from bot.testing.simulator import _Source

TELEGRAM_TEXT_LIMIT = 4096


@pytest.mark.parametrize("place", ["US-AZ", "US"])
def test_every_screen_fits_a_message(content: Content, place: str) -> None:
    """Rendered in English for each place, no screen is longer than Telegram allows."""
    renderer = Renderer(_Source(), "en")
    sizes = {}
    for tree in content.trees.values():
        for node_id, node in tree.nodes.items():
            state = ConversationState(revision=1, at=Position(tree.id, node_id), place=place)
            states = [state]
            if isinstance(node, QuizQuestionNode):
                states += [replace(state, answered=i) for i in range(len(node.options))]
            for each in states:
                reply = renderer.screen(screen_for(content, each))
                sizes[f"{tree.id}:{node_id}:{each.answered}"] = len(reply.text)
    too_long = {k: v for k, v in sizes.items() if v > TELEGRAM_TEXT_LIMIT}
    assert too_long == {}
    assert max(sizes.values()) > 1000  # the check saw the long resource screens
