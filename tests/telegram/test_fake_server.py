"""The fake Telegram server, driven by the real aiogram and python-telegram-bot clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiohttp import web

from bot.testing.fake_telegram import (
    FakeTelegram,
    FakeUser,
    check_request,
    decode_params,
    default_spec_path,
)
from bot.testing.fake_telegram.builders import MEDIA_KINDS
from bot.testing.fake_telegram.html_text import parse_html

ANN = FakeUser(42, "Ann", username="ann")
BOB = FakeUser(77, "Bob", language_code="de")
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
Json = dict[str, Any]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A running fake Telegram."""
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def aiogram_bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    """An aiogram Bot talking to the fake server."""
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        yield bot
    finally:
        await bot.session.close()


async def call_api(
    tg: FakeTelegram, method: str, body: Json | None = None, *, token: str | None = None
) -> tuple[int, Json]:
    """POST a JSON body to a method of the fake server and return the status and answer."""
    url = f"{tg.base_url}/bot{token or tg.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, json=body or {}) as answer:
        data: Json = await answer.json()
        return answer.status, data


def assert_results_match_spec(tg: FakeTelegram) -> None:
    """Check that every successful result has the shape api.json documents."""
    for call in tg.calls:
        if call.status == 200:
            assert tg.spec.check_result(call.method, call.result) == [], call


def assert_updates_match_spec(tg: FakeTelegram, updates: list[Json]) -> None:
    """Check simulated updates strictly against the Update type (no unknown fields)."""
    for update in updates:
        assert tg.spec.check_value(update, ("Update",)) == [], update


def test_default_spec_path_finds_the_shared_reference() -> None:
    """The reference is found beside the repository, in shared/."""
    path = default_spec_path()
    assert path.parts[-3:] == ("shared", "telegram-bot-api", "api.json")


async def test_aiogram_round_trip(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """aiogram sends, edits, answers and deletes; long polling hands over updates in order."""
    me = await aiogram_bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "BeaconTestBot", True)

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="yes")]]
    )
    sent = await aiogram_bot.send_message(
        ANN.id, "<b>Hello</b> &amp; welcome", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "Hello & welcome"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "yes"

    poll = asyncio.create_task(aiogram_bot.get_updates(offset=0, timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done(), "getUpdates returned before any update was queued"
    typed = tg.send_text(ANN, "/start")
    first = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in first] == [typed]
    message = first[0].message
    assert message is not None and message.text == "/start"
    assert message.entities is not None and message.entities[0].type == "bot_command"

    edited = await aiogram_bot.edit_message_text(
        "Sure?", chat_id=ANN.id, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool) and edited.text == "Sure?"
    tapped = tg.tap(ANN, sent.message_id, "yes")
    second = await aiogram_bot.get_updates(offset=typed + 1, timeout=1)
    assert [u.update_id for u in second] == [tapped]
    query = second[0].callback_query
    assert query is not None and query.data == "yes"
    assert query.message is not None and getattr(query.message, "text", None) == "Sure?"
    await tg.wait_delivered(tapped, timeout=1)

    assert await aiogram_bot.answer_callback_query(query.id, text="Noted")
    assert await aiogram_bot.set_my_commands([BotCommand(command="start", description="Begin")])
    assert [c.command for c in await aiogram_bot.get_my_commands()] == ["start"]
    assert tg.last_keyboard(ANN.id) == [[{"text": "Yes", "callback_data": "yes"}]]
    assert await aiogram_bot.delete_messages(ANN.id, [sent.message_id])

    assert tg.transcript(ANN.id) == [
        {"text": "Hello & welcome", "buttons": [["Yes"]]},
        {"text": "Sure?", "buttons": [["Yes"]], "replace": True},
        {"tap_answer": "Noted"},
        {"erase_chat": True},
    ]
    assert tg.messages(ANN.id) == []
    reply_at = tg.first_reply_after(tapped)
    assert reply_at is not None and reply_at >= tg.update_times[tapped]
    assert tg.violations == []
    assert_results_match_spec(tg)


async def test_python_telegram_bot_round_trip(tg: FakeTelegram) -> None:
    """python-telegram-bot makes the same calls through its httpx transport."""
    bot = telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot")
    async with bot:
        assert bot.username == "BeaconTestBot"
        markup = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("Yes", callback_data="yes")]]
        )
        sent = await bot.send_message(
            ANN.id, "<i>Hi</i> &lt;there&gt;", parse_mode="HTML", reply_markup=markup
        )
        assert sent.text == "Hi <there>"
        edited = await bot.edit_message_text("Sure?", chat_id=ANN.id, message_id=sent.message_id)
        assert isinstance(edited, telegram.Message) and edited.reply_markup is None
        typed = tg.send_text(ANN, "hello")
        tapped = tg.tap(ANN, sent.message_id, "yes")
        updates = await bot.get_updates(timeout=1)
        assert [u.update_id for u in updates] == [typed, tapped]
        query = updates[1].callback_query
        assert query is not None and query.data == "yes"
        assert await bot.answer_callback_query(query.id)
        assert await bot.set_my_commands([telegram.BotCommand("help", "How it works")])
        assert await bot.delete_messages(ANN.id, [sent.message_id])
        assert await bot.get_updates(offset=tapped + 1, timeout=0) == ()
    assert tg.transcript(ANN.id) == [
        {"text": "Hi <there>", "buttons": [["Yes"]]},
        {"text": "Sure?", "replace": True},
        {"tap_answer": None},
        {"erase_chat": True},
    ]
    assert tg.violations == []
    assert_results_match_spec(tg)


