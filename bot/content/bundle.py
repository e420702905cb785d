"""The loaded content a running Beacon uses: trees, resources, topics and languages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.content.models import Country, Node, Resource, Topic, Tree

DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A `/start` payload Telegram accepts; a tree id must be one, so it can be a deep link."""


@dataclass(frozen=True, slots=True)
class Position:
    """A node in a tree."""

    tree: str
    node: str

    def __str__(self) -> str:
        """Return `tree:node`."""
        return f"{self.tree}:{self.node}"

    @classmethod
    def parse(cls, ref: str, here: str) -> Position:
        """Read `node` (in tree `here`) or `tree:node`."""
        tree, _, node = ref.rpartition(":")
        return cls(tree or here, node)


REQUIRED_ENTRY_POINTS = ("home", "help")
DEFAULT_ENTRY_POINTS = {
    "home": Position("main", "home"),
    "help": Position("main", "help"),
    "learn": Position("learn", "menu"),
}
"""The entry points of content built in code (tests); loaded content declares its own."""


@dataclass(frozen=True, slots=True)
class Language:
    """A language Beacon can speak: its code, its name in its own script, and review status."""

    code: str
    name: str
    reviewed: bool = True


@dataclass(frozen=True)
class Content:
    """Validated content; look-ups never raise."""

    trees: Mapping[str, Tree]
    resources: tuple[Resource, ...] = ()
    topics: Mapping[str, Topic] = field(default_factory=dict)
    languages: tuple[Language, ...] = (Language("en", "English"),)
    default_place: str = "US-AZ"
    places: tuple[Country, ...] = ()
    """The countries the directory covers, in menu order, with their regions."""
    entry_points: Mapping[str, Position] = field(default_factory=lambda: DEFAULT_ENTRY_POINTS)
    """Where Beacon opens, by name (`home`, `help`, `learn`), as the content declares them."""
    sends_reminders: bool = True
    """Whether this deployment can deliver a reminder (the local chat never can)."""

    def node(self, tree: str, node: str) -> Node | None:
        """Return the node, or None when the tree or node does not exist."""
        found = self.trees.get(tree)
        return found.nodes.get(node) if found else None

    def entry(self, name: str) -> Position:
        """Return the entry point of that name; home when the content declares none."""
        found = self.entry_points.get(name) or self.entry_points.get("home")
        if found is None:
            first = next(iter(self.trees.values()))
            return Position(first.id, first.start)
        return found

    def country(self, code: str) -> Country | None:
        """Return the country of a place code (`US` for `US-AZ`), if the directory covers it."""
        wanted = code.partition("-")[0]
        return next((c for c in self.places if c.code == wanted), None)

    def language(self, code: str) -> Language | None:
        """Return the language with this code, if Beacon ships it."""
        return next((lang for lang in self.languages if lang.code == code), None)
