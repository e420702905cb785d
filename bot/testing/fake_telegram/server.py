"""FakeTelegram: a local Bot API server that real aiogram and python-telegram-bot clients use."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.testing.fake_telegram.bot_info import BotInfo
from bot.testing.fake_telegram.delivery import Delivery
from bot.testing.fake_telegram.faults import DROP, FaultPlan, FaultRule
from bot.testing.fake_telegram.flood import FloodControl, FloodLimits
from bot.testing.fake_telegram.messaging import Messaging
from bot.testing.fake_telegram.models import (
    ApiError,
    Call,
    Context,
    FakeChat,
    FakeUser,
    Handler,
    JsonObject,
    Push,
    bad_request,
)
from bot.testing.fake_telegram.simulate import Simulator
from bot.testing.fake_telegram.spec import BotApiSpec, load_spec
from bot.testing.fake_telegram.world import World

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "answerCallbackQuery", "sendPoll"})
UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found: method not found")


def _json_response(status: int, body: JsonObject) -> web.Response:
    """Return a JSON response as the Bot API sends it."""
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


def _is_attachment(key: str, params: Mapping[str, Any]) -> bool:
    """Return whether a field is an uploaded file that another field refers to as attach://."""
    if not isinstance(params[key], web.FileField):
        return False
    reference = f"attach://{key}"
    return any(isinstance(value, str) and reference in value for value in params.values())


def _chat_of(params: JsonObject) -> int | None:
    """Return a call's numeric chat id, if it has one."""
    chat = params.get("chat_id")
    try:
        return int(chat) if chat is not None else None
    except (TypeError, ValueError):
        return None


