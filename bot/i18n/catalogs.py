"""Load compiled gettext catalogs from `locales/` and negotiate a user's locale."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.support import Translations

from bot.content.bundle import Language

DOMAIN = "beacon"
SOURCE_LOCALE = "en"


class Translator(Protocol):
    """Translates a message within its context."""

    def pgettext(self, context: str, message: str, /) -> str:
        """Return the translation of `message` in `context`, or `message` itself."""
        ...


def native_name(code: str) -> str:
    """Return a language's name in its own script, e.g. `es` -> `español`."""
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


class Catalogs:
    """The compiled catalogs in a locales directory, loaded once each."""

    def __init__(self, directory: Path, default: str = SOURCE_LOCALE) -> None:
        """Look for `<directory>/<locale>/LC_MESSAGES/beacon.mo`."""
        self.directory = directory
        self.default = default
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._codes: list[str] | None = None

    def codes(self) -> list[str]:
        """Return the source locale and every locale with a compiled catalog (looked up once)."""
        if self._codes is None:
            found = sorted(
                path.parent.parent.name
                for path in self.directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
            )
            self._codes = [SOURCE_LOCALE, *(code for code in found if code != SOURCE_LOCALE)]
        return self._codes

    def languages(self) -> tuple[Language, ...]:
        """Return every available language with its native name."""
        return tuple(Language(code, native_name(code)) for code in self.codes())

    def translator(self, locale: str) -> gettext.NullTranslations:
        """Return the translator for a locale (the source text when it has no catalog)."""
        if locale not in self._loaded:
            if locale == SOURCE_LOCALE:
                self._loaded[locale] = gettext.NullTranslations()
            else:
                self._loaded[locale] = Translations.load(self.directory, [locale], DOMAIN)
        return self._loaded[locale]


def negotiate(
    stored: str | None, platform_code: str | None, available: Iterable[str], default: str
) -> str:
    """Pick the user's stored choice, else the platform's language, else the default."""
    codes = list(available)
    if stored in codes:
        return stored
    if platform_code:
        wanted = platform_code.replace("-", "_")
        for candidate in (wanted, wanted.split("_")[0]):
            match = next((c for c in codes if c.lower() == candidate.lower()), None)
            if match:
                return match
    return default if default in codes else SOURCE_LOCALE
