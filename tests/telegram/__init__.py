"""Tests of the Telegram transport and of the fake Telegram Bot API server."""