class FakeTelegram:
    """A fake Telegram Bot API on 127.0.0.1 with simulated users, spec checks and faults."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int = 123456,
        bot_username: str = "BeaconTestBot",
        spec_path: Path | None = None,
        seed: int = 0,
        strict: bool = True,
    ) -> None:
        """Prepare a server for one bot; nothing listens until start()."""
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.strict = strict
        self.spec: BotApiSpec = load_spec(spec_path)
        self.base_url = ""
        self.calls: list[Call] = []
        self.uploads: list[tuple[str, str, bytes]] = []
        """Files the bot uploaded: (method, file name, bytes), oldest first."""
        self.violations: list[str] = []
        self.pushes: list[Push] = []
        self.world = World(
            bot_user={
                "id": bot_id,
                "is_bot": True,
                "first_name": "Beacon Test",
                "username": bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        self._faults = FaultPlan(seed)
        self.flood: FloodControl | None = None
        """Telegram's flood control when enforced (see `enforce_limits`), else None."""
        self._simulator = Simulator(self.world)
        self._messaging = Messaging(self.world)
        self._delivery = Delivery(self.world.queue, self.pushes, self._webhook_reply)
        self._handlers: dict[str, Handler] = {
            **self._messaging.handlers(),
            **BotInfo(self.world).handlers(),
            **self._delivery.handlers(),
        }
        self._runner: web.AppRunner | None = None
        self.gate: asyncio.Event | None = None
        """When set to an event, every call waits for it before it is answered (holds calls in
        flight, to see how many a client sends at once)."""
        self.in_flight = 0
        """Calls received and not yet answered."""
        self.most_in_flight = 0
        """The most calls that were in flight at once."""
        self.peers: set[tuple[str, int]] = set()
        """Every client address (host, port) a call came from: one per connection."""

    # Lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and set base_url."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """End long polls, stop webhook pushing and close the server."""
        self.world.queue.close()
        await self._delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        """Start the server for an async with block."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server at the end of an async with block."""
        await self.stop()

    # HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one Bot API request (once the gate is open, when there is one), counting it
        in flight meanwhile."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer is not None:
            self.peers.add((str(peer[0]), int(peer[1])))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        """Answer one Bot API request."""
        at = time.monotonic()
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self._record(name, {}, at, UNAUTHORIZED)
            return _json_response(401, UNAUTHORIZED.body())
        try:
            params = await self._read_params(request, name)
        except ConnectionResetError:  # the caller went away mid-body, as a killed bot does
            return web.Response(status=400)
        except ApiError as error:
            self.violations.append(f"{name}: {error.description.removeprefix('Bad Request: ')}")
            self._record(name, {}, at, error)
            return _json_response(error.status, error.body())
        status, body = await self._execute(name, params, at)
        if status == DROP:
            if request.transport is not None:
                request.transport.abort()  # aiohttp then fails to write this and stays quiet
            return web.Response(status=500)
        return _json_response(status, body)

    async def _read_params(self, request: web.Request, method: str) -> JsonObject:
        """Return a request's parameters from its query string and JSON, form or multipart body."""
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            return self.spec.decode_params(method, raw) | body
        if request.body_exists:
            raw.update(await request.post())
        for value in raw.values():
            if isinstance(value, web.FileField):
                self.uploads.append((method, value.filename, value.file.read()))
                value.file.seek(0)
        params = self.spec.decode_params(method, raw)
        return {key: value for key, value in params.items() if not _is_attachment(key, params)}

    async def _webhook_reply(self, method: str, params: JsonObject, form: bool) -> None:
        """Execute a method call a webhook answered with, as Telegram does."""
        decoded = self.spec.decode_params(method, params) if form else params
        await self._execute(method, decoded, time.monotonic())

    async def _execute(self, name: str, params: JsonObject, at: float) -> tuple[int, JsonObject]:
        """Check, maybe fault, and run one call; return its status (0: drop) and JSON body."""
        method = self.spec.canonical(name)
        if method is None:
            self._record(name, params, at, NOT_FOUND)
            return NOT_FOUND.status, NOT_FOUND.body()
        problems = self.spec.check_request(method, params)
        self.violations.extend(f"{method}: {problem}" for problem in problems)
        if problems and self.strict:
            error = bad_request(problems[0])
            self._record(method, params, at, error)
            return error.status, error.body()
        fault = self._faults.roll(method)
        if fault is not None:
            self._record(method, params, at, fault)
            return (fault.status, fault.body()) if isinstance(fault, ApiError) else (DROP, {})
        refusal = self._flooded(method, params, at)
        if refusal is not None:
            self._record(method, params, at, refusal, _chat_of(params))
            return refusal.status, refusal.body()
        ctx = Context(params, at)
        try:
            self._messaging.check_blocked(method, params)
            handler = self._handlers.get(method) or self._messaging.fallback(
                method, self.spec.returns[method]
            )
            result = await handler(ctx) if handler is not None else True
        except ApiError as error:
            self._record(method, params, at, error, ctx.chat_id)
            return error.status, error.body()
        except (KeyError, TypeError, ValueError) as problem:
            refusal = bad_request(f"invalid request: {problem!r}")
            self._record(method, params, at, refusal, ctx.chat_id)
            return refusal.status, refusal.body()
        self.calls.append(Call(method, params, 200, at, result, None, ctx.chat_id))
        if method in REPLY_METHODS and ctx.chat_id is not None:
            self.world.chats.get(ctx.chat_id).note_reply(at)
        return 200, {"ok": True, "result": result}

    def _flooded(self, method: str, params: JsonObject, at: float) -> ApiError | None:
        """Return the 429 for a send over the enforced limits, if any."""
        if self.flood is None:
            return None
        return self.flood.check(method, _chat_of(params), at)

    def _record(
        self,
        method: str,
        params: JsonObject,
        at: float,
        outcome: ApiError | int,
        chat_id: int | None = None,
    ) -> None:
        """Record a call that did not succeed, with its status and description."""
        if isinstance(outcome, ApiError):
            call = Call(method, params, outcome.status, at, None, outcome.description, chat_id)
        else:
            call = Call(method, params, outcome, at, None, "connection dropped", chat_id)
        self.calls.append(call)

    # Configuration

    def group(self, chat_id: int, title: str, *, username: str | None = None) -> FakeChat:
        """Return a supergroup the bot is in, for users to talk in via chat=."""
        chat = FakeChat(chat_id, "supergroup", title, username)
        self.world.add_group(chat)
        return chat

    def block(self, user_id: int) -> None:
        """Make sends to this user's private chat fail with 403 (bot blocked by the user)."""
        self.world.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """Let the bot send to this user's private chat again."""
        self.world.blocked.discard(user_id)

    def set_admins(self, chat_id: int, user_ids: Sequence[int]) -> None:
        """Set the administrators getChatAdministrators and getChatMember report for a chat."""
        self.world.admins[chat_id] = list(user_ids)

    def set_faults(
        self,
        methods: Iterable[str],
        *,
        rate_429: float = 0,
        rate_500: float = 0,
        rate_drop: float = 0,
        retry_after: int = 1,
    ) -> None:
        """Fail shares of calls to these methods with 429, 500 or a dropped connection."""
        rule = FaultRule(float(rate_429), float(rate_500), float(rate_drop), retry_after)
        names = []
        for method in methods:
            name = self.spec.canonical(method)
            if name is None:
                raise ValueError(f"unknown Bot API method {method!r}")
            names.append(name)
        self._faults.set(names, rule)

    def enforce_limits(self, limits: FloodLimits | None = None) -> FloodControl:
        """Answer 429 (with retry_after) to sends over Telegram's limits from now on: the bot's
        rate, a private chat's, a group's (`limits`, Telegram's by default); return the control,
        which counts the 429s it gave (`refused`)."""
        self.flood = FloodControl(limits or FloodLimits())
        return self.flood

    @property
    def rate_limited(self) -> int:
        """Return how many 429s the enforced limits gave (0 when not enforced)."""
        return 0 if self.flood is None else self.flood.refused

    def clear_faults(self) -> None:
        """Stop injecting faults."""
        self._faults.clear()

    # Simulated users

    def send_text(self, user: FakeUser, text: str, *, chat: FakeChat | None = None) -> int:
        """Queue a text message from a user (private chat unless chat is given); return its id."""
        return self._simulator.send_text(user, text, chat=chat)

    def tap(
        self, user: FakeUser, message_id: int | None, data: str, *, chat: FakeChat | None = None
    ) -> int:
        """Queue a button press on a bot message (None: one the server did not keep)."""
        return self._simulator.tap(user, message_id, data, chat=chat)

    def send_media(self, user: FakeUser, kind: str, *, chat: FakeChat | None = None) -> int:
        """Queue a media message (sticker, photo, voice, document, location, ...); return its id."""
        return self._simulator.send_media(user, kind, chat=chat)

    def edit_text(
        self, user: FakeUser, message_id: int, new_text: str, *, chat: FakeChat | None = None
    ) -> int:
        """Queue an edit of a user's own text message; return the update id."""
        return self._simulator.edit_text(user, message_id, new_text, chat=chat)

    def channel_post(self, chat_id: int, text: str) -> int:
        """Queue a post in a channel; return the update id."""
        return self._simulator.channel_post(chat_id, text)

    def my_chat_member(
        self, user: FakeUser, old_status: str, new_status: str, *, chat: FakeChat | None = None
    ) -> int:
        """Queue a change of the bot's status in a chat (e.g. "member" to "kicked")."""
        return self._simulator.my_chat_member(user, old_status, new_status, chat=chat)

    def poll_answer(self, user: FakeUser, poll_id: str, option_ids: Sequence[int]) -> int:
        """Queue a user's vote in a poll; return the update id."""
        return self._simulator.poll_answer(user, poll_id, option_ids)

    def enqueue(self, update: Mapping[str, Any]) -> int:
        """Queue any other update (its update_id is assigned); return the id."""
        return self._simulator.enqueue(dict(update))

    # Inspection

    @property
    def update_times(self) -> dict[int, float]:
        """Return when each update was queued (time.monotonic()), by update id."""
        return self.world.queue.update_times

    @property
    def webhook_url(self) -> str:
        """Return the webhook URL set by the bot, or an empty string when polling."""
        return self._delivery.webhook_url

    async def wait_delivered(self, update_id: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Return once an update was handed to the bot; raise TimeoutError after timeout s."""
        await self.world.queue.wait_delivered(update_id, timeout)

    def delivered_at(self, update_id: int) -> float | None:
        """Return when an update was first handed to the bot (time.monotonic()), if it was."""
        return self.world.queue.delivered_at(update_id)

    def first_reply_after(self, update_id: int) -> float | None:
        """Return when the first reply to the update's chat arrived after it was delivered."""
        delivered = self.world.queue.delivered_at(update_id)
        chat_id = self.world.queue.update_chats.get(update_id)
        if delivered is None or chat_id is None:
            return None
        return self.world.chats.get(chat_id).first_reply_from(delivered)

    def transcript(self, chat_id: int) -> list[JsonObject]:
        """Return what the user saw from the bot in a chat since the last transcript_reset."""
        return self.world.chats.transcript(chat_id)

    def transcript_reset(self, chat_id: int) -> None:
        """Start a chat's transcript afresh."""
        self.world.chats.get(chat_id).transcript.clear()

    def messages(self, chat_id: int) -> list[JsonObject]:
        """Return the bot messages still in a chat: id, text and reply_markup, oldest first."""
        return self.world.chats.messages(chat_id)

    def last_keyboard(self, chat_id: int) -> list[list[JsonObject]]:
        """Return the inline buttons of the newest bot message in a chat that has some."""
        return self.world.chats.last_keyboard(chat_id)

    def calls_to(self, method: str) -> list[Call]:
        """Return the recorded calls of one method (any spelling), in order."""
        name = self.spec.canonical(method) or method
        return [call for call in self.calls if call.method == name]
