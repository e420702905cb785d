"""The Telegram fixtures (a fake Bot API server, a Beacon app), shared with tests/telegram."""

from tests.telegram.conftest import app, fake

__all__ = ["app", "fake"]
