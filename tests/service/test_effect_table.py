"""One table gives every effect its meaning: a test fails when an effect type has no handler,
and the handlers add up to the rows a step stores and the messages it sends."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from typing import get_args

import pytest

from bot.core import texts
from bot.core.campaign_counts import EXIT, START
from bot.core.effects import (
    AdminReport,
    CountCampaign,
    Effect,
    ForgetUser,
    IssueCertificate,
    JoinOrg,
    Msg,
    Notice,
    SaveAnswer,
    SetLocale,
)
from bot.core.engine import Step
from bot.core.state import ConversationState
from bot.service.effects import HANDLERS, Turn, play, unhandled
from bot.service.messages import Reply
from bot.service.outbox import MakeAdminReport, MakeCertificate
from bot.service.ports import CampaignCountRow, Loaded, OrgWrites, QuizAnswerRow, Writes
from bot.service.render import Renderer

ENGLISH = Renderer(gettext.NullTranslations(), "en")
LOADED = Loaded(user_id=1, locale=None, state=None, revision=None)


@dataclass(frozen=True, slots=True)
class Shout:
    """An effect someone added to the union and forgot to handle."""

    text: str


def test_every_effect_type_has_a_handler() -> None:
    """Each class of the `Effect` union has its row in the table."""
    assert unhandled(Effect) == []


def test_a_new_effect_without_a_handler_is_found() -> None:
    """An effect added to the union with no handler is named by the check."""
    assert unhandled(Effect | Shout) == [Shout]


def test_the_table_holds_only_effects() -> None:
    """No handler waits for a type the engine never emits."""
    assert set(HANDLERS) == set(get_args(Effect))


def test_playing_an_unhandled_effect_fails_loudly() -> None:
    """An effect with no handler is never silently skipped."""
    with pytest.raises(KeyError):
        play([Shout("hey")], Turn())  # type: ignore[list-item]


def test_a_step_adds_up_to_its_writes_and_its_messages_in_order() -> None:
    """Answers, language, memberships and counts are stored; certificates come first, then
    the messages in the engine's order, then the admin figures."""
    effects: tuple[Effect, ...] = (
        AdminReport(),
        Notice(Msg("", "Hello", translate=False)),
        SaveAnswer("quiz", "q1", 0, True),
        SetLocale("es"),
        JoinOrg(4, 2),
        IssueCertificate("learn:menu", Msg("", "Course", translate=False), "Ada"),
        CountCampaign("fair", START),
        CountCampaign("fair", EXIT),
    )
    turn = play(effects, Turn(mark_start=lambda campaign: f"once:{campaign}"))
    after = ConversationState(revision=3)
    writes = turn.writes(Step(after, effects), ConversationState(), LOADED)
    assert writes == Writes(
        state=after.to_dict(),
        revision=3,
        answers=(QuizAnswerRow("quiz", "q1", 0, True),),
        locale="es",
        campaign_counts=(
            CampaignCountRow("fair", START, once="once:fair"),
            CampaignCountRow("fair", EXIT),
        ),
        orgs=OrgWrites(joins=(JoinOrg(4, 2),)),
    )
    assert turn.items(ENGLISH) == [
        MakeCertificate("learn:menu", "Ada"),
        Reply("Hello"),
        MakeAdminReport(),
    ]


def test_admin_figures_are_refused_in_a_group() -> None:
    """In a group chat the admin report becomes a kind refusal, rendered in the step's language."""
    turn = play([AdminReport()], Turn(private=False))
    assert turn.items(ENGLISH) == [Reply(ENGLISH.say(texts.ADMIN_PRIVATE_ONLY))]


def test_forgetting_stores_nothing_else() -> None:
    """A step that forgets the user writes only the deletion, whatever else it holds."""
    effects: tuple[Effect, ...] = (SaveAnswer("quiz", "q1", 0, True), ForgetUser())
    turn = play(effects, Turn())
    writes = turn.writes(Step(ConversationState(revision=1), effects), ConversationState(), LOADED)
    assert writes == Writes(forget=True)
