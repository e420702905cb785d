"""Settings from environment variables and an optional `.env`, validated at start-up."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import StartupError
from bot.logs import event

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
SECRET_FILE = ".beacon-secret"
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SQLITE_PREFIX = "sqlite+aiosqlite:///"
MIN_SECRET_LENGTH = 32
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'
PLACEHOLDERS = (
    "changeme", "change-me", "change_me", "secret", "password", "passw0rd", "example",
    "placeholder", "replace", "dummy", "sample", "default", "letmein", "qwerty", "fixme",
)  # fmt: skip
"""Words that mark a secret someone copied from a template instead of generating."""
FINGERPRINT_LABEL = b"beacon/secret-fingerprint"
DEFAULT_EXIT_URL = "https://www.google.com/"
"""Quick exit's neutral site: a search page is on every screen and draws no second look."""
WEB_TITLE_LIMIT = 60
DEFAULT_TRUSTED_PROXIES = "127.0.0.1/32,::1/128"
"""Only a reverse proxy on this machine is trusted to say the client's address."""
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
log = logging.getLogger("beacon.settings")


class SettingsError(StartupError):
    """Settings are invalid; the message names each bad variable and how to fix it."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        """Keep the first (setting, problem) as the error's own; the message names them all."""
        (setting, problem), *more = problems
        super().__init__(setting, "; ".join([problem, *(f"{s}: {p}" for s, p in more)]))
        self.problems = tuple(problems)


