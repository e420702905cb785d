"""The registry of built-in screens, gathered from the modules of this package."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

import bot.core.builtins as package
from bot.core.builtins.base import Builtin, ChatCommand
from bot.core.codec import Op
from bot.core.navigation import NAVIGATION_OPS
from bot.core.state import Position

NOT_SCREENS = frozenset({"base", "registry"})
"""Modules of this package that declare no screen."""


class Registry:
    """Built-in screens by position and by the ops they own; raises on a clash when built."""

    def __init__(self, screens: Iterable[Builtin]) -> None:
        """Index the screens; raise ValueError when two share a position, an op or a command."""
        self.screens = tuple(screens)
        self._at: dict[Position, Builtin] = {}
        self._owners: dict[Op, Builtin] = {}
        names: set[str] = set()
        for screen in self.screens:
            if screen.position in self._at:
                raise ValueError(f"two built-in screens at {screen.position}")
            self._at[screen.position] = screen
            for op in screen.ops:
                if op in self._owners or op in NAVIGATION_OPS:
                    raise ValueError(f"op {op.name} has two owners")
                self._owners[op] = screen
            for command in screen.commands:
                if command.name in names:
                    raise ValueError(f"command /{command.name} is declared twice")
                names.add(command.name)

    def __contains__(self, pos: object) -> bool:
        """Say whether a position is a built-in screen."""
        return pos in self._at

    def get(self, pos: Position | None) -> Builtin | None:
        """Return the built-in screen at a position, if it is one."""
        return self._at.get(pos) if pos is not None else None

    def owner(self, op: Op) -> Builtin | None:
        """Return the built-in screen that owns an op (None: content navigation owns it)."""
        return self._owners.get(op)

    def commands(self) -> tuple[ChatCommand, ...]:
        """Return the commands the built-in screens declare."""
        return tuple(c for screen in self.screens for c in screen.commands)


def discovered() -> tuple[Builtin, ...]:
    """Import each screen module of this package and return its `BUILTIN`, by module name."""
    found = []
    names = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
    for name in names:
        if name in NOT_SCREENS:
            continue
        module = importlib.import_module(f"{package.__name__}.{name}")
        screen = getattr(module, "BUILTIN", None)
        if not isinstance(screen, Builtin):
            raise TypeError(f"{module.__name__} declares no BUILTIN")
        found.append(screen)
    return tuple(found)


REGISTRY = Registry(discovered())
