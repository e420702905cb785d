"""Settings fail with clear messages; the user-key secret is strong, made once for a new
database and tied to it by a fingerprint; logs hide tokens."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import insert, select, text

from bot.app import checked_secret
from bot.errors import StartupError
from bot.logs import REDACTED, PrivacyFilter, configure
from bot.settings import (
    SECRET_FILE,
    SettingsError,
    load_settings,
    secret_fingerprint,
    secret_weakness,
    user_key_secret,
)
from bot.storage.database import FINGERPRINT_KEY, make_engine
from bot.storage.tables import metadata
from bot.testing.database import Database
from bot.testing.keys import OTHER_USER_KEY_SECRET, TEST_USER_KEY_SECRET
from bot.testing.simulator import FIXED_NOW

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"
MAKE_ONE = 'python -c "import secrets; print(secrets.token_hex(32))"'


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test from the defaults, whatever the shell that runs pytest has set."""
    for name in ("USER_KEY_SECRET", "LOG_LEVEL", "WEBHOOK_URL", "WEBHOOK_PATH", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_a_new_database_gets_a_secret_once_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """For a new database with no USER_KEY_SECRET, a secret is made, stored 0600, announced
    once (by path, never by value), and reused."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with caplog.at_level(logging.WARNING):
        first = user_key_secret(load_settings(), new_database=True)
        second = user_key_secret(load_settings(), new_database=True)
    assert first == second and len(first) == 64
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    [made] = [r.getMessage() for r in caplog.records if "user_key_secret_created" in r.getMessage()]
    assert str(tmp_path / SECRET_FILE) in made and "back this file up" in made
    assert first.decode() not in caplog.text


def test_no_secret_file_is_made_for_a_database_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a new database, a missing secret is an error naming USER_KEY_SECRET, not a
    new secret that would orphan everyone stored."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with pytest.raises(StartupError) as caught:
        user_key_secret(load_settings())
    assert caught.value.setting == "USER_KEY_SECRET"
    assert "DATA_DIR" in caught.value.problem
    assert not (tmp_path / SECRET_FILE).exists()


def test_a_configured_secret_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """USER_KEY_SECRET from the environment is used as given, and nothing is written."""
    monkeypatch.setenv("USER_KEY_SECRET", TEST_USER_KEY_SECRET)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert user_key_secret(load_settings(), new_database=True) == TEST_USER_KEY_SECRET.encode()
    assert not (tmp_path / SECRET_FILE).exists()
    assert TEST_USER_KEY_SECRET not in repr(load_settings())


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        (TEST_USER_KEY_SECRET[:31], "is shorter than 32 characters"),
        ("CHANGEME-4f9a1c7e2b8d6f3a0e5c9b1d7a4f2e8c", "looks like a placeholder"),
        ("my-production-secret-9f3a1c7e2b8d6f3a0e5c", "looks like a placeholder"),
        ("ab12" * 10 + "ba21" * 2, "fewer than 10 different characters"),
        ("0123456789abcdef" * 3, "one short pattern repeated"),
    ],
)
def test_weak_secrets_are_refused_without_being_repeated(
    monkeypatch: pytest.MonkeyPatch, secret: str, why: str
) -> None:
    """An empty, short, placeholder or repetitive USER_KEY_SECRET is refused with how to make a
    strong one; the message never holds the value."""
    monkeypatch.setenv("USER_KEY_SECRET", secret)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == "USER_KEY_SECRET"
    assert why in caught.value.problem and MAKE_ONE in caught.value.problem
    assert not secret.strip() or secret not in str(caught.value)


def test_a_generated_secret_is_strong() -> None:
    """What the message tells people to run (64 hex digits) passes every check."""
    assert secret_weakness(TEST_USER_KEY_SECRET) is None
    assert secret_weakness(OTHER_USER_KEY_SECRET) is None


def test_a_weak_secret_file_is_refused_and_an_open_one_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A secret file others may read gets one warning naming its path (not its content); a
    file holding a weak secret is refused like the setting."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    path = tmp_path / SECRET_FILE
    path.write_text(TEST_USER_KEY_SECRET + "\n", encoding="utf-8")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        assert user_key_secret(load_settings()) == TEST_USER_KEY_SECRET.encode()
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("user_key_secret_readable_by_others") and str(path) in warning
    assert TEST_USER_KEY_SECRET not in caplog.text
    path.chmod(0o600)
    caplog.clear()
    assert user_key_secret(load_settings()) == TEST_USER_KEY_SECRET.encode()
    assert caplog.records == []
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(StartupError, match="is empty"):
        user_key_secret(load_settings())


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with sqlite+aiosqlite"),
        ("DEFAULT_LOCALE", "Spanish!", "DEFAULT_LOCALE: must be a locale code"),
        ("BOT_TOKEN", "not a token", "BOT_TOKEN: does not look like a Telegram bot"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("WEBHOOK_URL", "http://bot.example.org/hook", "WEBHOOK_URL: must start with https://"),
        ("WEBHOOK_URL", "http://127.0.0.1.example.org/", "WEBHOOK_URL: must start with https://"),
        ("WEBHOOK_PATH", "hook", "WEBHOOK_PATH: must start with /"),
    ],
)
def test_bad_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    """Each invalid variable is named with what it should look like."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(words)):
        load_settings()


def test_two_bad_settings_are_both_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bad variable is named, in one line, the first one as the error's setting."""
    monkeypatch.setenv("LOG_LEVEL", "loud")
    monkeypatch.setenv("DEFAULT_LOCALE", "Spanish!")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == "DEFAULT_LOCALE"
    assert "LOG_LEVEL: must be one of" in str(caught.value) and "\n" not in str(caught.value)


def test_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOG_LEVEL=debug means DEBUG."""
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


def test_a_sqlite_file_needs_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite path in a folder that does not exist is refused, naming the folder."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'b.db'}")
    with pytest.raises(SettingsError, match=re.escape(f"{tmp_path / 'gone'} for the SQLite")):
        load_settings()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    assert load_settings().database_url.endswith("b.db")


@pytest.mark.parametrize(
    "url",
    ["https://bot.example.org/hook", "http://127.0.0.1:8443/hook", "http://127.8.9.1/hook",
     "http://localhost:8080/hook", "http://[::1]:8080/hook"],
)  # fmt: skip
def test_webhooks_are_https_unless_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """HTTPS anywhere, plain HTTP only on a loopback host (a proxy on the same machine)."""
    monkeypatch.setenv("WEBHOOK_URL", url)
    assert load_settings().webhook_url == url


@pytest.mark.parametrize(
    ("url", "path", "served"),
    [
        ("https://bot.example.org/tg/hook", None, "/tg/hook"),
        ("https://bot.example.org/", None, "/"),
        ("https://bot.example.org", None, "/"),
        ("https://bot.example.org/tg/hook", "/inside", "/inside"),
    ],
)
def test_the_webhook_path_defaults_to_the_urls(
    monkeypatch: pytest.MonkeyPatch, url: str, path: str | None, served: str
) -> None:
    """Without WEBHOOK_PATH, the webhook listens at WEBHOOK_URL's own path."""
    monkeypatch.setenv("WEBHOOK_URL", url)
    if path is not None:
        monkeypatch.setenv("WEBHOOK_PATH", path)
    assert load_settings().webhook_path == served


def test_bad_token_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a malformed token never appears in the error message."""
    monkeypatch.setenv("BOT_TOKEN", "12345:short-secret-value")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "short-secret-value" not in str(caught.value)


async def test_the_database_keeps_the_secrets_fingerprint_and_refuses_another(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start records HMAC(secret) (never the secret); the same secret opens the
    database again; another one is refused, naming USER_KEY_SECRET."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("USER_KEY_SECRET", TEST_USER_KEY_SECRET)
    settings = load_settings()
    assert await checked_secret(settings, database.engine) == TEST_USER_KEY_SECRET.encode()
    assert await database.rows("beacon_meta") == [
        (FINGERPRINT_KEY, secret_fingerprint(TEST_USER_KEY_SECRET.encode()))
    ]
    assert TEST_USER_KEY_SECRET not in str(await database.rows("beacon_meta"))
    assert await checked_secret(settings, database.engine) == TEST_USER_KEY_SECRET.encode()
    other = settings.model_copy(update={"user_key_secret": SecretStr(OTHER_USER_KEY_SECRET)})
    with pytest.raises(StartupError) as caught:
        await checked_secret(other, database.engine)
    assert caught.value.setting == "USER_KEY_SECRET"
    assert "not the secret this database was made with" in caught.value.problem
    assert not (tmp_path / SECRET_FILE).exists()


async def test_a_database_in_use_without_a_fingerprint_gets_no_new_secret(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before fingerprints that holds people is not new: with no secret found
    it is refused and no secret file is made; with its secret, the fingerprint is recorded."""
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(metadata.tables["users"]).values(
                user_key="k" * 64, created_at=FIXED_NOW, last_seen_at=FIXED_NOW, active=True
            )
        )
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with pytest.raises(StartupError, match="USER_KEY_SECRET: is not set"):
        await checked_secret(load_settings(), database.engine)
    assert not (tmp_path / SECRET_FILE).exists()
    assert await database.rows("beacon_meta") == []
    monkeypatch.setenv("USER_KEY_SECRET", TEST_USER_KEY_SECRET)
    await checked_secret(load_settings(), database.engine)
    meta = metadata.tables["beacon_meta"]
    async with database.engine.connect() as connection:
        kept = await connection.scalar(select(meta.c.value))
    assert kept == secret_fingerprint(TEST_USER_KEY_SECRET.encode())


