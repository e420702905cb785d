"""The Telegram fixtures (a fake Bot API server, a Beacon app) for the organization tests."""

from tests.telegram.conftest import app, fake

__all__ = ["app", "fake"]