@pytest.mark.parametrize(
    ("method", "body", "problem"),
    [
        ("sendMessage", {"chat_id": 1, "text": "hi", "colour": "red"}, "unknown field colour"),
        ("sendMessage", {"text": "hi"}, "missing required field chat_id"),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]},
            },
            "BUTTON_DATA_INVALID",
        ),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "message is too long"),
        ("sendMessage", {"chat_id": 1, "text": "  "}, "message text is empty"),
        ("answerCallbackQuery", {"callback_query_id": "1", "text": "x" * 201}, "0-200"),
        ("sendMessage", {"chat_id": 1, "text": "a < b", "parse_mode": "HTML"}, "can't parse"),
        ("sendMessage", {"chat_id": "1", "text": 5}, "field text must be String, got Integer"),
        ("sendPoll", {"chat_id": 1, "question": "q?", "options": []}, "1-12 items"),
        ("setMyCommands", {"commands": [{"command": "Go", "description": "d"}]}, "[a-z0-9_]"),
    ],
)
async def test_spec_violations_are_refused(
    tg: FakeTelegram, method: str, body: Json, problem: str
) -> None:
    """Each broken request is recorded as a violation and answered 400 in strict mode."""
    status, answer = await call_api(tg, method, body)
    assert status == 400
    assert answer["ok"] is False and answer["error_code"] == 400
    assert answer["description"].startswith("Bad Request: ")
    assert problem in answer["description"]
    assert len(tg.violations) >= 1 and tg.violations[0].startswith(f"{method}: ")
    assert tg.calls[-1].status == 400 and tg.messages(1) == []


async def test_escaped_html_passes_and_counts_visible_characters(tg: FakeTelegram) -> None:
    """Escaped HTML is fine, and the 4096 limit counts the text after entity parsing."""
    status, answer = await call_api(
        tg, "sendMessage", {"chat_id": 1, "text": "a &lt; b &amp; c", "parse_mode": "HTML"}
    )
    assert status == 200 and answer["result"]["text"] == "a < b & c"
    assert len(answer["result"]["text"]) == 9
    long_markup = "<b>" + "x" * 4096 + "</b>"
    status, _ = await call_api(
        tg, "sendMessage", {"chat_id": 1, "text": long_markup, "parse_mode": "html"}
    )
    assert status == 200
    assert tg.violations == []


async def test_lenient_mode_records_but_answers(tg: FakeTelegram) -> None:
    """With strict=False a violation is recorded and the call still goes through."""
    tg.strict = False
    status, answer = await call_api(tg, "sendMessage", {"chat_id": 1, "text": "hi", "x": 1})
    assert status == 200 and answer["result"]["text"] == "hi"
    assert tg.violations == ["sendMessage: unknown field x"]


async def test_form_encoded_requests_are_decoded_by_field_type(tg: FakeTelegram) -> None:
    """Form values become ints, bools and objects where the spec says so; strings stay strings."""
    form = {
        "chat_id": "42",
        "text": "123",
        "disable_notification": "true",
        "reply_markup": json.dumps(KEYBOARD),
    }
    url = f"{tg.base_url}/bot{tg.token}/sendMessage"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as answer:
        assert answer.status == 200
    params = tg.calls[-1].params
    assert params == {
        "chat_id": 42,
        "text": "123",
        "disable_notification": True,
        "reply_markup": KEYBOARD,
    }
    assert decode_params("sendMessage", {"chat_id": "@channel", "text": "{}"}) == {
        "chat_id": "@channel",
        "text": "{}",
    }


