"""The Telegram fixtures (a fake Bot API server, a Beacon app on a test clock) of tests/telegram."""

from tests.telegram.conftest import app, clock, fake

__all__ = ["app", "clock", "fake"]
