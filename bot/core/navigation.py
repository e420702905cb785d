"""Moving through the conversation: arrive somewhere, go back or home, follow a link, show."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.content.bundle import Content
from bot.content.models import EndNode, QuizQuestionNode, QuizResultNode, ResourcesNode
from bot.core.codec import Op
from bot.core.course import completed, record_result
from bot.core.effects import ClearChat, CountResourceViews, CourseCompleted, Effect, Notice, Show
from bot.core.membership import course_of
from bot.core.screens import resources_for, screen_for, summary
from bot.core.state import ConversationState, Position

if TYPE_CHECKING:
    from bot.core.builtins.registry import Registry

BUILTIN_TREE = "_"
"""The tree of the screens Beacon draws itself (see bot/core/builtins)."""
NAVIGATION_OPS = frozenset({Op.CHOOSE, Op.ANSWER, Op.NEXT, Op.BACK, Op.HOME, Op.EXIT, Op.CHANNEL})
"""The ops of content navigation; every other op belongs to one built-in screen."""


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one event: the new state and what to do."""

    state: ConversationState
    effects: tuple[Effect, ...]


def builtins() -> Registry:
    """Return the registry of built-in screens (imported here late: their modules use this one)."""
    from bot.core.builtins.registry import REGISTRY

    return REGISTRY


def current(content: Content, state: ConversationState) -> Position:
    """Return the state's position if it still exists in the content, else home."""
    pos = state.at
    if pos is None:
        return content.entry("home")
    if pos in builtins():
        return pos
    if content.node(pos.tree, pos.node) is None:
        return content.entry("home")
    return pos


def arrive(
    content: Content,
    state: ConversationState,
    to: Position,
    *,
    remember: bool = True,
    restart: bool = True,
) -> Step:
    """Move to a position, bump the revision and show it (counting resources shown). Arriving
    at a quiz's start begins a new run (its answers cleared) unless `restart` is False."""
    moved = state.moved(to, remember=remember)
    screen = builtins().get(to)
    if not (screen is not None and screen.keeps_queue) and to not in state.queue[:1]:
        moved = replace(moved, queue=())
    tree = content.trees.get(to.tree)
    if restart and tree is not None and tree.quiz is not None and to.node == tree.start:
        moved = replace(moved, answers=tuple(a for a in moved.answers if a.tree != to.tree))
    if tree is not None and isinstance(tree.nodes.get(to.node), QuizResultNode):
        moved = record_result(content, moved, to.tree)
    new = moved.bumped()
    return Step(new, (*newly_completed(content, state, new), *show(content, new)))


def newly_completed(
    content: Content, before: ConversationState, after: ConversationState
) -> tuple[Effect, ...]:
    """Return a CourseCompleted for each course of the user's organizations that `after`
    completes and `before` did not."""
    out: list[Effect] = []
    for course in dict.fromkeys(o.course for o in after.orgs):
        found = course_of(content, course)
        if found and completed(after, found[1]) and not completed(before, found[1]):
            out.append(CourseCompleted(course))
    return tuple(out)


def show(content: Content, state: ConversationState) -> tuple[Effect, ...]:
    """Return the effects that show the state's screen."""
    effects: list[Effect] = [Show(screen_for(content, state))]
    if state.at is not None and state.at not in builtins():
        node = content.trees[state.at.tree].nodes[state.at.node]
        if isinstance(node, ResourcesNode) and state.opened is None:
            found = resources_for(content, state, node)
            if found:
                effects.append(CountResourceViews(tuple(r.id for r in found)))
        if isinstance(node, EndNode) and node.summary:
            line = summary(content, state)
            if line is not None:
                effects.append(Notice(line))
    return tuple(effects)


def go_home(content: Content, state: ConversationState) -> Step:
    """Return to the main menu with an empty history."""
    return arrive(content, replace(state, history=()), content.entry("home"), remember=False)


def go_back(content: Content, state: ConversationState) -> Step:
    """Return to the previous position that still exists, or home; from a question's feedback,
    to the question itself, shown as answered; from a channel opened in full, to the list of
    channels. Going back never restarts a quiz's run."""
    if state.opened is not None:
        listed = replace(state, opened=None).bumped()
        return Step(listed, (Show(screen_for(content, listed)),))
    at = state.at
    on_question = at is not None and isinstance(content.node(at.tree, at.node), QuizQuestionNode)
    if on_question and state.answered is not None and not state.reviewing:
        reviewing = replace(state, reviewing=True).bumped()
        return Step(reviewing, show(content, reviewing))
    history = list(state.history)
    while history:
        pos = history.pop()
        if pos in builtins() or content.node(pos.tree, pos.node) is not None:
            earlier = replace(state, history=tuple(history))
            return arrive(content, earlier, pos, remember=False, restart=False)
    return go_home(content, state)


def open_channel(content: Content, state: ConversationState, index: int) -> Step | None:
    """Show one channel of the resources screen in full; None when there is no such channel."""
    node = content.node(state.at.tree, state.at.node) if state.at else None
    if not isinstance(node, ResourcesNode) or state.opened is not None:
        return None
    if not 0 <= index < len(resources_for(content, state, node)):
        return None
    opened = replace(state, opened=index).bumped()
    return Step(opened, (Show(screen_for(content, opened)),))


def follow(content: Content, state: ConversationState, here: Position, ref: str) -> Step:
    """Follow a content link: a node, `tree:node`, `@exit`, or a built-in screen `@name`."""
    if ref == "@exit":
        return exit_chat(state)
    if ref.startswith("@"):
        return arrive(content, state, Position(BUILTIN_TREE, ref[1:]))
    return arrive(content, state, Position.parse(ref, here.tree))


def exit_chat(state: ConversationState) -> Step:
    """Clear the session and the chat; send nothing more."""
    return Step(ConversationState(revision=state.revision + 1), (ClearChat(),))


def redisplay(content: Content, state: ConversationState, *before: Effect) -> Step:
    """Show the current screen again without changing the state (or going home if it is gone)."""
    pos = current(content, state)
    if pos != state.at:
        step = arrive(content, state, pos, remember=False)
        return Step(step.state, (*before, *step.effects))
    return Step(state, (*before, *show(content, state)))


def repeat(content: Content, state: ConversationState, *before: Effect) -> Step:
    """Show the current screen again after stray input (a slip, a sticker): a channel that
    splits a long screen sends only its last piece, with the buttons. If the screen is gone,
    go home and show all of it."""
    step = redisplay(content, state, *before)
    if step.state is not state:
        return step
    again = (
        Show(replace(e.screen, repeat=True)) if isinstance(e, Show) else e for e in step.effects
    )
    return Step(step.state, tuple(again))


def opener(target: Position | str) -> OpenScreen:
    """Return a command action that opens a screen: a position, or the name of an entry point
    the content declares (such as "help")."""
    return OpenScreen(target)


@dataclass(frozen=True, slots=True)
class OpenScreen:
    """A command action that opens a position, or the content's entry point of that name."""

    target: Position | str

    def __call__(self, content: Content, state: ConversationState) -> Step:
        """Open the position or the entry point."""
        where = content.entry(self.target) if isinstance(self.target, str) else self.target
        return arrive(content, state, where)