def test_check_request_reports_nested_problems() -> None:
    """Problems deep inside objects and arrays name their path."""
    problems = check_request(
        "sendMessage",
        {
            "chat_id": 1,
            "text": "hi",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "", "x": 1}]]},
        },
    )
    assert "unknown field reply_markup.inline_keyboard[0][0].x" in problems
    assert any("callback_data must be 1-64 bytes, got 0" in p for p in problems)
    assert check_request("nope", {}) == ["unknown method nope"]
    assert check_request("sendPoll", {"chat_id": 1, "question": "q", "options": ["a", "b"]}) == []


@pytest.mark.parametrize(
    ("source", "text", "error"),
    [
        (
            '<b>bold <i>both</i></b> <a href="https://x.org/?a=1&amp;b=2">link</a>',
            "bold both link",
            "",
        ),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> &#65;&#x42;', "st AB", ""),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", ""),
        ("<blockquote expandable>quote</blockquote>", "quote", ""),
        ("<b><i>x</b></i>", "", "unmatched end tag"),
        ("<span>x</span>", "", 'class "tg-spoiler"'),
        ("<br>", "", "unsupported start tag"),
        ("fish & chips", "", "unescaped '&'"),
        ("&nbsp;", "", "unsupported HTML entity"),
        ("2 > 1", "", "unescaped '>'"),
        ("<b>open", "", "can't find end tag"),
    ],
)
def test_html_is_checked_like_telegram(source: str, text: str, error: str) -> None:
    """Supported markup becomes plain text; anything else is a parse error."""
    parsed = parse_html(source)
    if error:
        assert len(parsed.errors) == 1 and error in parsed.errors[0]
        assert parsed.errors[0].startswith("can't parse entities: ")
    else:
        assert (parsed.text, parsed.errors) == (text, [])


