"""Read YAML while remembering the line of every value, and refusing duplicate keys.

PyYAML is imported by the first parse, not with this module: a start whose content files are
all in the parsed cache (bot.content.parsed_cache) never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML file: its data, the line of each path, and duplicate keys found."""

    data: Any
    lines: Mapping[PathKey, int] = field(default_factory=dict)
    duplicates: tuple[tuple[str, int], ...] = ()

    def known_path(self, loc: PathKey) -> PathKey:
        """Return `loc` without the parts that are not in the file (a union's tag)."""
        path: PathKey = ()
        for part in loc:
            if (*path, part) in self.lines:
                path = (*path, part)
        return path

    def line(self, path: PathKey) -> int:
        """Return the line of the deepest known prefix of `path` (1-based)."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return 1


def _walk(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], dups: list[tuple[str, int]]
) -> None:
    """Record the line of every value below `node` (a mapping value's is its key's line)."""
    lines.setdefault(path, node.start_mark.line + 1)
    kind = getattr(node, "id", "")  # each node class names its kind: "mapping", "sequence"...
    if kind == "mapping":
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append((".".join(map(str, (*path, key))), key_node.start_mark.line + 1))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, dups)
    elif kind == "sequence":
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, dups)


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely (with libyaml's loader when PyYAML has it, about ten
    times faster); raise yaml.YAMLError on bad syntax."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(None)
        data = loader.construct_document(root)
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    dups: list[tuple[str, int]] = []
    _walk(root, (), lines, dups)
    return YamlDocument(data, lines, tuple(dups))