async def test_sqlite_overwrites_what_it_deletes(tmp_path: Path) -> None:
    """Beacon's SQLite connections run with secure_delete on, so deleted rows leave no trace."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("PRAGMA secure_delete")) == 1
    finally:
        await engine.dispose()


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

    configure("DEBUG")
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("SELECT :name"), {"name": "MARKER-Ana-Martinez"})
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
    assert "MARKER-Ana-Martinez" not in capsys.readouterr().err


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`<NAME>_FILE` names a file holding the secret (a Docker secret); its newline is dropped."""
    (tmp_path / "key").write_text(TEST_USER_KEY_SECRET + "\n", encoding="utf-8")
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    monkeypatch.setenv("USER_KEY_SECRET_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("BOT_TOKEN_FILE", str(tmp_path / "token"))
    settings = load_settings()
    assert settings.user_key_secret is not None and settings.bot_token is not None
    assert settings.user_key_secret.get_secret_value() == TEST_USER_KEY_SECRET
    assert settings.bot_token.get_secret_value() == TOKEN


def test_a_secret_file_is_checked_like_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing file, a setting given both ways, and a weak secret in a file are each named."""
    monkeypatch.setenv("REDIS_URL_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("WEBHOOK_SECRET_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("WEBHOOK_SECRET", "given-here-too")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert dict(refused.value.problems) == {
        "WEBHOOK_SECRET_FILE": "is set and so is WEBHOOK_SECRET; set only one of them",
        "REDIS_URL_FILE": f"cannot read {tmp_path / 'absent'}: No such file or directory",
    }
    monkeypatch.delenv("REDIS_URL_FILE")
    monkeypatch.delenv("WEBHOOK_SECRET_FILE")
    (tmp_path / "weak").write_text("changeme", encoding="utf-8")
    monkeypatch.setenv("USER_KEY_SECRET_FILE", str(tmp_path / "weak"))
    with pytest.raises(SettingsError, match="USER_KEY_SECRET: is shorter than 32"):
        load_settings()
