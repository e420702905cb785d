"""Load the gettext catalogs in `locales/`, read their review status, negotiate a user's locale."""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Protocol

import babel
from babel import Locale, UnknownLocaleError
from babel.support import Translations

from bot.content.bundle import Language

DOMAIN = "beacon"
SOURCE_LOCALE = "en"
REVIEW_STATUS = re.compile(r"^# Review-Status: *(.+?) *$", re.MULTILINE)
"""The header comment line that states who, if anyone, reviewed a catalog."""
REVIEWED = "reviewed"
"""A review status that starts with this word means a fluent speaker checked every entry."""


class Translator(Protocol):
    """Translates a message within its context."""

    def pgettext(self, context: str, message: str, /) -> str:
        """Return the translation of `message` in `context`, or `message` itself."""
        ...

    def npgettext(self, context: str, singular: str, plural: str, n: int, /) -> str:
        """Return the plural form for `n` of a message in `context`."""
        ...


def native_name(code: str) -> str:
    """Return a language's name in its own script, e.g. `es` -> `Español`."""
    try:
        parsed = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return code
    locale = Locale(parsed.language, script=parsed.script)  # no territory: `tl` is not `fil_PH`
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def native_names(codes: Iterable[str], kept: Path | None = None) -> dict[str, str]:
    """Return each language's name in its own script. With `kept` (a JSON file), names an
    earlier start had Babel work out are read from it while Babel's version is the same,
    which spares loading Babel's locale data; missing ones are worked out and written back
    (whole, best effort)."""
    wanted = list(codes)
    names: dict[str, str] = {}
    if kept is not None:
        with suppress(OSError, ValueError):
            stored = json.loads(kept.read_text(encoding="utf-8"))
            if stored.get("babel") == babel.__version__ and isinstance(stored["names"], dict):
                names = {k: v for k, v in stored["names"].items() if isinstance(v, str)}
    missing = [code for code in wanted if code not in names]
    for code in missing:
        names[code] = native_name(code)
    if kept is not None and missing:
        _write_whole(kept, json.dumps({"babel": babel.__version__, "names": names}))
    return {code: names[code] for code in wanted}


def _write_whole(path: Path, text: str) -> None:
    """Write a file through a temporary one and a rename (best effort: errors are skipped)."""
    with suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise


@cache
def is_right_to_left(code: str) -> bool:
    """Say whether a language is written right to left, from Babel's locale data."""
    try:
        return Locale.parse(code).character_order == "right-to-left"
    except (ValueError, UnknownLocaleError):
        return False


def review_status(po_path: Path) -> str | None:
    """Return the `# Review-Status:` line of a catalog's header, or None when it has none."""
    with po_path.open(encoding="utf-8") as handle:
        head = "".join(line for line, _ in zip(handle, range(40), strict=False))
    found = REVIEW_STATUS.search(head.split('msgid ""', 1)[0])
    return found.group(1) if found else None


def compile_in_memory(po_path: Path) -> Translations:
    """Compile a `.po` file without writing a `.mo` (used when the `.mo` is missing or stale;
    Babel's catalog tools are imported only then)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, DOMAIN)


class Catalogs:
    """The catalogs in a locales directory, loaded once each."""

    def __init__(self, directory: Path, default: str = SOURCE_LOCALE) -> None:
        """Look for `<directory>/<locale>/LC_MESSAGES/beacon.po` and its compiled `.mo`."""
        self.directory = directory
        self.default = default
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._codes: list[str] | None = None

    def po_path(self, code: str) -> Path:
        """Return where a locale's catalog lives."""
        return self.directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"

    def codes(self) -> list[str]:
        """Return the source locale and every locale with a catalog (looked up once)."""
        if self._codes is None:
            found = sorted(
                path.parent.parent.name
                for path in self.directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
            )
            self._codes = [SOURCE_LOCALE, *(code for code in found if code != SOURCE_LOCALE)]
        return self._codes

    def reviewed(self, code: str) -> bool:
        """Say whether a fluent speaker reviewed this locale's catalog (the source is)."""
        if code == SOURCE_LOCALE:
            return True
        status = review_status(self.po_path(code))
        return status is not None and status.lower().startswith(REVIEWED)

    def languages(self, kept_names: Path | None = None) -> tuple[Language, ...]:
        """Return every available language with its native name and review status (the names
        kept in `kept_names` when given: see native_names)."""
        names = native_names(self.codes(), kept_names)
        return tuple(Language(code, names[code], self.reviewed(code)) for code in self.codes())

    def translator(self, locale: str) -> gettext.NullTranslations:
        """Return the translator for a locale (the source text when it has no catalog)."""
        if locale not in self._loaded:
            self._loaded[locale] = self._load(locale)
        return self._loaded[locale]

    def _load(self, locale: str) -> gettext.NullTranslations:
        """Load the compiled catalog, compiling the `.po` in memory if the `.mo` is stale."""
        po = self.po_path(locale)
        if locale == SOURCE_LOCALE or not po.exists():
            return gettext.NullTranslations()
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            with mo.open("rb") as handle:
                return Translations(handle, DOMAIN)
        return compile_in_memory(po)


LANGUAGE_ALIASES = {"fil": "tl"}
"""Platform language codes that name a language Beacon ships under another code."""


def negotiate(
    stored: str | None, platform_code: str | None, available: Iterable[str], default: str
) -> str:
    """Pick the user's stored choice, else the platform's language, else the default.

    A platform code matches exactly (`zh-hans` -> `zh_Hans`), then by its language alone
    (`es-MX` -> `es`, `zh` -> `zh_Hans`).
    """
    codes = list(available)
    if stored in codes:
        return stored
    if platform_code:
        wanted = platform_code.replace("-", "_").lower()
        base = wanted.split("_")[0]
        base = LANGUAGE_ALIASES.get(base, base)
        for match in (
            *(c for c in codes if c.lower() == wanted),
            *(c for c in codes if c.lower() == base),
            *(c for c in codes if c.split("_")[0].lower() == base),
        ):
            return match
    return default if default in codes else SOURCE_LOCALE
