"""Render what the engine shows into transport-neutral messages, in the user's language."""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from bot.core import texts
from bot.core.effects import Msg, Part, ResourceCard, Screen
from bot.i18n.catalogs import Translator, is_right_to_left
from bot.i18n.direction import right_to_left
from bot.service.messages import OutButton, Reply


class _Params(dict[str, str]):
    """Placeholder values; a placeholder with no value is left as it was written."""

    def __missing__(self, key: str) -> str:
        """Keep `{key}` so a missing value shows rather than crashes."""
        return "{" + key + "}"


class Renderer:
    """Turns screens and texts into messages for one locale."""

    def __init__(self, translator: Translator, locale: str) -> None:
        """Render with this translator; numbers, dates and direction follow `locale`."""
        self.translator = translator
        self.locale = locale
        self.rtl = is_right_to_left(locale)

    def finish(self, text: str) -> str:
        """Return finished text as it is sent: laid out right to left where the locale is."""
        return right_to_left(text) if self.rtl else text

    def say(self, msg: Msg) -> str:
        """Return a message translated, filled and finished for sending."""
        return self.finish(self.text(msg))

    def source(self, msg: Msg) -> str:
        """Return a message's translation (its plural form picked by `count`), unfilled."""
        if not msg.translate:
            return msg.text
        if msg.plural is None:
            return self.translator.pgettext(msg.context, msg.text)
        count = dict(msg.params).get("count")
        n = count if isinstance(count, int) else 1
        return self.translator.npgettext(msg.context, msg.text, msg.plural, n)

    def value(self, value: str | int | date | time | Msg) -> str:
        """Return a placeholder value as text: translated, or formatted for the locale."""
        if isinstance(value, Msg):
            return self.text(value)
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        if isinstance(value, date):
            return format_date(value, format="long", locale=self.locale)
        if isinstance(value, time):
            return format_time(value, format="short", locale=self.locale)
        return value

    def text(self, msg: Msg) -> str:
        """Return a message translated, with its placeholders filled."""
        source = self.source(msg)
        if not msg.params:
            return source
        return source.format_map(_Params((name, self.value(v)) for name, v in msg.params))

    def card(self, card: ResourceCard) -> str:
        """Return a resource as a short block: name, why, channels, hours and languages (when
        confirmed), who runs it, and whether it is law enforcement with what it may do with
        what you share."""
        lines = [self.text(card.name), self.text(card.why)]
        for channel in card.channels:
            line = f"• {self.text(texts.CHANNEL_KINDS[channel.kind])}: {channel.value}"
            if channel.languages is not None:
                line += f" ({self.text(channel.languages)})"
            if channel.note is not None:
                line += f". {self.text(channel.note)}"
            lines.append(line)
        if card.hours is not None:
            lines.append(self.text(texts.HOURS.fill(hours=card.hours)))
        if card.languages is not None:
            lines.append(self.text(texts.LANGUAGES.fill(languages=card.languages)))
        lines.append(self.text(texts.RUN_BY.fill(operator=card.operator)))
        kind = texts.LAW_ENFORCEMENT if card.law_enforcement else texts.NOT_LAW_ENFORCEMENT
        lines.append(f"{self.text(kind)} {self.text(card.sharing)}")
        return "\n".join(lines)

    def part(self, part: Part) -> str:
        """Return one part of a screen as text."""
        return self.card(part) if isinstance(part, ResourceCard) else self.text(part)

    def screen(self, screen: Screen) -> Reply:
        """Return a screen as one message with its keyboard (marked `tail` when repeated)."""
        body = self.finish("\n\n".join(self.part(part) for part in screen.parts))
        rows = tuple(
            tuple(OutButton(self.say(b.label), b.data, b.kind) for b in row)
            for row in screen.buttons
        )
        return Reply(body, rows, screen.replace, screen.repeat, screen.position)
