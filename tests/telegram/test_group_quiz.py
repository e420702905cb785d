"""The live group quiz through the real clients and the fake Bot API server: admins only, each
question a native quiz poll that passes the Bot API check, votes scored into a leaderboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

import pytest

from bot.app import App
from bot.content.bundle import Content
from bot.core.course import questions_of
from bot.core.group_quiz import GroupGame, group_modules, quiz_polls
from bot.i18n.catalogs import Catalogs
from bot.service.render import Renderer
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_telegram.messaging import poll_option_text
from bot.testing.simulator import SourceText
from bot.testing.telegram import RUNTIMES, new_user, running
from bot.transports.telegram.bridge import TelegramBridge
from bot.transports.telegram.group_quiz import (
    POLL_EXPLANATION_LIMIT,
    POLL_OPTION_LIMIT,
    POLL_QUESTION_LIMIT,
    GroupQuizzes,
    clip,
)

GROUP = -100_777


def room_seed() -> str:
    """Return the seed this test's quizzes order their options by."""
    return "room"


class Gate:
    """A sleep the test opens one step at a time, so votes land while a poll is open."""

    def __init__(self) -> None:
        """Closed until the test opens it."""
        self.waiting: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        """Wait until the test lets the quiz move on."""
        del seconds
        step: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.waiting.put(step)
        await step

    async def next(self) -> None:
        """Let the quiz post its next question (or its results)."""
        step = await asyncio.wait_for(self.waiting.get(), 10)
        step.set_result(None)


def quick_quizzes(bridge: TelegramBridge, app: App, gate: Gate) -> GroupQuizzes:
    """Return group quizzes with 5-second polls that move on when the test opens the gate."""
    return GroupQuizzes(bridge.delivery, app.service, seconds=5, pause=0, sleep=gate.sleep)


def polls_posted(fake: FakeTelegram, count: int) -> bool:
    """Say whether the bot has posted `count` polls."""
    return len(fake.calls_to("sendPoll")) == count


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait until a condition holds (polling, bounded by `seconds`)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the fake server offers no event to wait on
            await asyncio.sleep(0.01)


