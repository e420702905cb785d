"""Publish the command menu and descriptions, in the default language and each shipped one."""

from __future__ import annotations

from bot.core import texts
from bot.core.commands import MENU
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from bot.transports.telegram.api import ChatApi


def telegram_language(code: str) -> str:
    """Return the two-letter ISO 639-1 code Telegram expects (`zh_Hans` -> `zh`)."""
    return code.split("_", maxsplit=1)[0].lower()


async def publish_menus(api: ChatApi, catalogs: Catalogs, default_locale: str) -> list[str]:
    """Set commands and descriptions for every language; return the language codes set."""
    published = []
    for code in catalogs.codes():
        renderer = Renderer(catalogs.translator(code), code)
        commands = [(name, renderer.say(msg)) for name, msg in MENU]
        language = None if code == default_locale else telegram_language(code)
        await api.set_commands(commands, language)
        await api.set_descriptions(
            renderer.say(texts.SHORT_DESCRIPTION), renderer.say(texts.DESCRIPTION), language
        )
        published.append(language or "default")
    return published
