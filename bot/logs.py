"""Logging as `event key=value` lines, or one JSON object a line (LOG_FORMAT=json): in either,
no record carries a bot token, and no library's record carries an update's content or a user's
id (the same filter cleans every record before it is formatted)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "<redacted-token>"
HIDDEN = "<hidden>"
_DUMP = re.compile(r"(Content:|Received data was:?|invalid JSON data:)(?! \*not\*).*", re.DOTALL)
"""aiogram's and python-telegram-bot's dumps of what Telegram sent: hidden to the end."""
_VALUE = re.compile(r"(input_value=|\[parameters: |query argument [^:\n]*: ).*")
"""Pydantic's, SQLAlchemy's and asyncpg's values in their errors: hidden to the line's end."""
_OBJECT = re.compile(r"\{.*|\b[A-Z]\w*\(\w+=.*")
"""A JSON object, a dict or an object's repr (`Update(message=...`): hidden to the line's end."""
_ID = re.compile(r"\d{6,}")
"""Six or more digits: a user's or chat's id."""
QUIET_LIBRARIES = (
    "httpx",
    "httpcore",
    "aiogram.event",
    "aiohttp.access",
    "tornado.access",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiosqlite",
    "alembic",
)
"""Loggers that log every request (httpx logs URLs, which contain the token; SQLAlchemy and
aiosqlite log statements with their parameters, such as a certificate's name) or, like Alembic,
two lines on every start: warnings only."""
PAYLOAD_LIBRARIES = ("telegram", "aiogram", "aiohttp", "httpx", "httpcore", "tornado", "sqlalchemy")
"""Libraries whose DEBUG logs print updates, requests or SQL parameters: never below INFO."""


def scrub(text: str) -> str:
    """Replace anything shaped like a Telegram bot token."""
    return _TOKEN.sub(REDACTED, text)


def redact(text: str) -> str:
    """Scrub tokens, then hide what in a library's text may be an update, typed text or an id."""
    text = _DUMP.sub(rf"\1 {HIDDEN}", scrub(text))
    text = _VALUE.sub(rf"\1{HIDDEN}", text)
    return _ID.sub("<id>", _OBJECT.sub(HIDDEN, text))


class PrivacyFilter(logging.Filter):
    """Rewrites each record for a handler: no bot token in any, and no update content or id in
    a library's (any logger outside `beacon`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record's message and traceback once, cleaned, and drop their arguments."""
        beacon = record.name == "beacon" or record.name.startswith("beacon.")
        clean = scrub if beacon else redact
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep it, not its arguments
            message = str(record.msg)
        record.msg, record.args = clean(message), None
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            setattr(record, FIELDS, {key: clean(str(value)) for key, value in fields.items()})
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = clean(record.exc_text)
        return True


def event(
    logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: object
) -> None:
    """Log an event name with fields; callers pass ids and counts, never message text. The
    name and fields also travel apart on the record, for the JSON format."""
    rendered = " ".join(f"{key}={value}" for key, value in fields.items())
    extra = {EVENT: name, FIELDS: {key: str(value) for key, value in fields.items()}}
    logger.log(level, "%s %s", name, rendered, extra=extra)


EVENT = "beacon_event"
FIELDS = "beacon_fields"
"""Where `event` puts its name and fields on a record."""


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object on one line: time (UTC, ISO 8601), level, logger,
    message; for Beacon's events also `event` and `fields`; and `exception` when there is one.
    It formats what the privacy filter left, so it must run after it (as every handler of
    `configure` does)."""

    def __init__(self, worker: int | None = None) -> None:
        """Name `worker` (WORKER_ID) in every line when it is set."""
        super().__init__()
        self.worker = worker

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        at = dt.datetime.fromtimestamp(record.created, dt.UTC)
        body: dict[str, object] = {
            "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.worker is not None:
            body["worker"] = self.worker
        name = getattr(record, EVENT, None)
        if isinstance(name, str):
            body["event"] = name
            body["fields"] = getattr(record, FIELDS, {})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            body["exception"] = record.exc_text
        return json.dumps(body, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def formatter(kind: str, worker: int | None = None) -> logging.Formatter:
    """Return the formatter of a LOG_FORMAT: "text" (readable lines) or "json"; each line
    names `worker` (WORKER_ID) when it is set."""
    if kind == "json":
        return JsonFormatter(worker)
    named = (
        TEXT_FORMAT
        if worker is None
        else TEXT_FORMAT.replace("%(name)s", f"worker={worker} %(name)s")
    )
    return logging.Formatter(named)


def configure(level: str = "INFO", kind: str = "text", worker: int | None = None) -> None:
    """Send logs to stderr through the privacy filter, as text lines or JSON (`kind`), each
    naming `worker` when it is set."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PrivacyFilter())
    handler.setFormatter(formatter(kind, worker))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for library in PAYLOAD_LIBRARIES:
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
