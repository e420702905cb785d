"""A fake Telegram Bot API server for tests and benchmarks, checked against the shared spec."""

from bot.testing.fake_telegram.models import Call, FakeChat, FakeUser, Push
from bot.testing.fake_telegram.server import DEFAULT_TOKEN, FakeTelegram
from bot.testing.fake_telegram.spec import (
    BotApiSpec,
    check_request,
    decode_params,
    default_spec_path,
    load_spec,
)

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiSpec",
    "Call",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "Push",
    "check_request",
    "decode_params",
    "default_spec_path",
    "load_spec",
]