def test_every_module_question_fits_a_quiz_poll_in_every_language(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """In every shipped language, as rendered for sending, no question, option or explanation
    needs cutting for sendPoll (the cut in `clip` stays a last resort)."""
    too_long = []
    for locale in catalogs.codes():
        renderer = Renderer(catalogs.translator(locale), locale)
        for module in group_modules(shipped_content):
            for poll in quiz_polls(shipped_content, module):
                limited = [
                    (poll.question, POLL_QUESTION_LIMIT),
                    *((option, POLL_OPTION_LIMIT) for option in poll.options),
                    (poll.explanation, POLL_EXPLANATION_LIMIT),
                ]
                too_long += [
                    f"{locale} {msg.context}: {len(renderer.say(msg))}"
                    for msg, limit in limited
                    if clip(renderer.say(msg), limit) != renderer.say(msg)
                ]
    assert too_long == []
    assert len(catalogs.codes()) >= 6
    assert len(group_modules(shipped_content)) >= 7


def test_clip_cuts_with_an_ellipsis_only_past_the_limit() -> None:
    """The transport's safety net: text at the limit is kept, longer text ends in an ellipsis."""
    assert clip("x" * 200, 200) == "x" * 200
    assert clip("word " * 50, 200) == ("word " * 40).rstrip() + "…"
    assert len(clip("x" * 201, 200)) == 200


def test_scores_count_the_first_vote_and_ties_share_a_place(shipped_content: Content) -> None:
    """A second vote in one poll is ignored; equal scores share a place."""
    game = GroupGame("signs", quiz_polls(shipped_content, "signs"))
    game.poll_ids = {"p0": 0, "p1": 1}
    right0, right1 = game.polls[0].correct, game.polls[1].correct
    assert game.answer("p0", 1, "Ana", [right0])
    assert game.answer("p0", 1, "Ana", [right0 + 1])  # ours, but not counted twice
    assert game.answer("p1", 1, "Ana", [right1])
    assert game.answer("p0", 2, "Ben", [right0])
    assert game.answer("p1", 2, "Ben", [(right1 + 1) % len(game.polls[1].options)])
    assert game.answer("p0", 3, "Cy", [right0])
    assert not game.answer("other", 3, "Cy", [0])
    text = Renderer(SourceText(), "en").say(game.leaderboard(shipped_content))
    total = len(questions_of(shipped_content.trees["signs"]))
    assert text.split("\n") == [
        f"Results: Recognize the signs ({total} questions)",
        "1. Ana: 2",
        "2. Ben: 1",
        "2. Cy: 1",
    ]


@pytest.mark.parametrize("kind", RUNTIMES)
async def test_an_admin_runs_a_quiz_to_its_leaderboard(
    fake: FakeTelegram, app: App, kind: str
) -> None:
    """A member is refused; the admin's /quiz posts every question as a quiz poll; votes from
    two players produce the leaderboard."""
    admin, player = new_user("en"), new_user("en")
    group = fake.group(GROUP, "Outreach night")
    fake.set_admins(GROUP, [admin.id])
    gate = Gate()
    async with running(fake, app, kind, "polling") as runtime:
        bridge = runtime.bridge
        bridge.quizzes = GroupQuizzes(
            bridge.delivery, app.service, seconds=5, pause=0, sleep=gate.sleep, seeds=room_seed
        )
        update = fake.send_text(player, "/quiz signs", chat=group)
        await bridge.wait_handled(update)
        assert fake.calls_to("sendPoll") == []
        assert fake.transcript(GROUP)[-1]["text"] == "Only a group admin can start or stop a quiz."
        update = fake.send_text(admin, "/quiz signs", chat=group)
        await bridge.wait_handled(update)
        polls = quiz_polls(app.content, "signs", room_seed())
        say = Renderer(SourceText(), "en").say
        for index, poll in enumerate(polls):
            await until(partial(polls_posted, fake, index + 1))
            call = fake.calls_to("sendPoll")[-1]
            assert call.params["type"] == "quiz" and call.params["is_anonymous"] is False
            assert [int(i) for i in call.params["correct_option_ids"]] == [poll.correct]
            assert [poll_option_text(o) for o in call.params["options"]] == [
                say(o) for o in poll.options
            ]
            assert len(call.params["explanation"]) <= POLL_EXPLANATION_LIMIT
            poll_id = call.result["poll"]["id"]
            wrong = (poll.correct + 1) % len(poll.options)
            votes = [
                fake.poll_answer(admin, poll_id, [poll.correct]),
                fake.poll_answer(player, poll_id, [poll.correct if index < 3 else wrong]),
            ]
            for vote in votes:
                await bridge.wait_handled(vote)
            await gate.next()
        await until(lambda: "Results:" in str(fake.transcript(GROUP)[-1].get("text")))
        results = fake.transcript(GROUP)[-1]["text"].split("\n")
    assert results[1:] == [f"1. {admin.first_name}: {len(polls)}", f"2. {player.first_name}: 3"]


async def test_a_member_cannot_stop_a_quiz_but_an_admin_can(fake: FakeTelegram, app: App) -> None:
    """/stopquiz from a member changes nothing; from an admin it ends with results so far."""
    admin, member = new_user("en"), new_user("en")
    group = fake.group(GROUP, "Training room")
    fake.set_admins(GROUP, [admin.id])
    gate = Gate()
    async with running(fake, app, "aiogram", "polling") as runtime:
        bridge = runtime.bridge
        bridge.quizzes = GroupQuizzes(
            bridge.delivery, app.service, seconds=5, pause=0, sleep=gate.sleep
        )
        await bridge.wait_handled(fake.send_text(admin, "/quiz labor", chat=group))
        await until(partial(polls_posted, fake, 1))
        await bridge.wait_handled(fake.send_text(member, "/stopquiz", chat=group))
        assert GROUP in bridge.quizzes.tasks
        await bridge.wait_handled(fake.send_text(admin, "/stopquiz", chat=group))
        assert GROUP not in bridge.quizzes.tasks
        last = fake.transcript(GROUP)[-1]["text"]
    assert last == "Quiz over: Labor trafficking. Nobody answered this time."
    assert len(fake.calls_to("sendPoll")) == 1
