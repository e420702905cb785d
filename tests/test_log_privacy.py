"""At DEBUG, no library log line carries an update's content, a user's text or id, or the bot
token, even when a library fails to parse a poisoned update; Beacon's own lines read as written."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy
import telegram
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import BackoffConfig
from asyncpg.exceptions import DataError
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from telegram.request import HTTPXRequest

from bot.logs import HIDDEN, configure, event, redact
from bot.storage.database import make_engine
from bot.testing.fake_telegram import FakeTelegram

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake1"
TEXT = "MARKER-my-boss-keeps-my-passport"
NAME = "MARKER-Ana-Martinez"
USER_ID = 987654321
SECRETS = (TEXT, NAME, str(USER_ID), TOKEN, "MARKER")
POISONED: dict[str, Any] = {
    "update_id": 5,
    "message": {  # no "date", and a sender without "is_bot": neither library can read it
        "message_id": 7,
        "chat": {"id": USER_ID, "type": "private", "first_name": NAME},
        "from": {"id": USER_ID, "first_name": NAME},
        "text": TEXT,
    },
}


def assert_private(output: str) -> None:
    """Fail if any marker, the user's id or the token is in the output."""
    assert output, "nothing was logged"
    leaked = [secret for secret in SECRETS if secret in output]
    assert leaked == [], output


def poisoned_update_error() -> ValidationError:
    """Return the error pydantic raises when aiogram reads the poisoned update."""
    with pytest.raises(ValidationError) as caught:
        Update.model_validate(POISONED)
    return caught.value


def test_the_poisoned_update_really_carries_the_markers_into_exceptions() -> None:
    """Without the filter, the libraries' exceptions would print the user's text and id."""
    assert TEXT[-10:] in str(poisoned_update_error())
    assert str(USER_ID) in str(poisoned_update_error())


def test_pydantic_errors_lose_their_input_values(capsys: pytest.CaptureFixture[str]) -> None:
    """aiogram logging a handler's failure on the poisoned update (a ValidationError, whose
    input_value holds the message) keeps the error's location and kind, not the values."""
    configure("DEBUG")
    error = poisoned_update_error()
    log = logging.getLogger("aiogram.event")
    try:
        raise error
    except ValidationError as caught:
        log.exception(
            "Cause exception while process update id=%d by bot id=%d\n%s: %s",
            5, 123456789, type(caught).__name__, caught,
        )  # fmt: skip
    output = capsys.readouterr().err
    assert_private(output)
    assert "message.from.is_bot" in output and f"input_value={HIDDEN}" in output


async def test_aiogram_polling_a_poisoned_update_logs_no_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """aiogram's dispatcher, polling a fake Telegram that serves the poisoned update, logs its
    ClientDecodeError (which prints the whole response after `Content:`) without the content."""
    configure("DEBUG")
    async with FakeTelegram(TOKEN) as fake:
        fake.enqueue(POISONED)
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        bot, dispatcher = Bot(TOKEN, session=session), Dispatcher()
        backoff = BackoffConfig(min_delay=0.05, max_delay=0.1, factor=1.5, jitter=0.0)
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot, polling_timeout=0, backoff_config=backoff, handle_signals=False
            )
        )
        async with asyncio.timeout(10):
            while len(fake.calls_to("getUpdates")) < 2:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.02)
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()
    output = capsys.readouterr().err
    assert_private(output)
    assert "Failed to fetch updates - ClientDecodeError" in output
    assert f"Content: {HIDDEN}" in output


