"""Every screen the shipped content can show, for checks that must see all of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import QuizQuestionNode, ResourcesNode
from bot.core.effects import Screen
from bot.core.screens import resources_for, screen_for
from bot.core.state import ConversationState, Position


def every_screen(content: Content, places: Iterable[str | None]) -> Iterator[tuple[str, Screen]]:
    """Yield (label, screen) for each node in each place (None: not chosen yet), each answer
    of each question, and each channel of a resources screen opened in full."""
    for place in places:
        for tree in content.trees.values():
            for node_id, node in tree.nodes.items():
                state = ConversationState(revision=1, at=Position(tree.id, node_id), place=place)
                states = [state]
                if isinstance(node, QuizQuestionNode):
                    states += [replace(state, answered=i) for i in range(len(node.options))]
                if isinstance(node, ResourcesNode):
                    found = resources_for(content, state, node)
                    states += [replace(state, opened=i) for i in range(len(found))]
                for each in states:
                    label = f"{place}:{tree.id}:{node_id}:{each.answered}:{each.opened}"
                    yield label, screen_for(content, each)


def every_place(content: Content) -> list[str]:
    """Return every place the directory covers: each country and each region with its own."""
    return [code for c in content.places for code in (c.code, *(r.code for r in c.regions))]
