"""Babel extraction for `dialogues/**/*.yaml`: every text a user sees, with context tree:node:field.

Registered as the `beacon_yaml` extraction method (see babel.cfg), so `pybabel extract` puts
content strings in the same catalog as interface strings. Each message carries its file:line and
the YAML comment lines just above its key as translator comments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from bot.content.models import (
    CourseNode,
    MenuNode,
    MessageNode,
    PlacedText,
    QuizQuestionNode,
    QuizResultNode,
    ResourceFile,
    ResourcesNode,
    Tree,
)
from bot.content.yaml_source import PathKey, YamlDocument, parse_yaml
from bot.core.course import QUIZ_TITLE

SCHEMA_HINT = "yaml-language-server:"


@dataclass(frozen=True, slots=True)
class Extracted:
    """One translatable text: where it is, its context, the text and notes for translators."""

    line: int
    context: str
    text: str
    comments: tuple[str, ...] = ()


def comments_above(lines: list[str], line: int) -> tuple[str, ...]:
    """Return the comment lines directly above a (1-based) line, without their `#`."""
    found: list[str] = []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        text = lines[index].strip().lstrip("#").strip()
        if not text.startswith(SCHEMA_HINT):
            found.append(text)
        index -= 1
    return tuple(reversed(found))


def tree_fields(tree: Tree) -> Iterator[tuple[str, str, str, PathKey]]:
    """Yield (node id, field, text, YAML path) for every text of a tree that users see; a
    quiz's title comes as node `quiz`, field `title`."""
    if tree.quiz is not None:
        yield QUIZ_TITLE[0], QUIZ_TITLE[1], tree.quiz.title, ("quiz", "title")
    for node_id, node in tree.nodes.items():
        base: PathKey = ("nodes", node_id)
        yield node_id, "text", node.text, (*base, "text")
        for code, text in (node.text_in if isinstance(node, PlacedText) else {}).items():
            yield node_id, f"text_in.{code}", text, (*base, "text_in", code)
        if isinstance(node, CourseNode):
            yield node_id, "title", node.title, (*base, "title")
        if isinstance(node, MessageNode | ResourcesNode) and node.next:
            yield node_id, "button", node.button, (*base, "button")
        if isinstance(node, MenuNode | QuizResultNode | ResourcesNode):
            for i, choice in enumerate(node.choices):
                yield node_id, f"choices.{i}.label", choice.label, (*base, "choices", i, "label")
        if isinstance(node, QuizQuestionNode):
            for i, option in enumerate(node.options):
                path = (*base, "options", i)
                yield node_id, f"options.{i}.label", option.label, (*path, "label")
                yield node_id, f"options.{i}.feedback", option.feedback, (*path, "feedback")


def resource_fields(directory: ResourceFile) -> Iterator[tuple[str, str, str, PathKey]]:
    """Yield (resource id, field, text, YAML path) for every resource text users see."""
    for index, resource in enumerate(directory.resources):
        base: PathKey = ("resources", index)
        for field in ("name", "why", "operator", "sharing", "hours", "languages"):
            yield resource.id, field, getattr(resource, field), (*base, field)
        for i, channel in enumerate(resource.channels):
            for field in ("note", "languages"):
                text = getattr(channel, field)
                if text:
                    path = (*base, "channels", i, field)
                    yield resource.id, f"channels.{i}.{field}", text, path


def place_fields(directory: ResourceFile) -> Iterator[tuple[str, str, PathKey]]:
    """Yield (place code, name, YAML path) for every country and region a file names."""
    for index, country in enumerate(directory.places):
        yield country.code, country.name, ("places", index, "name")
        for i, region in enumerate(country.regions):
            yield region.code, region.name, ("places", index, "regions", i, "name")


def extract_text(source: str) -> list[Extracted]:
    """Return the translatable texts of one content file's source."""
    document: YamlDocument = parse_yaml(source)
    data: Any = document.data
    if not isinstance(data, Mapping):
        return []
    lines = source.splitlines()
    found = []
    if "nodes" in data:
        tree = Tree.model_validate(data)
        for node_id, field, text, path in tree_fields(tree):
            line = document.line(path)
            context = f"{tree.id}:{node_id}:{field}"
            found.append(Extracted(line, context, text, comments_above(lines, line)))
    elif "resources" in data or "places" in data:
        directory = ResourceFile.model_validate(data)
        for code, text, path in place_fields(directory):
            line = document.line(path)
            found.append(Extracted(line, f"place:{code}", text, comments_above(lines, line)))
        for resource_id, field, text, path in resource_fields(directory):
            line = document.line(path)
            context = f"resource:{resource_id}:{field}"
            found.append(Extracted(line, context, text, comments_above(lines, line)))
    return found


def extract_yaml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Any,
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extraction method: yield (line, "pgettext", (context, text), comments)."""
    del keywords, comment_tags, options
    for message in extract_text(fileobj.read().decode("utf-8")):
        yield message.line, "pgettext", (message.context, message.text), list(message.comments)
