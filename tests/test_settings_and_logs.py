"""Settings fail with clear messages; the user-key secret is made once; logs hide tokens."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.logs import REDACTED, PrivacyFilter, configure
from bot.settings import SettingsError, load_settings, user_key_secret

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"


def test_secret_is_generated_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no USER_KEY_SECRET, a secret is generated, stored 0600, and reused."""
    monkeypatch.delenv("USER_KEY_SECRET", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    first = user_key_secret(load_settings())
    second = user_key_secret(load_settings())
    assert first == second and len(first) == 64
    assert (tmp_path / ".beacon-secret").stat().st_mode & 0o777 == 0o600


def test_a_configured_secret_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """USER_KEY_SECRET from the environment is used as given, and nothing is written."""
    monkeypatch.setenv("USER_KEY_SECRET", "configured-secret-value")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert user_key_secret(load_settings()) == b"configured-secret-value"
    assert not (tmp_path / ".beacon-secret").exists()
    assert "configured-secret-value" not in repr(load_settings())


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        (
            "DATABASE_URL",
            "mysql://x",
            "DATABASE_URL: Value error, must start with sqlite+aiosqlite",
        ),
        ("DEFAULT_LOCALE", "Spanish!", "DEFAULT_LOCALE: Value error, must be a locale code"),
        ("BOT_TOKEN", "not a token", "BOT_TOKEN: Value error, does not look like a Telegram bot"),
    ],
)
def test_bad_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    """Each invalid variable is named with what it should look like."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(words)):
        load_settings()


def test_bad_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a malformed token never appears in the error message."""
    monkeypatch.setenv("BOT_TOKEN", "12345:short-secret-value")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "short-secret-value" not in str(caught.value)


def test_tokens_are_scrubbed_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    """A library logging a request URL with the token in it logs it redacted."""
    logger = logging.getLogger("httpx.test")
    logger.addFilter(PrivacyFilter())
    with caplog.at_level(logging.INFO):
        logger.info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("request failed")
    assert TOKEN not in caplog.text
    assert REDACTED in caplog.text


def test_sql_statements_and_their_parameters_never_reach_the_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Even at DEBUG, SQLAlchemy's statement log (with parameters such as a typed certificate
    name) is silenced; a statement run with a marker parameter leaves no trace on stderr."""
    import sqlalchemy

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure("DEBUG")
        engine = sqlalchemy.create_engine("sqlite://")
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT :name"), {"name": "MARKER-Ana-Martinez"})
        assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
        assert "MARKER-Ana-Martinez" not in capsys.readouterr().err
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