async def test_faults_answer_429_and_store_nothing(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """A 429 fault carries retry_after and the message is not delivered."""
    tg.set_faults(["sendmessage"], rate_429=1, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as raised:
        await aiogram_bot.send_message(ANN.id, "hello")
    assert raised.value.retry_after == 3
    assert tg.messages(ANN.id) == [] and tg.transcript(ANN.id) == []
    assert [c.status for c in tg.calls] == [429]
    tg.clear_faults()
    await aiogram_bot.send_message(ANN.id, "hello")
    assert [m["text"] for m in tg.messages(ANN.id)] == ["hello"]


async def test_dropped_connections_store_nothing(tg: FakeTelegram) -> None:
    """A dropped call closes the connection without an answer, for aiogram and PTB alike."""
    tg.set_faults(["sendMessage"], rate_drop=1)
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(ANN.id, "hello")
    finally:
        await bot.session.close()
    async with telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot") as ptb:
        with pytest.raises(telegram.error.NetworkError):
            await ptb.send_message(ANN.id, "hello")
    assert tg.messages(ANN.id) == [] and tg.transcript(ANN.id) == []
    assert [c.status for c in tg.calls_to("sendMessage")] == [0, 0]


async def test_fault_choices_follow_the_seed() -> None:
    """The same seed fails the same calls; a 500 fault has Telegram's shape."""
    outcomes: list[list[int]] = []
    for _ in range(2):
        async with FakeTelegram(seed=7) as tg:
            tg.set_faults(["sendMessage"], rate_500=0.5)
            statuses = [
                (await call_api(tg, "sendMessage", {"chat_id": 1, "text": str(n)}))[0]
                for n in range(12)
            ]
            outcomes.append(statuses)
            assert len(tg.messages(1)) == statuses.count(200)
    assert outcomes[0] == outcomes[1] and set(outcomes[0]) == {200, 500}


async def test_webhook_pushes_updates_with_the_secret(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """After setWebhook updates are POSTed in order, retried on errors, and replies executed."""
    received: list[tuple[Json, str | None]] = []
    failures = {"left": 1}

    async def webhook(request: web.Request) -> web.Response:
        """Fail once, then accept updates and answer the first with a sendMessage call."""
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=502)
        update = await request.json()
        received.append((update, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        if len(received) == 1:
            return web.json_response({"method": "sendMessage", "chat_id": ANN.id, "text": "pong"})
        form = aiohttp.MultipartWriter("form-data")
        for name, value in (("method", "sendMessage"), ("chat_id", str(ANN.id)), ("text", "2")):
            form.append(value).set_content_disposition("form-data", name=name)
        return web.Response(body=form)

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert await aiogram_bot.set_webhook(url, secret_token="s3cret")
        first = tg.send_text(ANN, "ping")
        second = tg.send_media(ANN, "sticker")
        await tg.wait_delivered(first, timeout=2)
        await tg.wait_delivered(second, timeout=2)
        assert [update["update_id"] for update, _ in received] == [first, second]
        assert received[0][0]["message"]["text"] == "ping"
        assert {secret for _, secret in received} == {"s3cret"}
        assert [(p.update_id, p.status) for p in tg.pushes] == [
            (first, 502),
            (first, 200),
            (second, 200),
        ]
        assert tg.transcript(ANN.id) == [{"text": "pong"}, {"text": "2"}]
        assert [c.params["chat_id"] for c in tg.calls_to("sendMessage")] == [ANN.id, ANN.id]
        info = await aiogram_bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        with pytest.raises(TelegramConflictError):
            await aiogram_bot.get_updates()
        assert await aiogram_bot.delete_webhook()
        third = tg.send_text(ANN, "again")
        assert [u.update_id for u in await aiogram_bot.get_updates(timeout=1)] == [third]
    finally:
        await runner.cleanup()


async def test_webhook_pushes_chats_at_once_up_to_max_connections(
    tg: FakeTelegram, aiogram_bot: Bot
) -> None:
    """Pushes run on up to max_connections connections at once, one chat's one at a time and in
    order; a connection error is retried like a non-2xx answer."""
    flying: set[int] = set()
    widest = {"pushes": 0}
    seen: dict[int, list[int]] = {}
    refused = {"left": 2}

    async def webhook(request: web.Request) -> web.Response:
        """Hold each push a moment, noting which chats are in flight together."""
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        if refused["left"]:
            refused["left"] -= 1
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        assert chat not in flying
        flying.add(chat)
        widest["pushes"] = max(widest["pushes"], len(flying))
        await asyncio.sleep(0.05)
        flying.discard(chat)
        seen.setdefault(chat, []).append(update["update_id"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    people = [FakeUser(100 + n, f"P{n}") for n in range(6)]
    try:
        sent = {person.id: [tg.send_text(person, str(k)) for k in range(3)] for person in people}
        assert await aiogram_bot.set_webhook(f"http://127.0.0.1:{port}/hook", max_connections=4)
        for ids in sent.values():
            await tg.wait_delivered(ids[-1], timeout=5)
        assert seen == sent
        assert widest["pushes"] == 4
        assert sorted(p.status for p in tg.pushes).count(0) == 2
        info = await aiogram_bot.get_webhook_info()
        assert info.max_connections == 4 and info.pending_update_count == 0
    finally:
        await runner.cleanup()


async def test_wrong_token_and_unknown_method(tg: FakeTelegram) -> None:
    """A wrong token is 401, an unknown method 404, and method names ignore case."""
    status, answer = await call_api(tg, "getMe", token="999:wrong")
    assert (status, answer) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, answer = await call_api(tg, "getTheMoon")
    assert status == 404 and answer["description"] == "Not Found: method not found"
    status, answer = await call_api(tg, "GETME")
    assert status == 200 and answer["result"]["username"] == "BeaconTestBot"
    assert [c.method for c in tg.calls] == ["getMe", "getTheMoon", "getMe"]


async def test_simulated_updates_are_valid_for_both_clients(
    tg: FakeTelegram, aiogram_bot: Bot
) -> None:
    """Every kind of simulated update matches the spec and parses in aiogram and PTB."""
    group = tg.group(-100123, "Helpers")
    sent = await aiogram_bot.send_poll(ANN.id, "Which?", ["A", "B"], is_anonymous=False)
    assert sent.poll is not None
    tg.send_text(ANN, "/start@BeaconTestBot deep", chat=group)
    typed = tg.send_text(BOB, "hi")
    for kind in MEDIA_KINDS:
        tg.send_media(ANN, kind)
    tg.edit_text(BOB, 1, "hi again")
    tg.channel_post(-100999, "news")
    tg.my_chat_member(ANN, "member", "kicked")
    tg.poll_answer(ANN, sent.poll.id, [1])
    tg.enqueue({"message": {"message_id": 99, "date": 0, "chat": {"id": 5, "type": "private"}}})

    status, answer = await call_api(tg, "getUpdates", {"timeout": 0})
    assert status == 200
    raw: list[Json] = answer["result"]
    assert len(raw) == 7 + len(MEDIA_KINDS)
    assert_updates_match_spec(tg, raw)
    assert raw[0]["message"]["entities"][0]["length"] == len("/start@BeaconTestBot")
    assert raw[1]["update_id"] == typed and raw[1]["message"]["chat"]["type"] == "private"

    parsed = await aiogram_bot.get_updates(timeout=0)
    assert [u.update_id for u in parsed] == [u["update_id"] for u in raw]
    ptb = telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot")
    ptb_updates = [telegram.Update.de_json(u, ptb) for u in raw]
    kicked = ptb_updates[-3].my_chat_member
    assert kicked is not None and kicked.new_chat_member.status == "kicked"
    answer_update = ptb_updates[-2].poll_answer
    assert answer_update is not None and answer_update.option_ids == (1,)
    stopped = await aiogram_bot.stop_poll(ANN.id, sent.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [0, 1]
    assert tg.transcript(ANN.id) == [{"poll": "Which?", "options": ["A", "B"]}]
    assert_results_match_spec(tg)


async def test_bot_errors_match_telegram(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """Unknown messages, no-op edits and blocked users get Telegram's errors."""
    sent = await aiogram_bot.send_message(ANN.id, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await aiogram_bot.edit_message_text("same", chat_id=ANN.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await aiogram_bot.edit_message_text("new", chat_id=ANN.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await aiogram_bot.answer_callback_query("nope")
    tg.block(ANN.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await aiogram_bot.send_message(ANN.id, "still there?")
    assert tg.transcript(ANN.id) == [{"text": "same"}]
    assert tg.violations == []


async def test_uploads_get_minimal_media_messages(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """Unimplemented send methods still return a Message, and uploaded files pass the check."""
    photo = await aiogram_bot.send_photo(
        ANN.id, BufferedInputFile(b"png", "a.png"), caption="<b>pic</b>", parse_mode="HTML"
    )
    assert photo.photo and photo.caption == "pic"
    async with telegram.Bot(tg.token, base_url=f"{tg.base_url}/bot") as ptb:
        document = await ptb.send_document(ANN.id, b"%PDF", filename="a.pdf")
        assert document.document is not None
        assert await ptb.send_chat_action(ANN.id, "typing")
    assert [m["id"] for m in tg.messages(ANN.id)] == [photo.message_id, document.message_id]
    assert tg.violations == []
    assert_results_match_spec(tg)


async def test_admins_and_delivery_timeout(tg: FakeTelegram, aiogram_bot: Bot) -> None:
    """set_admins drives getChatAdministrators; an unfetched update times out waiting."""
    group = tg.group(-100555, "Team")
    tg.set_admins(group.id, [ANN.id])
    admins = await aiogram_bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [ANN.id]
    member = await aiogram_bot.get_chat_member(group.id, BOB.id)
    assert member.status == "member"
    waiting = tg.send_text(BOB, "anyone?")
    with pytest.raises(TimeoutError):
        await tg.wait_delivered(waiting, timeout=0.05)
    assert tg.first_reply_after(waiting) is None
    assert_results_match_spec(tg)


async def test_link_and_copy_buttons_follow_telegram_rules(
    tg: FakeTelegram, aiogram_bot: Bot
) -> None:
    """A URL button must be http(s) (no tel: links), a copy button at most 256 characters;
    the buttons that pass are kept with the message."""
    good = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Open", url="https://example.org/a")],
            [InlineKeyboardButton(text="Copy", copy_text=CopyTextButton(text="1-888-373-7888"))],
        ]
    )
    await aiogram_bot.send_message(ANN.id, "contacts", reply_markup=good)
    assert tg.last_keyboard(ANN.id) == [
        [{"text": "Open", "url": "https://example.org/a"}],
        [{"text": "Copy", "copy_text": {"text": "1-888-373-7888"}}],
    ]
    phone = InlineKeyboardButton(text="Call", url="tel:+18883737888")
    with pytest.raises(TelegramBadRequest, match="BUTTON_URL_INVALID"):
        await aiogram_bot.send_message(
            ANN.id, "call", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[phone]])
        )
    long_copy = InlineKeyboardButton(text="Copy", copy_text=CopyTextButton(text="9" * 257))
    with pytest.raises(TelegramBadRequest, match="BUTTON_COPY_TEXT_INVALID"):
        await aiogram_bot.send_message(
            ANN.id, "copy", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[long_copy]])
        )
