"""Bot API methods that hand updates over: getUpdates long polling and webhook settings."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bot.testing.fake_telegram.models import ApiError, Context, Handler, JsonObject, Push
from bot.testing.fake_telegram.updates import UpdateQueue
from bot.testing.fake_telegram.webhook import MAX_CONNECTIONS, ReplyHandler, WebhookPusher

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)


class Delivery:
    """Handlers for getUpdates and the webhook methods, and the webhook pusher they drive."""

    def __init__(self, queue: UpdateQueue, pushes: list[Push], on_reply: ReplyHandler) -> None:
        """Hand over updates from queue; record webhook attempts in pushes."""
        self.queue = queue
        self.pushes = pushes
        self.on_reply = on_reply
        self.pusher: WebhookPusher | None = None
        self._session: aiohttp.ClientSession | None = None

    def handlers(self) -> dict[str, Handler]:
        """Return the methods this class implements, by their spec names."""
        return {
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
        }

    @property
    def webhook_url(self) -> str:
        """Return the webhook URL, or an empty string in polling mode."""
        return self.pusher.url if self.pusher else ""

    async def get_updates(self, ctx: Context) -> list[JsonObject]:
        """Confirm updates below offset, then return pending ones, waiting up to timeout."""
        if self.pusher is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        params = ctx.params
        if isinstance(params.get("offset"), int):
            self.queue.confirm(params["offset"])
        if "allowed_updates" in params:
            self.queue.set_allowed(params["allowed_updates"])
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self.queue.peek(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self.queue.closed:
                break
            await self.queue.wait(remaining)
        handed = time.monotonic()
        for update in batch:
            self.queue.mark_delivered(update["update_id"], handed)
        return batch

    async def set_webhook(self, ctx: Context) -> bool:
        """Switch to pushing updates to a URL (an empty URL switches back to polling)."""
        params = ctx.params
        await self._stop_pusher()
        if params.get("drop_pending_updates"):
            self.queue.drop_all()
        if "allowed_updates" in params:
            self.queue.set_allowed(params["allowed_updates"])
        url = str(params.get("url") or "")
        if not url:
            return True
        if self._session is None:
            self._session = aiohttp.ClientSession()
        secret = params.get("secret_token")
        connections = min(max(int(params.get("max_connections") or MAX_CONNECTIONS), 1), 100)
        self.pusher = WebhookPusher(
            self.queue, self._session, url, secret or None, self.pushes, self.on_reply, connections
        )
        self.pusher.start()
        return True

    async def delete_webhook(self, ctx: Context) -> bool:
        """Stop pushing and go back to polling, dropping pending updates if asked."""
        await self._stop_pusher()
        if ctx.params.get("drop_pending_updates"):
            self.queue.drop_all()
        return True

    async def get_webhook_info(self, ctx: Context) -> JsonObject:
        """Return the WebhookInfo: URL, pending count, last error and allowed updates."""
        info: JsonObject = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.queue.pending_count,
        }
        if self.pusher is not None:
            info["max_connections"] = self.pusher.connections
            if self.pusher.last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.pusher.last_error
        if self.queue.allowed is not None:
            info["allowed_updates"] = sorted(self.queue.allowed)
        return info

    async def _stop_pusher(self) -> None:
        """Stop the webhook pusher, if one is running."""
        if self.pusher is not None:
            await self.pusher.stop()
            self.pusher = None

    async def close(self) -> None:
        """Stop pushing and close the HTTP client used for the webhook."""
        await self._stop_pusher()
        if self._session is not None:
            await self._session.close()
            self._session = None
