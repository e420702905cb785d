"""Logging as `event key=value` lines, with bot tokens scrubbed from anything a library logs."""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "<redacted-token>"
QUIET_LIBRARIES = (
    "httpx",
    "httpcore",
    "aiogram.event",
    "aiohttp.access",
    "tornado.access",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "alembic",
)
"""Loggers that log every request (httpx logs URLs, which contain the token; SQLAlchemy logs
statements with their parameters, such as a certificate's name) or, like Alembic, two lines on
every start: warnings only."""
PAYLOAD_LIBRARIES = ("telegram", "aiogram", "aiohttp", "httpx", "httpcore", "tornado", "sqlalchemy")
"""Libraries whose DEBUG logs print updates, requests or SQL parameters: never below INFO."""


def scrub(text: str) -> str:
    """Replace anything shaped like a Telegram bot token."""
    return _TOKEN.sub(REDACTED, text)


class TokenScrubber(logging.Filter):
    """Rewrites each record so that no bot token reaches a handler (URLs contain it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record's message once, scrubbed, and drop its arguments."""
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def event(
    logger: logging.Logger, name: str, *, level: int = logging.INFO, **fields: object
) -> None:
    """Log an event name with fields; callers pass ids and counts, never message text."""
    rendered = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.log(level, "%s %s", name, rendered)


def configure(level: str = "INFO") -> None:
    """Send logs to stderr through the token scrubber."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TokenScrubber())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for library in PAYLOAD_LIBRARIES:
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
