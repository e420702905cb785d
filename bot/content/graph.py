"""Draw a dialogue tree as a Mermaid flowchart."""

from __future__ import annotations

from bot.content.bundle import Content, Position
from bot.content.lint import links
from bot.content.models import CourseNode, MenuNode, PlaceNode, QuizResultNode, ResourcesNode, Tree


def _id(pos: Position) -> str:
    """Return a Mermaid-safe node id."""
    return f"{pos.tree}__{pos.node}"


def _quote(text: str, limit: int = 48) -> str:
    """Return text shortened and made safe for a Mermaid label."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace('"', "'")


def mermaid(content: Content, tree: Tree) -> str:
    """Return the tree as `flowchart TD`, with links into other trees drawn as their nodes."""
    lines = ["flowchart TD"]
    outside: set[Position] = set()
    for node_id, node in tree.nodes.items():
        here = Position(tree.id, node_id)
        shape = ("([", "])") if node.type in ("end", "quiz_result") else ("[", "]")
        label = _quote(f"{node_id} ({node.type}): {node.text}")
        lines.append(f'    {_id(here)}{shape[0]}"{label}"{shape[1]}')
        labels = (
            [c.label for c in node.choices] if isinstance(node, MenuNode | QuizResultNode) else []
        )
        if isinstance(node, PlaceNode):
            labels = ["a country, then a region (or a location)", "another country"]
        if isinstance(node, ResourcesNode) and node.choices:
            labels = [*([node.button] if node.next else []), *(c.label for c in node.choices)]
        for index, (_, ref) in enumerate(links(node)):
            edge = f'|"{_quote(labels[index], 40)}"|' if index < len(labels) else ""
            if ref.startswith("@"):
                target = ref[1:]
                lines.append(f"    {_id(here)} -->{edge} {target}(({target}))")
                continue
            pos = Position.parse(ref, tree.id)
            if pos.tree != tree.id:
                outside.add(pos)
            lines.append(f"    {_id(here)} -->{edge} {_id(pos)}")
        if isinstance(node, CourseNode):
            checks = (node.knowledge_check, node.knowledge_check_after)
            named = [*node.modules, *(check for check in checks if check)]
            for module in (content.trees[m] for m in named if m in content.trees):
                start = Position(module.id, module.start)
                outside.add(start)
                lines.append(f'    {_id(here)} -->|"{_quote(module.title, 40)}"| {_id(start)}')
    for pos in sorted(outside, key=str):
        exists = content.node(pos.tree, pos.node) is not None
        lines.append(f'    {_id(pos)}[/"{pos}{"" if exists else " (missing)"}"/]')
    lines.append(f"    style {_id(Position(tree.id, tree.start))} stroke-width:3px")
    return "\n".join(lines) + "\n"
