"""Every screen the shipped content can show, for checks that must see all of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode
from bot.core.effects import Screen
from bot.core.screens import screen_for
from bot.core.state import ConversationState, Position


def every_screen(content: Content, places: Iterable[str | None]) -> Iterator[tuple[str, Screen]]:
    """Yield (label, screen) for each node in each place (None: not chosen yet), and each
    answer of each question."""
    for place in places:
        for tree in content.trees.values():
            for node_id, node in tree.nodes.items():
                state = ConversationState(revision=1, at=Position(tree.id, node_id), place=place)
                states = [state]
                if isinstance(node, QuizQuestionNode):
                    states += [replace(state, answered=i) for i in range(len(node.options))]
                for each in states:
                    label = f"{place}:{tree.id}:{node_id}:{each.answered}"
                    yield label, screen_for(content, each)
