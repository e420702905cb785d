"""Right answers don't give themselves away by length: in each form of the knowledge check, a
right label is never more than 1.3 times the longest wrong label of its question, and the right
label is the longest in at most 40% of the questions."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.content.models import CourseNode, QuizQuestionNode, Tree

MAX_RATIO = 1.3
MAX_LONGEST_SHARE = 0.4


def questions(tree: Tree) -> list[tuple[str, QuizQuestionNode]]:
    """Return a tree's quiz questions with their ids."""
    return [(i, n) for i, n in tree.nodes.items() if isinstance(n, QuizQuestionNode)]


def length_problems(tree: Tree) -> list[str]:
    """Return how a tree's right answers stand out by length (empty when they don't)."""
    problems = []
    longest = 0
    asked = questions(tree)
    for node_id, node in asked:
        right = max(len(o.label) for o in node.options if o.correct)
        wrong = max(len(o.label) for o in node.options if not o.correct)
        if right > MAX_RATIO * wrong:
            problems.append(f"{tree.id}:{node_id}: right label {right} > 1.3 x {wrong}")
        longest += right > wrong
    if longest > MAX_LONGEST_SHARE * len(asked):
        problems.append(f"{tree.id}: the right label is longest in {longest} of {len(asked)}")
    return problems


def test_the_knowledge_check_forms_hide_the_answer_in_plain_length(content: Content) -> None:
    """Both forms of every course's knowledge check keep the length rule."""
    forms = [
        form
        for tree in content.trees.values()
        for node in tree.nodes.values()
        if isinstance(node, CourseNode)
        for form in (node.knowledge_check, node.knowledge_check_after)
        if form
    ]
    assert len(forms) == 2
    assert [p for form in forms for p in length_problems(content.trees[form])] == []


def test_the_rule_catches_a_long_right_answer(content: Content) -> None:
    """A right label made much longer than the others is reported."""
    tree = content.trees["check"]
    node_id, node = questions(tree)[0]
    right = next(i for i, o in enumerate(node.options) if o.correct)
    longer = node.options[right].model_copy(update={"label": "x" * 99})
    options = [longer if i == right else o for i, o in enumerate(node.options)]
    changed = tree.model_copy(
        update={"nodes": {**tree.nodes, node_id: node.model_copy(update={"options": options})}}
    )
    assert any("> 1.3 x" in p for p in length_problems(changed))
