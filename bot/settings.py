"""Settings from environment variables and an optional `.env`, validated at start-up."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
SECRET_FILE = ".beacon-secret"
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")


class SettingsError(Exception):
    """Settings are missing or invalid; the message says which and how to fix them."""


class Settings(BaseSettings):
    """Beacon's configuration; every field can be set by an environment variable of its name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default="sqlite+aiosqlite:///./beacon.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///... or postgresql+asyncpg://...",
    )
    bot_token: SecretStr | None = Field(default=None, description="Telegram bot token")
    bot_runtime: Literal["aiogram", "ptb"] = Field(default="aiogram")
    bot_api_url: str = Field(default="https://api.telegram.org", description="Bot API server")
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL; unset: polling")
    webhook_host: str = Field(default="127.0.0.1")
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = Field(default="/telegram/webhook")
    webhook_secret: SecretStr | None = Field(default=None, description="Generated when absent")
    default_locale: str = Field(default="en", description="Language when nothing else says")
    default_place: str = Field(default="US-AZ", description="Place used before the user picks")
    user_key_secret: SecretStr | None = Field(
        default=None, description="Key for hashing platform user ids; generated when absent"
    )
    content_dir: Path = Field(default=PROJECT_ROOT / "dialogues")
    locales_dir: Path = Field(default=PROJECT_ROOT / "locales")
    data_dir: Path = Field(default=Path("."), description="Where the generated secret is kept")
    verification_max_age_days: int = Field(default=365, ge=1)
    retention_days: int = Field(
        default=180, ge=1, description="Delete everything about users inactive this many days"
    )
    log_level: str | None = Field(default=None, description="Default INFO; WARNING in chat")
    bot_username: str | None = Field(
        default=None, description="The bot's Telegram username, for campaign deep links"
    )

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, url: str) -> str:
        """Accept only the async drivers Beacon ships with."""
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(for example sqlite+aiosqlite:///./beacon.db)"
            )
        return url

    @field_validator("bot_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        """Accept an http(s) URL without a trailing slash."""
        if url is None or not url.strip():
            return None
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError("must be an http:// or https:// URL")
        return url.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, secret: SecretStr | None) -> SecretStr | None:
        """Accept Telegram's secret-token alphabet: 1-256 of A-Z, a-z, 0-9, _ and -."""
        if secret is not None and not re.match(
            r"^[A-Za-z0-9_-]{1,256}$", secret.get_secret_value()
        ):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, code: str) -> str:
        """Accept a locale code such as en, es or zh_Hans."""
        if not _LOCALE.match(code):
            raise ValueError("must be a locale code such as en, es or zh_Hans")
        return code

    @field_validator("bot_username")
    @classmethod
    def _username(cls, name: str | None) -> str | None:
        """Accept a Telegram bot username (5-32 of A-Z, a-z, 0-9 and _), with or without @."""
        if name is None or not name.strip():
            return None
        name = name.strip().removeprefix("@")
        if not BOT_USERNAME.match(name):
            raise ValueError("must be a Telegram username: 5-32 of A-Z, a-z, 0-9 and _")
        return name

    @field_validator("bot_token")
    @classmethod
    def _token(cls, token: SecretStr | None) -> SecretStr | None:
        """Accept an empty token as none, and reject one that is not shaped like a token."""
        if token is None or not token.get_secret_value().strip():
            return None
        if not re.match(r"^\d+:[A-Za-z0-9_-]{20,}$", token.get_secret_value().strip()):
            raise ValueError("does not look like a Telegram bot token (digits:letters)")
        return token


def load_settings() -> Settings:
    """Read and validate settings; raise SettingsError naming each bad variable."""
    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None


def user_key_secret(settings: Settings) -> bytes:
    """Return the user-key secret: the setting, else a stored one, else a new one saved 0600."""
    if settings.user_key_secret is not None:
        return settings.user_key_secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret.encode()
