"""Every `/command`: declared once (here, or by the built-in screen it opens), in menu order."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.base import ChatCommand
from bot.core.builtins.registry import REGISTRY
from bot.core.effects import AdminReport, Msg
from bot.core.events import Start, Verify
from bot.core.navigation import Step, exit_chat, go_home, opener
from bot.core.state import ConversationState

VERIFY_CODE_LIMIT = 64
GROUP_ONLY = ("quiz", "stopquiz")
"""The commands of a group quiz, read only in a group (see bot/core/group_quiz.py)."""


def admin_report(content: Content, state: ConversationState) -> Step:
    """Ask the service for the operator's report (it checks who is asking)."""
    return Step(state, (AdminReport(),))


GENERAL = (
    ChatCommand("start", 10, texts.COMMAND_START, read=lambda arg: Start(arg or None)),
    ChatCommand("menu", 20, texts.COMMAND_MENU, go_home),
    ChatCommand("help", 30, texts.COMMAND_HELP, opener("help")),
    ChatCommand("exit", 50, texts.COMMAND_EXIT, lambda content, state: exit_chat(state)),
    ChatCommand("learn", 70, texts.COMMAND_LEARN, opener("learn")),
    ChatCommand(
        "verify", 90, texts.COMMAND_VERIFY, read=lambda arg: Verify(arg[:VERIFY_CODE_LIMIT])
    ),
    ChatCommand("admin", 110, run=admin_report),
)
"""The commands that open no built-in screen of their own."""


def gathered(*groups: tuple[ChatCommand, ...]) -> dict[str, ChatCommand]:
    """Return the commands by name in menu order; raise ValueError on a name or rank used twice."""
    found = sorted((c for group in groups for c in group), key=lambda c: c.rank)
    names = [c.name for c in found]
    ranks = [c.rank for c in found]
    if len(set(names)) != len(names) or len(set(ranks)) != len(ranks):
        raise ValueError(f"a command name or rank is used twice: {names}")
    return {c.name: c for c in found}


COMMANDS: Mapping[str, ChatCommand] = gathered(GENERAL, REGISTRY.commands())
"""Every command Beacon reads, by name, in menu order."""
MENU: tuple[tuple[str, Msg], ...] = tuple(
    (c.name, c.menu) for c in COMMANDS.values() if c.menu is not None
)
"""The commands listed in the chat's menu, in order, with their descriptions."""
