"""Make right-to-left text display correctly in chat apps that lay out each line on its own."""

from __future__ import annotations

import re

RLM = "\u200f"
"""RIGHT-TO-LEFT MARK: starts a line so that it is laid out right to left."""
LRM = "\u200e"
"""LEFT-TO-RIGHT MARK: keeps a phone number, URL or command in one left-to-right piece."""
LATIN = "A-Za-z0-9\u00c0-\u024f\u1e00-\u1eff"
"""Digits and Latin letters, with the accented ones of Spanish, Vietnamese or Tagalog."""
LEFT_TO_RIGHT_RUN = re.compile(rf"[/+]?[{LATIN}](?:[{LATIN}\-./:@_+#?=&%]*[{LATIN}/])?")
"""A run of Latin letters and digits, with the joiners a phone number or URL holds."""


def right_to_left(text: str) -> str:
    """Return text for a right-to-left language: every line starts with RLM, and each Latin
    run (1-800-THE-LOST, https://..., /exit) is held together between LRMs."""
    held = LEFT_TO_RIGHT_RUN.sub(lambda run: f"{LRM}{run.group(0)}{LRM}", text)
    return "\n".join(f"{RLM}{line}" if line else line for line in held.split("\n"))
