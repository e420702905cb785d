"""Telegram's HTML parse mode: check the markup like the Bot API does and return plain text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:([a-zA-Z]+)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ATTRIBUTE = re.compile(
    r"\s+([a-zA-Z_][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_SPECIAL = re.compile(r"[<>&]")


class HtmlError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


@dataclass(frozen=True)
class ParsedText:
    """The plain text of a message, its formatting entities and any parse errors."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _Open:
    """A start tag whose end tag has not been seen yet."""

    name: str
    attributes: dict[str, str]
    start: int
    language: str | None = None


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of entity offsets."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities, or report why Telegram would refuse it."""
    parsed = _parse_cached(source)
    return ParsedText(
        parsed.text, [dict(entity) for entity in parsed.entities], list(parsed.errors)
    )


@functools.lru_cache(maxsize=2048)
def _parse_cached(source: str) -> ParsedText:
    """Parse source once; repeated texts (checked, then stored) reuse the result."""
    try:
        return _Parser(source).run()
    except HtmlError as error:
        return ParsedText(text=source, errors=[f"can't parse entities: {error}"])


class _Parser:
    """A single pass over HTML source that builds plain text and entities."""

    def __init__(self, source: str) -> None:
        """Prepare to parse source."""
        self.source = source
        self.parts: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> ParsedText:
        """Parse the whole source, raising HtmlError at the first problem."""
        source = self.source
        position = 0
        while position < len(source):
            special = _SPECIAL.search(source, position)
            end = special.start() if special else len(source)
            if end > position:
                self._emit(source[position:end])
            if special is None:
                break
            char = special.group()
            if char == "&":
                position = self._entity(end)
            elif char == "<":
                position = self._tag(end)
            else:
                raise HtmlError(f"unescaped '>' at byte offset {self._byte(end)}")
        if self.stack:
            raise HtmlError(
                f'can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return ParsedText(text="".join(self.parts), entities=entities)

    def _emit(self, text: str) -> None:
        """Append visible text."""
        self.parts.append(text)
        self.offset += utf16_len(text)

    def _byte(self, index: int) -> int:
        """Return the UTF-8 byte offset of a character index, as Telegram reports positions."""
        return len(self.source[:index].encode())

    def _entity(self, index: int) -> int:
        """Decode the character entity at index and return the position after it."""
        match = _ENTITY.match(self.source, index)
        if match is None:
            raise HtmlError(f"unescaped '&' at byte offset {self._byte(index)}")
        self._emit(self._decode_entity(match, index))
        return match.end()

    def _decode_entity(self, match: re.Match[str], index: int) -> str:
        """Return the character an entity stands for."""
        named, decimal, hexadecimal = match.groups()
        if named is not None:
            if named not in _NAMED:
                raise HtmlError(
                    f'unsupported HTML entity "&{named};" at byte offset {self._byte(index)}'
                )
            return _NAMED[named]
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlError(f"invalid character code at byte offset {self._byte(index)}")
        return chr(code)

    def _tag(self, index: int) -> int:
        """Handle the start or end tag at index and return the position after it."""
        match = _TAG.match(self.source, index)
        if match is None:
            raise HtmlError(f"unescaped '<' at byte offset {self._byte(index)}")
        closing, raw_name, rest = match.groups()
        name = raw_name.lower()
        if closing:
            self._close(name, rest, index)
        else:
            self._open(name, rest, index)
        return match.end()

    def _open(self, name: str, rest: str, index: int) -> None:
        """Push a start tag after checking it is one Telegram supports."""
        if name not in TAG_ENTITIES:
            raise HtmlError(f'unsupported start tag "{name}" at byte offset {self._byte(index)}')
        attributes = self._attributes(rest, index)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(
                f'tag "span" must have class "tg-spoiler" at byte offset {self._byte(index)}'
            )
        if name == "tg-emoji" and not attributes.get("emoji-id"):
            raise HtmlError(f'tag "tg-emoji" needs "emoji-id" at byte offset {self._byte(index)}')
        if name == "tg-time" and not attributes.get("unix", "").isdigit():
            raise HtmlError(f'tag "tg-time" needs "unix" at byte offset {self._byte(index)}')
        self.stack.append(_Open(name, attributes, self.offset))

    def _attributes(self, rest: str, index: int) -> dict[str, str]:
        """Parse a start tag's attributes, unescaping their values."""
        attributes: dict[str, str] = {}
        position = 0
        body = rest.rstrip()
        while position < len(body):
            match = _ATTRIBUTE.match(body, position)
            if match is None:
                raise HtmlError(f"bad attribute in tag at byte offset {self._byte(index)}")
            key, double, single, bare = match.groups()
            value = next((v for v in (double, single, bare) if v is not None), "")
            attributes[key.lower()] = _unescape_attribute(value)
            position = match.end()
        return attributes

    def _close(self, name: str, rest: str, index: int) -> None:
        """Pop the start tag an end tag closes and record its entity."""
        if rest.strip():
            raise HtmlError(f"end tag with attributes at byte offset {self._byte(index)}")
        if not self.stack:
            raise HtmlError(f'unexpected end tag "{name}" at byte offset {self._byte(index)}')
        top = self.stack.pop()
        if top.name != name:
            raise HtmlError(
                f'unmatched end tag at byte offset {self._byte(index)}, expected "</{top.name}>",'
                f' found "</{name}>"'
            )
        self._record(top)

    def _record(self, tag: _Open) -> None:
        """Add the entity a closed tag produced, if it covers any text."""
        length = self.offset - tag.start
        language = tag.attributes.get("class", "")
        in_pre = bool(self.stack) and self.stack[-1].name == "pre"
        if tag.name == "code" and in_pre and language.startswith("language-"):
            self.stack[-1].language = language.removeprefix("language-")
            return
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": TAG_ENTITIES[tag.name], "offset": tag.start}
        entity["length"] = length
        if tag.name == "a":
            if "href" not in tag.attributes:
                return
            entity["url"] = tag.attributes["href"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attributes["emoji-id"]
        elif tag.name == "tg-time":
            entity["unix_time"] = int(tag.attributes["unix"])
            if "format" in tag.attributes:
                entity["date_time_format"] = tag.attributes["format"]
        self.entities.append(entity)


def _unescape_attribute(value: str) -> str:
    """Replace the entities Telegram supports inside an attribute value."""

    def replace(match: re.Match[str]) -> str:
        """Return the character for one entity, leaving unknown names as written."""
        named, decimal, hexadecimal = match.groups()
        if named is not None:
            return _NAMED.get(named, match.group())
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF else match.group()

    return _ENTITY.sub(replace, value)
