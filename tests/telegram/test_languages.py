"""Languages on Telegram: Spanish from the first message, a switch to Arabic and back that
survives a restart, and the command menu and descriptions published per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.content.loader import load_content
from bot.core import texts
from bot.i18n.catalogs import Catalogs
from bot.service.messages import Reply
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT, Settings
from bot.testing import transcripts
from bot.testing.clocks import ManualClock
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.service import learner_seed
from bot.testing.simulator import CoreChat
from bot.testing.telegram import (
    RUNTIMES,
    TelegramUser,
    new_user,
    running,
    runtime_config,
    transcript_user,
)
from bot.testing.transcripts import Recorded
from bot.transports.telegram.commands import telegram_language
from bot.transports.telegram.delivery import split_message
from bot.transports.telegram.launch import MenuPublishingRuntime, make_runtime

TRANSCRIPTS = sorted((PROJECT_ROOT / "tests" / "transcripts").glob("*.yaml"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a Beacon on a database that outlives one app, so it can restart."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'beacon.db'}",
        user_key_secret=TEST_USER_KEY_SECRET,
        data_dir=tmp_path,
    )


def home_text(settings: Settings, locale: str) -> str:
    """Return the home screen's text as Beacon renders it in `locale`."""
    catalogs = Catalogs(settings.locales_dir)
    loaded = load_content(settings.content_dir, catalogs.languages())
    assert loaded.content is not None
    [reply] = CoreChat(loaded.content, catalogs, locale).send("/start")
    assert isinstance(reply, Reply)
    return reply.text


def label(settings: Settings, locale: str, code: str) -> str:
    """Return the language menu's label for `code`, as shown in `locale`."""
    catalogs = Catalogs(settings.locales_dir)
    language = next(lang for lang in catalogs.languages() if lang.code == code)
    renderer = Renderer(catalogs.translator(locale), locale)
    if language.reviewed:
        return language.name
    return renderer.say(texts.LANGUAGE_UNREVIEWED.fill(name=language.name))


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_spanish_first_then_arabic_and_back_across_a_restart(
    fake: FakeTelegram, settings: Settings, clock: ManualClock, kind: str
) -> None:
    """language_code es gets Spanish unasked; /language switches to Arabic, which outlives a
    restart (the stored choice beats language_code); then back to Spanish."""
    person = new_user("es")
    app = await build_app(settings, clock)
    try:
        async with running(fake, app, kind, "polling") as runtime:
            user = TelegramUser(fake, runtime, person)
            [first] = await user.act({"send": "/start"})
            assert first["text"] == home_text(settings, "es") != home_text(settings, "en")
            await user.act({"send": "/language"})
            seen = await user.act({"click": label(settings, "es", "ar")})
            assert seen[-1]["text"] == home_text(settings, "ar")
            assert seen[-1]["text"].startswith("\u200f")
    finally:
        await app.close()
    restarted = await build_app(settings, clock)
    try:
        async with running(fake, restarted, kind, "polling") as runtime:
            user = TelegramUser(fake, runtime, person)
            [again] = await user.act({"send": "/start"})
            assert again["text"] == home_text(settings, "ar")
            await user.act({"send": "/language"})
            seen = await user.act({"click": label(settings, "ar", "es")})
            assert seen[-1]["text"] == home_text(settings, "es")
    finally:
        await restarted.close()


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_commands_and_descriptions_are_published_in_every_language(
    fake: FakeTelegram, settings: Settings, clock: ManualClock, kind: str
) -> None:
    """Default (English) menus carry no language_code; each shipped language has its own,
    translated, under Telegram's two-letter code (zh_Hans as zh), right to left in Arabic."""
    app = await build_app(settings, clock)
    try:
        runtime = MenuPublishingRuntime(
            make_runtime(kind, runtime_config(fake, "polling"), app), app
        )
        await runtime.start()
        await runtime.stop()
    finally:
        await app.close()
    commands = {
        str(call.params.get("language_code", "")): {
            c["command"]: c["description"] for c in call.params["commands"]
        }
        for call in fake.calls_to("setMyCommands")
    }
    assert set(commands) == {"", "es", "vi", "zh", "ar", "tl", "fr"}
    catalogs = Catalogs(settings.locales_dir)
    for code, telegram_code in [("es", "es"), ("zh_Hans", "zh"), ("ar", "ar")]:
        renderer = Renderer(catalogs.translator(code), code)
        assert commands[telegram_code]["exit"] == renderer.say(texts.COMMAND_EXIT)
        assert commands[telegram_code]["exit"] != commands[""]["exit"]
    assert commands["ar"]["exit"].startswith("\u200f")
    shorts = {
        str(c.params.get("language_code", "")): c.params["short_description"]
        for c in fake.calls_to("setMyShortDescription")
    }
    assert set(shorts) == set(commands) and len(set(shorts.values())) == 7
    assert len(fake.calls_to("setMyDescription")) == 7


def as_telegram_shows(recorded: list[Recorded]) -> list[Recorded]:
    """Return recorded replies as Telegram shows them: an over-long text as several messages,
    sent anew, the keyboard on the last."""
    shown: list[Recorded] = []
    for entry in recorded:
        pieces = split_message(entry["text"]) if "text" in entry else []
        if len(pieces) < 2:
            shown.append(entry)
            continue
        shown += [{"text": piece} for piece in pieces[:-1]]
        last = {"text": pieces[-1], **({"buttons": entry["buttons"]} if "buttons" in entry else {})}
        shown.append(last)
    return shown


@pytest.mark.parametrize("locale", Catalogs(PROJECT_ROOT / "locales").codes()[1:])
async def test_every_transcript_in_every_language_on_telegram(
    fake: FakeTelegram, app: App, catalogs: Catalogs, locale: str
) -> None:
    """A user whose Telegram speaks `locale` plays each golden transcript, tapping where the
    English user tapped: they see what the engine renders in their language, every request
    within the Bot API's limits (long channel lists arrive as several messages)."""
    async with running(fake, app, "aiogram", "polling") as runtime:
        for path in TRANSCRIPTS:
            recorded = transcripts.load(path)
            offers = await transcripts.organize(recorded, app.database)
            person = transcript_user(recorded, telegram_language(locale))
            user = TelegramUser(fake, runtime, person)
            seed = learner_seed(str(person.id))
            english = CoreChat(app.content, catalogs, "en", offers=offers, seed=seed)
            mirror = CoreChat(app.content, catalogs, locale, offers=offers, seed=seed)
            for number, step in enumerate(recorded["steps"], 1):
                action = {k: v for k, v in step.items() if k != "expect"}
                if "click" in action:
                    data = english.keyboard.data_for(str(action.pop("click")))
                    action["tap_data"] = data
                english.event(transcripts.event_for(action, english.keyboard))
                expected = transcripts.record(
                    mirror.event(transcripts.event_for(action, mirror.keyboard))
                )
                seen = await user.act(action)
                assert seen == as_telegram_shows(expected), f"{locale}: {path.name} {number}"
