"""Webhook mode: push pending updates to the bot's URL over up to max_connections connections at
once (one chat's updates one at a time, in order), retrying each (with a capped backoff) until the
bot answers 2xx, as Telegram does, so a bot that restarts gets them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp

from bot.testing.fake_telegram.models import JsonObject, Push
from bot.testing.fake_telegram.updates import UpdateQueue, update_chat

log = logging.getLogger(__name__)

RETRY_DELAY = 0.02
RETRY_CAP = 1.0
PUSH_TIMEOUT = 10.0
MAX_CONNECTIONS = 40
"""Telegram's default for setWebhook's max_connections (it allows 1 to 100)."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

ReplyHandler = Callable[[str, JsonObject, bool], Awaitable[None]]


async def read_reply(response: aiohttp.ClientResponse) -> tuple[str, JsonObject, bool] | None:
    """Return the method call a webhook answered with (method, params, form-encoded), if any."""
    content_type = response.content_type
    if content_type == "application/json":
        try:
            body = await response.json()
        except (ValueError, aiohttp.ContentTypeError):
            return None
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {key: value for key, value in body.items() if key != "method"}
            return body["method"], params, False
        return None
    if content_type.startswith("multipart/"):
        fields: JsonObject = {}
        reader = aiohttp.MultipartReader.from_response(response)
        while True:
            part = await reader.next()
            if part is None:
                break
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                fields[part.name] = await part.text()
        method = fields.pop("method", None)
        return (method, fields, True) if isinstance(method, str) else None
    return None


class WebhookPusher:
    """A background task that POSTs pending updates to one URL: up to `connections` at once,
    oldest first, never two of one chat at a time."""

    def __init__(
        self,
        queue: UpdateQueue,
        session: aiohttp.ClientSession,
        url: str,
        secret: str | None,
        pushes: list[Push],
        on_reply: ReplyHandler,
        connections: int = MAX_CONNECTIONS,
    ) -> None:
        """Prepare to push updates from queue to url over up to `connections` connections,
        recording attempts in pushes."""
        self.queue = queue
        self.session = session
        self.url = url
        self.secret = secret
        self.pushes = pushes
        self.on_reply = on_reply
        self.last_error: tuple[int, str] | None = None
        self.connections = connections
        self._task: asyncio.Task[None] | None = None
        self._flights: dict[int, asyncio.Task[None]] = {}
        self._busy_chats: set[int] = set()
        self._landed = asyncio.Event()

    def start(self) -> None:
        """Start pushing in the background."""
        self._task = asyncio.create_task(self._run(), name=f"fake-telegram-webhook {self.url}")

    async def stop(self) -> None:
        """Stop pushing; an update being pushed stays pending."""
        task, self._task = self._task, None
        if task is None:
            return
        flights = list(self._flights.values())
        for running in (task, *flights):
            running.cancel()
        for running in (task, *flights):
            if running is not asyncio.current_task():
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        self._flights.clear()
        self._busy_chats.clear()

    async def _run(self) -> None:
        """Push updates until stopped, waiting while there are none or no connection is free."""
        while not self.queue.closed:
            self._landed.clear()
            arrived = asyncio.ensure_future(self.queue.arrival())
            landed = asyncio.ensure_future(self._landed.wait())
            self._launch()
            try:
                await asyncio.wait((arrived, landed), return_when=asyncio.FIRST_COMPLETED)
            finally:
                arrived.cancel()
                landed.cancel()

    def _launch(self) -> None:
        """Start pushing the oldest pending updates whose chat has none in flight, while a
        connection is free."""
        if len(self._flights) >= self.connections:
            return
        for update in self.queue.peek(self.queue.pending_count):
            update_id = int(update["update_id"])
            chat = update_chat(update)
            if update_id in self._flights or chat in self._busy_chats:
                continue
            if chat is not None:
                self._busy_chats.add(chat)
            self._flights[update_id] = asyncio.create_task(self._fly(update, chat))
            if len(self._flights) >= self.connections:
                return

    async def _fly(self, update: JsonObject, chat: int | None) -> None:
        """Push one update, then free its connection and its chat."""
        update_id = int(update["update_id"])
        try:
            await self._deliver(update)
            self.queue.remove(update_id)
        finally:
            self._flights.pop(update_id, None)
            if chat is not None:
                self._busy_chats.discard(chat)
            self._landed.set()

    async def _deliver(self, update: JsonObject) -> None:
        """Push one update until the bot answers 2xx (or the pusher is stopped)."""
        body = json.dumps(update).encode()
        update_id = int(update["update_id"])
        delay = RETRY_DELAY
        while True:
            status, reply = await self._post(body)
            at = time.monotonic()
            self.pushes.append(Push(update_id, status, at))
            if 200 <= status < 300:
                self.queue.mark_delivered(update_id, at)
                if reply is not None:
                    try:
                        await self.on_reply(*reply)
                    except Exception:
                        log.exception("webhook reply from %s failed", self.url)
                return
            self.last_error = (int(time.time()), f"Wrong response from the webhook: {status}")
            await asyncio.sleep(delay)
            delay = min(RETRY_CAP, delay * 2)

    async def _post(self, body: bytes) -> tuple[int, tuple[str, JsonObject, bool] | None]:
        """POST one update and return the status (0 if no answer) and any method in the reply."""
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        timeout = aiohttp.ClientTimeout(total=PUSH_TIMEOUT)
        try:
            async with self.session.post(
                self.url, data=body, headers=headers, timeout=timeout
            ) as response:
                if not 200 <= response.status < 300:
                    return response.status, None
                try:
                    return response.status, await read_reply(response)
                except ValueError:
                    log.warning("unreadable webhook reply from %s", self.url, exc_info=True)
                    return response.status, None
        except (aiohttp.ClientError, OSError, TimeoutError):
            return 0, None
