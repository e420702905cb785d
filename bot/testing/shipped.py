"""Where the content Beacon ships lives, for tests that load or copy it."""

from __future__ import annotations

from bot.settings import PROJECT_ROOT

DIALOGUES = PROJECT_ROOT / "dialogues"
"""The shipped content's directory."""
