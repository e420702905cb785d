"""Run live group quizzes: an admin's `/quiz <module>` posts the module's questions as quiz
polls, one after another on a timer, scores the votes and ends with a leaderboard."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable

from bot.content.polls import EXPLANATION_LIMIT, OPTION_LIMIT, QUESTION_LIMIT
from bot.core import texts
from bot.core.effects import Msg
from bot.core.group_quiz import GroupGame, group_modules, quiz_polls
from bot.i18n.catalogs import negotiate
from bot.logs import event
from bot.service.conversation import ConversationService
from bot.service.render import Renderer
from bot.transports.telegram.api import ApiBlocked, ApiRejected, QuizPollText
from bot.transports.telegram.delivery import Delivery, DeliveryFailed, as_html, with_retries
from bot.transports.telegram.updates import GroupCommand, PollAnswer

log = logging.getLogger("beacon.telegram.quiz")

QUESTION_SECONDS = 30
"""How long each poll stays open (Telegram allows 5-600)."""
PAUSE_SECONDS = 3
"""A breath between one poll closing and the next question."""
FAILURES = (DeliveryFailed, ApiRejected, ApiBlocked)
"""What a group may answer that retries cannot fix (the bot was removed, a limit...)."""
POLL_QUESTION_LIMIT = QUESTION_LIMIT
POLL_OPTION_LIMIT = OPTION_LIMIT
POLL_EXPLANATION_LIMIT = EXPLANATION_LIMIT


def clip(text: str, limit: int) -> str:
    """Return text within a Bot API limit, ending with an ellipsis when cut (a last resort:
    `content check` keeps every shipped poll text within its limit in every language)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class GroupQuizzes:
    """The quizzes running in groups (at most one per group), kept in memory only."""

    def __init__(
        self,
        delivery: Delivery,
        service: ConversationService,
        seconds: int = QUESTION_SECONDS,
        pause: float = PAUSE_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        seeds: Callable[[], str] = lambda: secrets.token_hex(8),
    ) -> None:
        """Post through `delivery` (its API and retry policy), taking modules and translations
        from `service`; each quiz orders its options by a new value from `seeds`."""
        self.delivery = delivery
        self.api = delivery.api
        self.policy = delivery.policy
        self.service = service
        self.seconds = seconds
        self.pause = pause
        self.sleep = sleep
        self.seeds = seeds
        self.games: dict[int, GroupGame] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def renderer(self, language_code: str | None) -> Renderer:
        """Return a renderer in the language of the admin who started the quiz."""
        catalogs = self.service.catalogs
        locale = negotiate(None, language_code, catalogs.codes(), self.service.default_locale)
        return Renderer(catalogs.translator(locale), locale)

    async def say(self, chat_id: int, renderer: Renderer, msg: Msg) -> None:
        """Post a message in the group, logging (not raising) a refusal."""
        try:
            await self.delivery.send(chat_id, as_html(renderer.say(msg)))
        except FAILURES as failure:
            event(log, "group_message_failed", level=logging.WARNING, reason=type(failure).__name__)

    async def command(self, command: GroupCommand) -> None:
        """Start or stop a quiz for an admin; refuse anyone else (logged without their id)."""
        renderer = self.renderer(command.language_code)
        if not await self.api.is_admin(command.chat_id, command.user_id):
            event(log, "group_quiz_refused", command=command.name)
            await self.say(command.chat_id, renderer, texts.GROUP_QUIZ_ADMINS_ONLY)
            return
        if command.name == "stopquiz":
            await self.stop(command.chat_id, renderer)
            return
        modules = group_modules(self.service.content)
        if command.argument not in modules:
            which = Msg("", ", ".join(modules), translate=False)
            await self.say(command.chat_id, renderer, texts.GROUP_QUIZ_WHICH.fill(modules=which))
            return
        if command.chat_id in self.tasks:
            await self.say(command.chat_id, renderer, texts.GROUP_QUIZ_RUNNING)
            return
        polls = quiz_polls(self.service.content, command.argument, self.seeds())
        game = GroupGame(command.argument, polls)
        self.games[command.chat_id] = game
        self.tasks[command.chat_id] = asyncio.create_task(
            self.play(command.chat_id, game, renderer)
        )
        event(log, "group_quiz_started", questions=len(game.polls))

    async def play(self, chat_id: int, game: GroupGame, renderer: Renderer) -> None:
        """Post the intro, each poll on its timer, then the leaderboard."""
        try:
            title = self.service.content.trees[game.module]
            intro = texts.GROUP_QUIZ_START.fill(
                title=Msg(
                    f"{title.id}:quiz:title", title.quiz.title if title.quiz else title.title
                ),
                count=len(game.polls),
                seconds=self.seconds,
            )
            await self.say(chat_id, renderer, intro)
            for index, poll in enumerate(game.polls):
                text = QuizPollText(
                    clip(renderer.say(poll.question), POLL_QUESTION_LIMIT),
                    tuple(clip(renderer.say(o), POLL_OPTION_LIMIT) for o in poll.options),
                    poll.correct,
                    clip(renderer.say(poll.explanation), POLL_EXPLANATION_LIMIT),
                )
                poll_id = await self.post(chat_id, text)
                game.poll_ids[poll_id] = index
                await self.sleep(self.seconds + self.pause)
            await self.say(chat_id, renderer, game.leaderboard(self.service.content))
        except FAILURES as failure:
            event(log, "group_quiz_failed", level=logging.WARNING, reason=type(failure).__name__)
        finally:
            self.tasks.pop(chat_id, None)
            self.games.pop(chat_id, None)

    async def post(self, chat_id: int, text: QuizPollText) -> str:
        """Post one quiz poll, retrying within the policy; return its poll id."""
        _, poll_id = await with_retries(
            lambda: self.api.send_quiz(chat_id, text, self.seconds), self.policy
        )
        return poll_id

    async def stop(self, chat_id: int, renderer: Renderer) -> None:
        """End a group's quiz early and post the leaderboard so far."""
        task, game = self.tasks.pop(chat_id, None), self.games.pop(chat_id, None)
        if task is None or game is None:
            await self.say(chat_id, renderer, texts.GROUP_QUIZ_NONE)
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await self.say(chat_id, renderer, game.leaderboard(self.service.content))
        event(log, "group_quiz_stopped")

    def vote(self, answer: PollAnswer) -> None:
        """Count a vote in whichever game owns the poll."""
        for game in self.games.values():
            if game.answer(answer.poll_id, answer.user_id, answer.first_name, answer.options):
                return

    async def close(self) -> None:
        """Cancel every running quiz (at shutdown)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