def test_an_undecodable_response_is_logged_without_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A response aiogram cannot decode as JSON is logged with its error, not its text."""
    configure("DEBUG")
    content = f'{{"ok": true, "result": [{{"update_id": 5, "message": {{"text": "{TEXT}"'
    bot = Bot(TOKEN)
    with pytest.raises(ClientDecodeError) as caught:
        bot.session.check_response(bot, GetUpdates(), 200, content)
    logging.getLogger("aiogram.dispatcher").error(
        "Failed to fetch updates - %s: %s", type(caught.value).__name__, caught.value
    )
    output = capsys.readouterr().err
    assert_private(output)
    assert "Failed to decode object" in output


async def test_python_telegram_bot_parsing_a_poisoned_update_logs_no_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """python-telegram-bot, failing to parse the poisoned update from getUpdates, logs
    "Received data was" (with every update in the batch) and a traceback: neither holds it."""
    configure("DEBUG")
    async with FakeTelegram(TOKEN) as fake, telegram.Bot(TOKEN, f"{fake.base_url}/bot") as bot:
        fake.enqueue(POISONED)
        with pytest.raises(TypeError):
            await bot.get_updates()
    output = capsys.readouterr().err
    assert_private(output)
    assert f"Error while parsing updates! Received data was {HIDDEN}" in output
    assert "TypeError: User.__init__() missing 1 required positional argument" in output


def test_an_undecodable_response_to_python_telegram_bot_is_logged_without_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """python-telegram-bot, given a response it cannot decode, logs that it could not, and not
    the response (its own log line quotes it whole)."""
    configure("DEBUG")
    cut = f'[{{"update_id": 5, "message": {{"text": "{TEXT}",\n"chat": {{"id": {USER_ID}'
    with pytest.raises(telegram.error.TelegramError):
        HTTPXRequest.parse_json_payload(cut.encode())
    output = capsys.readouterr().err
    assert_private(output)
    assert f"Can not load invalid JSON data: {HIDDEN}" in output


def test_updates_printed_as_objects_are_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    """An update a library prints as an object (python-telegram-bot's repr, aiogram's str) is
    hidden from its class name on."""
    configure("DEBUG")
    readable = {**POISONED, "message": {**POISONED["message"], "date": 0}}
    readable["message"]["from"] = {**readable["message"]["from"], "is_bot": False}
    ptb_update = telegram.Update.de_json(readable, None)
    logging.getLogger("telegram.ext.Application").critical(
        "Error while building CallbackContext for update %s. Update will not be processed.",
        ptb_update,
    )
    logging.getLogger("aiogram.event").error("Failed on %s", Update.model_validate(readable))
    output = capsys.readouterr().err
    assert_private(output)
    assert f"for update {HIDDEN}" in output and f"Failed on update_id=5 message={HIDDEN}" in output


def test_a_rejected_webhook_body_is_logged_without_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """python-telegram-bot's webhook handler, refusing the poisoned update, logs that it was not
    processed, and not what it was."""
    configure("DEBUG")
    with pytest.raises(TypeError) as caught:
        telegram.Update.de_json(POISONED, None)
    logging.getLogger("telegram.ext.Updater").critical(
        "Something went wrong processing the data received from Telegram. "
        "Received data was *not* processed! Received data was: %r",
        POISONED,
        exc_info=caught.value,
    )
    output = capsys.readouterr().err
    assert_private(output)
    assert f"Received data was *not* processed! Received data was: {HIDDEN}" in output


def test_database_errors_lose_their_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    """A database error raised while handling an update (SQLAlchemy prints `[parameters: ...]`,
    asyncpg the value it could not bind) is logged by a library without those values."""
    configure("DEBUG")
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE names (name TEXT UNIQUE)"))
        insert = sqlalchemy.text("INSERT INTO names VALUES (:name)")
        connection.execute(insert, {"name": NAME})
        with pytest.raises(sqlalchemy.exc.IntegrityError) as duplicate:
            connection.execute(insert, {"name": NAME})
    assert NAME in str(duplicate.value)
    # asyncpg's wording (asyncpg/protocol/prepared_stmt.pyx); making it needs a PostgreSQL.
    unbound = DataError(f"invalid input for query argument $1: '{TEXT}' (expected int, got str)")
    log = logging.getLogger("aiogram.event")
    for error in (duplicate.value, unbound):
        try:
            raise error
        except Exception as caught:
            log.exception("Cause exception while process update id=%d: %s", 5, caught)
    output = capsys.readouterr().err
    assert_private(output)
    assert f"[parameters: {HIDDEN}" in output and "UNIQUE constraint failed" in output


async def test_aiosqlite_logs_no_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    """Even at DEBUG, aiosqlite (which logs each call with its SQL parameters) says nothing."""
    configure("DEBUG")
    async with aiosqlite.connect(":memory:") as connection:
        await connection.execute("SELECT ?", (NAME,))
    assert logging.getLogger("aiosqlite").getEffectiveLevel() >= logging.WARNING
    logging.getLogger("aiosqlite").warning("aiosqlite warnings still show")
    assert_private(capsys.readouterr().err)


def test_a_broken_library_format_string_prints_no_arguments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A library record whose arguments do not fit its format is logged as the bare format,
    without raising and without the arguments (logging's own error report would print them)."""
    configure("DEBUG")
    broken = "Error handling request %s %s"
    logging.getLogger("aiohttp.server").error(broken, TEXT)
    output = capsys.readouterr().err
    assert_private(output)
    assert "Error handling request %s %s" in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('body {"text": "MARKER", "id": 1}', f"body {HIDDEN}"),
        ("state={'text': 'MARKER'} more", f"state={HIDDEN}"),
        ("user 987654321 in chat -1001234567890", "user <id> in chat -<id>"),
        ("Content: {\n  'text': 'MARKER'\n}\n", f"Content: {HIDDEN}"),
        ("Received data was *not* processed!", "Received data was *not* processed!"),
        ("a [type=missing, input_value='MARKER', input_type=str]\nb", f"a [type=missing, "
         f"input_value={HIDDEN}\nb"),
        (f"POST /bot{TOKEN}/getMe", "POST /bot<redacted-token>/getMe"),
        ("HTTPServerRequest(protocol='http', uri='/x')", HIDDEN),
        ("[SQL: INSERT INTO t VALUES (?)]\n[parameters: ('MARKER',)]\n(Background",
         f"[SQL: INSERT INTO t VALUES (?)]\n[parameters: {HIDDEN}\n(Background"),
        ("Update id=5 is handled. Duration 3 ms", "Update id=5 is handled. Duration 3 ms"),
    ],
)  # fmt: skip
def test_library_text_is_redacted(text: str, expected: str) -> None:
    """Each rule hides what it names and leaves the words around it."""
    assert redact(text) == expected


