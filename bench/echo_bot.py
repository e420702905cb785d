"""A bare echo bot on aiogram or python-telegram-bot: the ceiling Beacon is measured against.

Usage: BOT_API_URL=... BOT_TOKEN=... python bench/echo_bot.py aiogram|ptb
It uses the same client settings as Beacon's runtimes (polling, concurrency, connection pool;
on python-telegram-bot, Beacon's AiohttpRequest for sends and for getUpdates), echoes each
message, and answers each button press and echoes its data. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from bot.transports.ptb_runtime import CONNECTIONS, AiohttpRequest
from bot.transports.telegram.api import ALLOWED_UPDATES

CONCURRENT_UPDATES = 256
"""Updates python-telegram-bot's echo handles at once (its own dispatcher, unlike Beacon)."""


async def aiogram_echo(base_url: str, token: str, stop: asyncio.Event) -> None:
    """Echo with aiogram 3 until `stop` is set."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def on_message(message: Message) -> None:
        await bot.send_message(message.chat.id, message.text or "media")

    @dispatcher.callback_query()
    async def on_tap(query: CallbackQuery) -> None:
        await bot.answer_callback_query(query.id)
        await bot.send_message(query.from_user.id, query.data or "tap")

    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, allowed_updates=list(ALLOWED_UPDATES))
    )
    await stop.wait()
    await dispatcher.stop_polling()
    await polling


async def ptb_echo(base_url: str, token: str, stop: asyncio.Event) -> None:
    """Echo with python-telegram-bot 22 until `stop` is set."""
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    request = AiohttpRequest(CONNECTIONS)  # getUpdates shares it, as in Beacon's client
    app = (
        ApplicationBuilder().token(token).base_url(f"{base_url}/bot")
        .concurrent_updates(CONCURRENT_UPDATES).request(request).get_updates_request(request)
        .build()
    )  # fmt: skip

    async def on_message(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await app.bot.send_message(update.effective_chat.id, update.effective_message.text or "x")

    async def on_tap(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await app.bot.send_message(query.from_user.id, query.data or "tap")

    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_tap))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, allowed_updates=list(ALLOWED_UPDATES))
        await stop.wait()
        await app.updater.stop()
        await app.stop()


async def main(kind: str, base_url: str, token: str) -> None:
    """Run the chosen echo bot until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = aiogram_echo if kind == "aiogram" else ptb_echo
    await runner(base_url, token, stop)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], os.environ["BOT_API_URL"], os.environ["BOT_TOKEN"]))
