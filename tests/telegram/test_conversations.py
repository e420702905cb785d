"""One conversation suite, every runtime: the golden transcripts over real HTTP, both ways in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.testing import transcripts
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import (
    MODES,
    RUNTIMES,
    TelegramUser,
    new_user,
    running,
    transcript_user,
)

TRANSCRIPTS = sorted((Path(__file__).parent.parent / "transcripts").glob("*.yaml"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", RUNTIMES)
async def test_every_transcript(fake: FakeTelegram, app: App, kind: str, mode: str) -> None:
    """Each golden transcript, replayed by a Telegram user, shows the same texts and buttons."""
    async with running(fake, app, kind, mode) as runtime:
        for path in TRANSCRIPTS:
            recorded = transcripts.load(path)
            await transcripts.organize(recorded, app.database)
            user = TelegramUser(fake, runtime, transcript_user(recorded))
            actual = await transcripts.replay(recorded["steps"], user.actor())
            for number, (expected, got) in enumerate(
                zip(recorded["steps"], actual, strict=True), 1
            ):
                assert got == expected, f"{kind}/{mode}: {path.name} step {number}"


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_updates_of_one_user_are_handled_in_order(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """Twenty commands queued at once are answered in the order they were sent."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        commands = ["/help", "/menu"] * 10
        ids = [fake.send_text(person, text) for text in commands]
        await runtime.bridge.wait_handled(ids[-1])
        for update_id in ids:
            await runtime.bridge.wait_handled(update_id)
        texts = [entry["text"].split("\n")[0] for entry in fake.transcript(person.id)]
        help_first, home_first = texts[0], texts[1]
        assert help_first != home_first
        assert texts == [help_first, home_first] * 10


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_deep_link_with_campaign(fake: FakeTelegram, app: App, kind: str) -> None:
    """`/start report-phx2026` opens the report side; a malformed payload opens the menu."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        seen = await TelegramUser(fake, runtime, person).act({"send": "/start report-phx2026"})
        assert seen[0]["text"].split("\n\n")[1].startswith("Beacon is not a hotline")
        other = new_user()
        seen = await TelegramUser(fake, runtime, other).act({"send": "/start no$such*entry"})
        assert seen[0]["text"].split("\n\n")[1] == "Welcome to Beacon."


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_channel_cards_send_copy_and_link_buttons(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """A channel screen's numbers reach Telegram as copy_text buttons and its web pages as URL
    buttons, accepted by the Bot API's rules; the number also stays in the text."""
    async with running(fake, app, kind, "polling") as runtime:
        user = TelegramUser(fake, runtime, new_user())
        for action in [
            {"send": "/start report"},
            {"click": "United States"},
            {"click": "Arizona"},
            {"click": "An adult: forced work or abuse at work"},
        ]:
            await user.act(action)
        _, rows = user.latest_keyboard()
        buttons = [b for row in rows for b in row]
        copies = [b["copy_text"]["text"] for b in buttons if "copy_text" in b]
        links = [b["url"] for b in buttons if "url" in b]
        assert copies == ["1-888-373-7888", "233733"]
        assert links == ["https://humantraffickinghotline.org/chat"]
        assert all(len(b) == 2 for b in buttons)  # text and exactly one action each
        assert "1-888-373-7888" in fake.messages(user.user.id)[-1]["text"]
        seen = await user.act({"click": "More: HSI Tip Line (ICE)"})
        assert seen[-1]["text"].startswith("If anyone is in immediate danger, call 911 now.")
        _, rows = user.latest_keyboard()
        assert [b["copy_text"]["text"] for row in rows for b in row if "copy_text" in b] == [
            "1-866-347-2423"
        ]
