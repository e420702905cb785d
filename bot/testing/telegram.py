"""Run Beacon's real Telegram runtimes against the fake Bot API server, as a user would."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App
from bot.testing.fake_telegram import FakeTelegram, FakeUser
from bot.testing.transcripts import Recorded, user_of
from bot.testing.user import SimulatedUser
from bot.transports.telegram.delivery import RetryPolicy
from bot.transports.telegram.launch import make_runtime
from bot.transports.telegram.runtime import RuntimeConfig, TelegramRuntime, WebhookConfig

QUICK_RETRIES = RetryPolicy(backoff_base=0.01, backoff_cap=0.05)
WEBHOOK_SECRET = "beacon-test-secret"
RUNTIMES = ["aiogram", "ptb"]
"""The Telegram runtimes Beacon ships, as make_runtime names them."""
MODES = ["polling", "webhook"]
"""The two ways updates reach Beacon."""
_user_ids = itertools.count(10_001)


def new_user(language_code: str | None = "en") -> FakeUser:
    """Return a Telegram user nobody has used yet."""
    number = next(_user_ids)
    return FakeUser(number, f"User{number}", language_code)


def transcript_user(transcript: Recorded, language_code: str | None = "en") -> FakeUser:
    """Return the Telegram user a transcript is played as: the one it names (whose id orders
    its quiz options as recorded), else a new one."""
    named = user_of(transcript)
    if named is None:
        return new_user(language_code)
    return FakeUser(int(named), f"User{named}", language_code)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def runtime_config(fake: FakeTelegram, mode: str) -> RuntimeConfig:
    """Return a runtime configuration aimed at the fake server, polling or by webhook."""
    webhook = None
    if mode == "webhook":
        port = free_port()
        webhook = WebhookConfig(
            url=f"http://127.0.0.1:{port}/telegram", host="127.0.0.1", port=port,
            path="/telegram", secret=WEBHOOK_SECRET,
        )  # fmt: skip
    return RuntimeConfig(fake.token, fake.base_url, webhook, poll_timeout=1, drain_timeout=20)


@asynccontextmanager
async def running(
    fake: FakeTelegram, app: App, kind: str, mode: str, policy: RetryPolicy = QUICK_RETRIES
) -> AsyncIterator[TelegramRuntime]:
    """Run Beacon with the `kind` runtime ("aiogram" or "ptb") in `mode` until the block ends."""
    runtime = make_runtime(kind, runtime_config(fake, mode), app, policy)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


class TelegramUser(SimulatedUser):
    """A person on Telegram: sends text, taps buttons by label, and reads what Beacon showed."""

    def __init__(
        self, fake: FakeTelegram, runtime: TelegramRuntime, user: FakeUser | None = None
    ) -> None:
        """Act as `user` (a new one by default) in their private chat with the bot."""
        self.fake = fake
        self.runtime = runtime
        self.user = user or new_user()
        self.seen = []

    def latest_keyboard(self) -> tuple[int, list[list[dict[str, Any]]]]:
        """Return the id and buttons of the newest bot message that has a keyboard."""
        for message in reversed(self.fake.messages(self.user.id)):
            markup = message.get("reply_markup") or {}
            if markup.get("inline_keyboard"):
                return int(message["id"]), markup["inline_keyboard"]
        raise AssertionError("no message with a keyboard in the chat")

    def data_for(self, label: str) -> tuple[int, str]:
        """Return (message id, callback data) of the button with this label."""
        message_id, rows = self.latest_keyboard()
        for row in rows:
            for button in row:
                if button["text"] == label and "callback_data" in button:
                    return message_id, str(button["callback_data"])
        labels = [b["text"] for row in rows for b in row]
        raise AssertionError(f"no button {label!r}; the buttons are {labels}")

    def start(self, action: Recorded) -> int:
        """Queue the update a transcript action performs; return its update id."""
        if "send" in action:
            return self.fake.send_text(self.user, str(action["send"]))
        if "click" in action:
            message_id, data = self.data_for(str(action["click"]))
            return self.fake.tap(self.user, message_id, data)
        if "tap_data" in action:
            message_id, _ = self.latest_keyboard()
            return self.fake.tap(self.user, message_id, str(action["tap_data"]))
        if "other" in action:
            return self.fake.send_media(self.user, str(action["other"]))
        raise ValueError(f"a step needs send, click, tap_data or other: {action}")

    async def act(self, action: Recorded) -> list[Recorded]:
        """Perform an action, wait until Beacon has handled it, and return what the user saw."""
        update_id = self.start(action)
        await self.fake.wait_delivered(update_id)
        await self.runtime.bridge.wait_handled(update_id)
        self.seen = self.fake.transcript(self.user.id)
        self.fake.transcript_reset(self.user.id)
        return self.seen

    async def perform(self, action: Recorded) -> list[Recorded]:
        """Do one transcript action; return what the user saw."""
        return await self.act(action)

    async def send(self, text: str) -> list[Recorded]:
        """Type a line; return what the user saw."""
        return await self.act({"send": text})

    async def click(self, label: str) -> list[Recorded]:
        """Tap the button with this label on the newest keyboard; return what the user saw."""
        return await self.act({"click": label})