def secret_weakness(secret: str) -> str | None:
    """Return why a user-key secret is too weak to use, or None when it is strong enough."""
    if not secret.strip():
        return "is empty"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if any(word in secret.lower() for word in PLACEHOLDERS):
        return "looks like a placeholder from an example"
    if len(set(secret)) < 10:
        return "uses fewer than 10 different characters"
    if any(secret[step:] == secret[:-step] for step in range(1, len(secret) // 2 + 1)):
        return "is one short pattern repeated"
    return None


def weak_secret_problem(weakness: str) -> str:
    """Return the whole problem line for a weak secret: what is wrong and how to make one."""
    return f"{weakness}; make a strong one with: {MAKE_SECRET}"


def is_loopback(host: str) -> bool:
    """Say whether a host name or address is this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def networks(text: str) -> tuple[Network, ...]:
    """Return the networks of a comma-separated list of IP addresses and CIDRs (ValueError
    naming the first entry that is neither)."""
    found: list[Network] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)"
            ) from None
    return tuple(found)


def sqlite_folder(url: str) -> Path | None:
    """Return the folder of a SQLite URL's file, or None for an in-memory database."""
    path = url.removeprefix(SQLITE_PREFIX).split("?", 1)[0]
    if not path or path == ":memory:" or not url.startswith(SQLITE_PREFIX):
        return None
    return Path(path).parent


class Settings(BaseSettings):
    """Beacon's configuration; every field can be set by an environment variable of its name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default="sqlite+aiosqlite:///./beacon.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///... or postgresql+asyncpg://...",
    )
    auto_migrate: bool = Field(
        default=False, description="true: migrate a database behind this Beacon's schema at start"
    )
    bot_token: SecretStr | None = Field(default=None, description="Telegram bot token")
    bot_runtime: Literal["aiogram", "ptb"] = Field(default="aiogram")
    bot_api_url: str = Field(default="https://api.telegram.org", description="Bot API server")
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL; unset: polling")
    webhook_host: str = Field(default="127.0.0.1")
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = Field(default="", description="Default: the path of WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, description="Generated when absent")
    default_locale: str = Field(default="en", description="Language when nothing else says")
    default_place: str = Field(default="US-AZ", description="Place used before the user picks")
    user_key_secret: SecretStr | None = Field(
        default=None, description="Key for hashing user ids; a new database makes one if absent"
    )
    content_dir: Path = Field(default=PROJECT_ROOT / "dialogues")
    locales_dir: Path = Field(default=PROJECT_ROOT / "locales")
    data_dir: Path = Field(default=Path("."), description="Where the generated secret is kept")
    verification_max_age_days: int = Field(default=365, ge=1)
    retention_days: int = Field(
        default=180, ge=1, description="Delete everything about users inactive this many days"
    )
    log_level: str | None = Field(
        default=None,
        description="DEBUG, INFO, WARNING, ERROR or CRITICAL; default INFO, WARNING in chat",
    )
    bot_username: str | None = Field(
        default=None, description="The bot's Telegram username, for campaign deep links"
    )
    web_port: int | None = Field(
        default=None, ge=1, le=65535, description="Serve the web chat on this port; unset: no web"
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web chat listens on")
    public_url: str | None = Field(
        default=None,
        description="The web chat's address as people reach it (https in public); certificates'"
        " QR codes open its /verify page",
    )
    web_session_minutes: int = Field(
        default=30, ge=1, le=1440, description="Delete a web session idle this many minutes"
    )
    web_exit_url: str = Field(
        default=DEFAULT_EXIT_URL, description="The neutral site quick exit opens"
    )
    web_title: str = Field(default="Beacon", description="The web page's title")
    kiosk_idle_seconds: int = Field(
        default=90, ge=1, le=3600, description="A kiosk starts again after this many idle seconds"
    )
    web_trusted_proxies: str = Field(
        default=DEFAULT_TRUSTED_PROXIES,
        description="Proxies whose X-Forwarded-For the web chat believes (IPs/CIDRs, commas)",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis for limits shared by several workers (redis:// or rediss://)",
    )
    redis_prefix: str = Field(
        default="beacon:",
        min_length=1,
        max_length=100,
        description="Where this bot's keys live in Redis (give each bot sharing a Redis its own)",
    )
    telegram_rate: float = Field(
        default=30.0, ge=0, le=1000,
        description="Messages a second the bot sends in all (every worker together); 0: no"
        " limits at all (only against a test server)",
    )  # fmt: skip
    telegram_chat_rate: float = Field(
        default=1.0, gt=0, le=100, description="Messages a second to one private chat"
    )
    telegram_group_per_minute: float = Field(
        default=20.0, gt=0, le=6000, description="Messages a minute to one group"
    )
    telegram_chat_burst: int = Field(
        default=3, ge=1, le=100,
        description="Messages a chat may get at once before its rate applies",
    )  # fmt: skip
    ops_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="Serve /metrics, /healthz and /readyz on this port; unset: not served",
    )  # fmt: skip
    ops_host: str = Field(default="127.0.0.1", description="Address the ops endpoints listen on")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text: one readable line per record; json: one JSON object"
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        description="A folder every worker writes its metrics to (prometheus_client's mode)",
    )
    worker_id: int | None = Field(
        default=None, ge=0, le=999,
        description="This worker's number under `run --workers N` (set by the launcher)",
    )  # fmt: skip

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, url: str) -> str:
        """Accept only the async drivers Beacon ships with; a SQLite file's folder must exist."""
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(for example sqlite+aiosqlite:///./beacon.db)"
            )
        folder = sqlite_folder(url)
        if folder is not None and not folder.is_dir():
            raise ValueError(
                f"the folder {folder.absolute()} for the SQLite file does not exist; "
                "create it or fix the path"
            )
        return url

    @field_validator("auto_migrate", mode="before")
    @classmethod
    def _true_or_false(cls, value: object) -> object:
        """Accept true or false in any case (empty: false), and nothing else."""
        if not isinstance(value, str):
            return value
        word = value.strip().lower() or "false"
        if word not in ("true", "false"):
            raise ValueError("must be true or false")
        return word == "true"

    @field_validator("bot_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        """Accept an http(s) URL without a trailing slash."""
        if url is None or not url.strip():
            return None
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError("must be an http:// or https:// URL")
        return url.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, url: str | None) -> str | None:
        """Accept only https:// for a webhook, except on a loopback host (a local proxy)."""
        if url is not None and not url.startswith("https://"):
            host = urlsplit(url).hostname or ""
            if not is_loopback(host):
                raise ValueError(
                    "must start with https:// (Telegram delivers webhooks only over HTTPS); "
                    "http:// is accepted only for localhost, 127.0.0.0/8 and ::1"
                )
        return url

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, path: str) -> str:
        """Accept an empty path (then WEBHOOK_URL's is used) or one that starts with /."""
        if path and not path.startswith("/"):
            raise ValueError("must start with / (for example /telegram/webhook)")
        return path

    @field_validator("user_key_secret")
    @classmethod
    def _strong_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        """Refuse a short, empty or trivially weak secret, without repeating it."""
        if secret is not None:
            weakness = secret_weakness(secret.get_secret_value())
            if weakness is not None:
                raise ValueError(weak_secret_problem(weakness))
        return secret

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, level: str | None) -> str | None:
        """Accept one of Python's level names in any case, or nothing (the default)."""
        if level is None or not level.strip():
            return None
        if level.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level.strip().upper()

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

    @field_validator("web_port", mode="before")
    @classmethod
    def _empty_port(cls, port: object) -> object:
        """Accept an empty WEB_PORT as unset."""
        return None if isinstance(port, str) and not port.strip() else port

    @field_validator("ops_port", mode="before")
    @classmethod
    def _empty_ops_port(cls, port: object) -> object:
        """Accept an empty OPS_PORT as unset."""
        return None if isinstance(port, str) and not port.strip() else port

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        """Accept text or json in any case (empty: text)."""
        if not isinstance(value, str):
            return value
        word = value.strip().lower() or "text"
        if word not in ("text", "json"):
            raise ValueError("must be text or json")
        return word

    @field_validator("prometheus_multiproc_dir", mode="before")
    @classmethod
    def _multiproc_dir(cls, value: object) -> object:
        """Accept an existing folder Beacon may write in (empty: none)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        folder = Path(str(value).strip())
        if not folder.is_dir():
            raise ValueError(f"the folder {folder.absolute()} does not exist; create it first")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ValueError(f"Beacon may not write in {folder.absolute()}")
        return folder

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, url: object) -> object:
        """Accept a redis:// or rediss:// URL with a host (empty: none)."""
        if url is None or (isinstance(url, str) and not url.strip()):
            return None
        parts = urlsplit(str(url).strip())
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError(
                "must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379/0"
            )
        return str(url).strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        """Accept an http(s) URL (https unless on a loopback host), without a trailing slash."""
        if url is None or not url.strip():
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// URL, such as https://beacon.example.org"
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError(
                "must start with https:// (the session cookie is sent only over HTTPS); "
                "http:// is accepted only for localhost, 127.0.0.0/8 and ::1"
            )
        return url.strip().rstrip("/")

    @field_validator("web_exit_url")
    @classmethod
    def _exit_url(cls, url: str) -> str:
        """Accept only an https:// URL of another site for quick exit."""
        parts = urlsplit(url.strip())
        plain_host = re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", parts.netloc)
        if parts.scheme != "https" or not parts.hostname or not plain_host:
            raise ValueError(f"must be an https:// URL of a neutral site, e.g. {DEFAULT_EXIT_URL}")
        return url.strip()

    @field_validator("web_title")
    @classmethod
    def _title(cls, title: str) -> str:
        """Accept a short, printable, one-line page title."""
        title = title.strip()
        if not title or len(title) > WEB_TITLE_LIMIT or not title.isprintable():
            raise ValueError(f"must be 1-{WEB_TITLE_LIMIT} printable characters on one line")
        return title

    @field_validator("web_trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, text: str) -> str:
        """Accept a comma-separated list of IP addresses and CIDRs (empty: trust no proxy)."""
        networks(text)
        return text.strip()

    @model_validator(mode="after")
    def _webhook_path_from_url(self) -> Settings:
        """Serve the webhook at WEBHOOK_URL's own path unless WEBHOOK_PATH says otherwise."""
        if not self.webhook_path:
            self.webhook_path = urlsplit(self.webhook_url or "").path or "/"
        return self


SECRET_SETTINGS = ("bot_token", "user_key_secret", "webhook_secret", "database_url", "redis_url")
"""Settings that may also come from a file named by `<NAME>_FILE` (Docker, Kubernetes secrets)."""


def secrets_from_files(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return each secret setting whose `<NAME>_FILE` is set, read from that file (surrounding
    whitespace removed); a file that cannot be read, or a setting given both ways, is a
    SettingsError naming the variable."""
    found: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    named = {key.upper(): value for key, value in environ.items()}
    for field in SECRET_SETTINGS:
        name = field.upper()
        path = named.get(f"{name}_FILE", "").strip()
        if not path:
            continue
        if named.get(name, "").strip():
            problems.append((f"{name}_FILE", f"is set and so is {name}; set only one of them"))
            continue
        try:
            found[field] = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as failure:
            reason = failure.strerror if isinstance(failure, OSError) else "it is not text"
            problems.append((f"{name}_FILE", f"cannot read {path}: {reason}"))
    if problems:
        raise SettingsError(problems)
    return found


def load_settings() -> Settings:
    """Read and validate settings (secrets also from `<NAME>_FILE` files); raise SettingsError
    naming each bad variable."""
    from_files = secrets_from_files(os.environ)
    try:
        return Settings(**from_files)
    except ValidationError as err:
        raise SettingsError(
            [
                (".".join(map(str, e["loc"])).upper(), e["msg"].removeprefix("Value error, "))
                for e in err.errors()
            ]
        ) from None


def secret_fingerprint(secret: bytes) -> str:
    """Return HMAC-SHA256(secret, "beacon/secret-fingerprint") as hex: names, never reveals."""
    return hmac.new(secret, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def user_key_secret(settings: Settings, *, new_database: bool = False) -> bytes:
    """Return USER_KEY_SECRET, else DATA_DIR/.beacon-secret; only for a new database is a
    missing file made (0600, announced once); otherwise a missing secret is a StartupError."""
    if settings.user_key_secret is not None:
        return settings.user_key_secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if path.exists():
        return read_secret_file(path)
    if not new_database:
        raise StartupError(
            "USER_KEY_SECRET",
            f"is not set and there is no {path.resolve()}, but this database was made with a "
            "secret; set USER_KEY_SECRET to it, or DATA_DIR to the folder with its "
            f"{SECRET_FILE}",
        )
    return make_secret_file(path)


def read_secret_file(path: Path) -> bytes:
    """Return the secret kept in a file, warning when others may read it; refuse a weak one."""
    try:
        mode = path.stat().st_mode
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as failure:
        reason = failure.strerror if isinstance(failure, OSError) else "it is not text"
        raise StartupError("USER_KEY_SECRET", f"cannot read {path}: {reason}") from None
    if mode & 0o077:
        event(
            log, "user_key_secret_readable_by_others", level=logging.WARNING,
            path=path.absolute(), mode=oct(mode & 0o777), fix=f"chmod 600 {path.absolute()}",
        )  # fmt: skip
    weakness = secret_weakness(secret)
    if weakness is not None:
        raise StartupError(
            "USER_KEY_SECRET", f"the secret in {path} {weak_secret_problem(weakness)}"
        )
    return secret.encode()


def make_secret_file(path: Path) -> bytes:
    """Write a new random secret to `path`, readable by its owner only, and say so once."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret_file(path)  # another process made it a moment ago
    except OSError as failure:
        raise StartupError("DATA_DIR", f"cannot write {path}: {failure.strerror}") from None
    secret = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    event(
        log, "user_key_secret_created", level=logging.WARNING, path=path.resolve(),
        note="back this file up apart from the database: without it the data cannot be read",
    )  # fmt: skip
    return secret.encode()
