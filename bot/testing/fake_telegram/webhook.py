"""Webhook mode: push pending updates one at a time to the bot's URL, retrying (with a capped
backoff) until the bot answers 2xx, as Telegram does, so a bot that restarts gets them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp

from bot.testing.fake_telegram.models import JsonObject, Push
from bot.testing.fake_telegram.updates import UpdateQueue

log = logging.getLogger(__name__)

RETRY_DELAY = 0.02
RETRY_CAP = 1.0
PUSH_TIMEOUT = 10.0
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
    """A background task that POSTs each pending update, in order, to one URL."""

    def __init__(
        self,
        queue: UpdateQueue,
        session: aiohttp.ClientSession,
        url: str,
        secret: str | None,
        pushes: list[Push],
        on_reply: ReplyHandler,
    ) -> None:
        """Prepare to push updates from queue to url, recording attempts in pushes."""
        self.queue = queue
        self.session = session
        self.url = url
        self.secret = secret
        self.pushes = pushes
        self.on_reply = on_reply
        self.last_error: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start pushing in the background."""
        self._task = asyncio.create_task(self._run(), name=f"fake-telegram-webhook {self.url}")

    async def stop(self) -> None:
        """Stop pushing; an update being pushed stays pending."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        if task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        """Push updates until stopped, waiting while there are none."""
        while not self.queue.closed:
            batch = self.queue.peek(1)
            if not batch:
                await self.queue.wait(None)
                continue
            update = batch[0]
            await self._deliver(update)
            self.queue.remove(update["update_id"])

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
