"""An in-memory Telegram ChatApi for tests: it records each call and raises scripted failures."""

from __future__ import annotations

from collections.abc import Sequence

from bot.transports.telegram.api import Keyboard, QuizPollText


class RecordingApi:
    """An in-memory ChatApi that records calls and raises scripted failures."""

    def __init__(self, failures: Sequence[Exception] = ()) -> None:
        """Fail the first calls with `failures`, in order."""
        self.failures = list(failures)
        self.calls: list[tuple[str, object]] = []
        self.next_id = 100

    def _maybe_fail(self) -> None:
        """Raise the next scripted failure, if any."""
        if self.failures:
            raise self.failures.pop(0)

    async def send_message(self, chat_id: int, html: str, keyboard: Keyboard) -> int:
        """Record a send."""
        self._maybe_fail()
        self.next_id += 1
        self.calls.append(("send", html))
        return self.next_id

    async def edit_message(
        self, chat_id: int, message_id: int, html: str, keyboard: Keyboard
    ) -> None:
        """Record an edit."""
        self._maybe_fail()
        self.calls.append(("edit", message_id))

    async def answer_callback(self, callback_id: str, text: str | None) -> None:
        """Record an answer."""
        self._maybe_fail()
        self.calls.append(("answer", text))

    async def delete_messages(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Record a deletion."""
        self._maybe_fail()
        self.calls.append(("delete", list(message_ids)))

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], language_code: str | None
    ) -> None:
        """Record commands."""
        self.calls.append(("commands", language_code))

    async def set_descriptions(
        self, short: str, description: str, language_code: str | None
    ) -> None:
        """Record descriptions."""
        self.calls.append(("descriptions", language_code))

    async def username(self) -> str:
        """Return a username."""
        return "BeaconTestBot"

    async def send_quiz(
        self, chat_id: int, poll: QuizPollText, open_period: int
    ) -> tuple[int, str]:
        """Record a quiz poll."""
        self.calls.append(("sendPoll", poll.question))
        return 1, "poll-1"

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Nobody administers anything here."""
        return False

    async def send_file(self, chat_id: int, filename: str, data: bytes, photo: bool) -> int:
        """Record an upload."""
        self.calls.append(("file", filename))
        return 2
