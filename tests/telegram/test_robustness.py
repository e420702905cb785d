"""Telegram's rough edges: blocked users, bad webhook secrets, odd updates, groups, menus."""

from __future__ import annotations

import aiohttp
import pytest

from bot.app import App
from bot.core import texts
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.telegram import RUNTIMES, TelegramUser, new_user, running


async def users_row(app: App, user_id: int) -> tuple[object, ...]:
    """Return the users row of a Telegram user id (looked up by its keyed hash)."""
    key = app.service.keyer.key("telegram", str(user_id))
    async with app.database.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT id, active FROM users WHERE user_key = ?"
            if app.database.dialect.name == "sqlite"
            else "SELECT id, active FROM users WHERE user_key = $1",
            (key,),
        )
        return tuple(result.one())


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_a_blocked_user_is_marked_inactive_and_not_retried(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """A 403 marks the user inactive; the reply is not retried; a later unblock reactivates."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await user.act({"send": "/start"})
        fake.block(person.id)
        await user.act({"send": "/help"})
        assert not (await users_row(app, person.id))[1]
        failed = [c for c in fake.calls_to("sendMessage") if c.status == 403]
        assert len(failed) == 1
        fake.unblock(person.id)
        update_id = fake.my_chat_member(person, "kicked", "member")
        await fake.wait_delivered(update_id)
        await runtime.bridge.wait_handled(update_id)
        assert (await users_row(app, person.id))[1]


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_kicking_the_bot_marks_the_user_inactive(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """my_chat_member "kicked" in the private chat marks the user inactive, sending nothing."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        await TelegramUser(fake, runtime, person).act({"send": "/start"})
        sent_before = len(fake.calls)
        update_id = fake.my_chat_member(person, "member", "kicked")
        await fake.wait_delivered(update_id)
        await runtime.bridge.wait_handled(update_id)
        assert not (await users_row(app, person.id))[1]
        assert [c.method for c in fake.calls[sent_before:]] == ["getUpdates"] * len(
            fake.calls[sent_before:]
        )


@pytest.mark.parametrize("kind", RUNTIMES)
@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_webhook_refuses_a_wrong_or_missing_secret(
    fake: FakeTelegram, app: App, kind: str, secret: str | None
) -> None:
    """A webhook request without the right secret is refused and changes nothing."""
    async with running(fake, app, kind, "webhook") as runtime:
        webhook = runtime_config_of(runtime)
        person = new_user()
        update = {
            "update_id": 999_001,
            "message": {
                "message_id": 1, "date": 0, "text": "/start",
                "chat": {"id": person.id, "type": "private", "first_name": "X"},
                "from": {"id": person.id, "is_bot": False, "first_name": "X"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }  # fmt: skip
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        calls_before = len(fake.calls)
        async with (
            aiohttp.ClientSession() as session,
            session.post(webhook, json=update, headers=headers) as response,
        ):
            assert response.status in (401, 403)
        assert runtime.bridge.in_flight == 0
        assert fake.calls[calls_before:] == []
    async with app.database.connect() as connection:
        users = (await connection.exec_driver_sql("SELECT count(*) FROM users")).scalar()
    assert users == 0


def runtime_config_of(runtime: object) -> str:
    """Return the local webhook URL a running runtime listens on."""
    config = runtime.config  # type: ignore[attr-defined]
    return f"http://{config.webhook.host}:{config.webhook.port}{config.webhook.path}"


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_media_and_other_updates_get_a_kind_answer_or_are_ignored(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """Stickers, photos, voice, documents and contacts get a kind reply; the rest is ignored."""
    async with running(fake, app, kind, "polling") as runtime:
        person = new_user()
        user = TelegramUser(fake, runtime, person)
        await user.act({"send": "/start"})
        for media in ("sticker", "photo", "voice", "document", "video", "contact"):
            seen = await user.act({"other": media})
            assert seen[0]["text"] == texts.UNSUPPORTED.text, media
            assert seen[1]["text"].split("\n\n")[1] == "Welcome to Beacon."
        not_asked_for = [
            fake.edit_text(person, 1, "edited"),
            fake.channel_post(-100500, "a post"),
        ]
        group = fake.group(-100600, "Volunteers")
        ignored = [
            fake.poll_answer(person, "p1", [0]),  # a vote in no quiz of Beacon's
            fake.send_text(person, "hello all", chat=group),
            fake.send_text(person, "/help@SomeOtherBot", chat=group),
            fake.send_media(person, "sticker", chat=group),
        ]
        for update_id in ignored:
            await fake.wait_delivered(update_id)
            await runtime.bridge.wait_handled(update_id)
        assert all(fake.delivered_at(u) is None for u in not_asked_for)
        assert fake.transcript(person.id) == [] and fake.transcript(group.id) == []
        addressed = fake.send_text(person, "/help@BeaconTestBot", chat=group)
        await fake.wait_delivered(addressed)
        await runtime.bridge.wait_handled(addressed)
        [answer] = fake.transcript(group.id)
        assert answer["text"].startswith("Beacon can")


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_huge_and_strange_text_is_answered(fake: FakeTelegram, app: App, kind: str) -> None:
    """A 4,096-character message, emoji and HTML-like text are answered, never echoed."""
    async with running(fake, app, kind, "polling") as runtime:
        user = TelegramUser(fake, runtime, new_user())
        for text in ("x" * 4096, "🙂" * 300, "<b>hi</b> & <script>", "/start <evil>"):
            seen = await user.act({"send": text})
            assert seen, text
            assert all("<script>" not in entry.get("text", "") for entry in seen)


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_polling_survives_get_updates_failures(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """With a third of getUpdates calls failing (500 or a dropped connection), updates arrive."""
    fake.set_faults(["getUpdates"], rate_500=0.2, rate_drop=0.15)
    async with running(fake, app, kind, "polling") as runtime:
        user = TelegramUser(fake, runtime, new_user())
        for _ in range(5):
            seen = await user.act({"send": "/menu"})
            assert seen[0]["text"].split("\n\n")[1] == "Welcome to Beacon."
    failed = [c for c in fake.calls_to("getUpdates") if c.status != 200]
    assert failed, "the fault plan never fired"
