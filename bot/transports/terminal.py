"""The local chat: Beacon in a terminal, with numbered choices and typed commands."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TextIO

from bot.core.events import Event, Resume, Tap
from bot.core.inputs import parse_text
from bot.service.conversation import ConversationService
from bot.service.messages import (
    Document,
    EraseChat,
    Inbound,
    Outbound,
    OutButton,
    Photo,
    Reply,
    TapAnswer,
)

PLATFORM = "terminal"
QUIT = frozenset({"/quit", "/q"})
HINT = "Type a number to choose, a command such as /menu or /help, or /quit to leave."


class Style:
    """ANSI colours, or none when the terminal has no colours (or NO_COLOR is set)."""

    def __init__(self, enabled: bool) -> None:
        """Use colours only when enabled."""
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        """Return text in a colour."""
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def number(self, text: str) -> str:
        """Return a choice number in bold cyan."""
        return self._wrap("1;36", text)

    def note(self, text: str) -> str:
        """Return a side note, dimmed."""
        return self._wrap("2", text)


def terminal_language() -> str | None:
    """Return the language of the terminal's locale (LANG=es_US.UTF-8 -> es_US), if any."""
    code = os.environ.get("LANG", "").split(".")[0]
    return None if code in ("", "C", "POSIX") else code


def wants_colour(stream: TextIO) -> bool:
    """Say whether to colour output: a TTY, and NO_COLOR not set."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def contact_line(button: OutButton) -> str:
    """Return a link or copy button as plain text: a terminal can neither open nor copy."""
    if button.data in button.label:
        return f"• {button.label}"
    return f"• {button.label}: {button.data}"


class TerminalChat:
    """Shows Beacon's replies and turns typed lines into events for the service."""

    def __init__(
        self,
        service: ConversationService,
        stdin: TextIO,
        stdout: TextIO,
        user: str = "local",
        colour: bool | None = None,
        language: str | None = None,
        files: Path | None = None,
    ) -> None:
        """Chat as `user` over the given streams; `language` plays the platform's language;
        files Beacon sends (certificates) are saved in `files`."""
        self.service = service
        self.files = files or Path("certificates")
        self.language = language
        self.stdin = stdin
        self.stdout = stdout
        self.user = user
        self.style = Style(wants_colour(stdout) if colour is None else colour)
        self.buttons: list[OutButton] = []

    def write(self, text: str = "") -> None:
        """Print a line and flush, so a piped reader sees it at once."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, outbound: list[Outbound]) -> None:
        """Print replies with numbered buttons; remember the last keyboard."""
        for message in outbound:
            match message:
                case Reply(text, buttons):
                    self.write()
                    self.write(text)
                    if buttons:
                        every = [b for row in buttons for b in row]
                        for button in every:
                            if button.kind != "callback":
                                self.write(f"  {contact_line(button)}")
                        self.buttons = [b for b in every if b.kind == "callback"]
                        for number, button in enumerate(self.buttons, start=1):
                            self.write(f"  {self.style.number(f'[{number}]')} {button.label}")
                case TapAnswer(text) if text:
                    self.write(self.style.note(f"({text})"))
                case EraseChat():
                    self.buttons = []
                    self.write(
                        self.style.note(
                            "(Conversation cleared. On Telegram, Beacon also deletes its messages.)"
                        )
                    )
                case Document(filename, data) | Photo(filename, data):
                    self.files.mkdir(parents=True, exist_ok=True)
                    path = self.files / filename
                    path.write_bytes(data)
                    self.write(self.style.note(f"(Saved {path})"))
                case _:
                    pass

    def event_for(self, line: str) -> Event:
        """Return a tap for a listed number, else the command or text the line is."""
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            return Tap(self.buttons[int(line) - 1].data)
        return parse_text(line)

    async def send(self, event: Event) -> None:
        """Hand one event to the service and show what comes back."""
        self.show(await self.service.handle(Inbound(PLATFORM, self.user, event, self.language)))

    def run(self, runner: asyncio.Runner) -> None:
        """Resume where this user was, then read lines until /quit or end of input.

        Lines are read on the main thread, so Ctrl-C interrupts at once; each event is handled
        to completion on `runner`'s loop before the next line is read.
        """
        self.write(self.style.note(HINT))
        runner.run(self.send(Resume()))
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                self.write()
                return
            line = line.strip()
            if line in QUIT:
                return
            if line:
                runner.run(self.send(self.event_for(line)))