def test_beacon_lines_read_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """Beacon's own event lines keep their ids (update ids, counts); only a token is scrubbed."""
    configure("DEBUG")
    log = logging.getLogger("beacon.telegram")
    event(log, "update_unreadable", update_id=123456789)
    event(log, "update_ignored", update_id=2147483647, reason="malformed_message")
    log.warning("token %s", TOKEN)
    output = capsys.readouterr().err
    assert "beacon.telegram update_unreadable update_id=123456789\n" in output
    assert "update_ignored update_id=2147483647 reason=malformed_message\n" in output
    assert TOKEN not in output and "token <redacted-token>" in output


async def test_a_database_error_never_carries_the_statement_parameters(tmp_path: Path) -> None:
    """An error from Beacon's engine names the statement but not its values (a typed name)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(text("SELECT * FROM nowhere WHERE x = :n"), {"n": NAME})
    finally:
        await engine.dispose()
    assert NAME not in str(failed.value)


@pytest.mark.parametrize("kind", ["text", "json"])
def test_both_log_formats_pass_through_the_same_filter(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """In LOG_FORMAT=text and json alike, a library's record loses the update it carries (in
    its message and its traceback), and Beacon's event loses the token (in its fields too);
    JSON is one object a line, with the event's name and fields apart."""
    configure("DEBUG", kind)
    try:
        raise poisoned_update_error()
    except ValidationError:
        logging.getLogger("aiogram.event").exception("Failed on update %s", POISONED)
    event(logging.getLogger("beacon.telegram"), "started", token=TOKEN, update_id=5)
    output = capsys.readouterr().err
    assert_private(output)
    lines = output.strip().splitlines()
    if kind == "text":
        assert "beacon.telegram started token=<redacted-token> update_id=5" in output
        return
    records = [json.loads(line) for line in lines]
    assert len(records) == 2
    library, beacon = records
    assert library["logger"] == "aiogram.event" and library["level"] == "ERROR"
    assert library["message"] == f"Failed on update {HIDDEN}"
    assert "ValidationError" in library["exception"]
    assert beacon["event"] == "started"
    assert beacon["fields"] == {"token": "<redacted-token>", "update_id": "5"}
    assert beacon["time"].endswith("Z")
