"""Campaign counts are effects the engine emits last: a start, a finished module, resources
shown and an exit, each for the campaign the conversation carries, one per campaign and metric."""

from __future__ import annotations

import datetime as dt

from bot.core.campaign_counts import (
    EXIT,
    MODULE_FINISHED,
    RESOURCE_VIEWED,
    START,
    campaign_counts,
    merged,
)
from bot.core.codec import Callback, Op, encode
from bot.core.effects import ClearChat, CountCampaign, CountResourceViews, Effect
from bot.core.engine import step
from bot.core.events import Command, Start, Tap
from bot.core.state import ConversationState, Position
from bot.testing.fixture_content import CONTENT

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
FAIR = ConversationState(7, Position("main", "home"), campaign="fair")


def counts(effects: tuple[Effect, ...]) -> list[CountCampaign]:
    """Return the campaign counts among effects."""
    return [e for e in effects if isinstance(e, CountCampaign)]


def test_a_start_whose_link_carries_the_campaign_counts_last() -> None:
    """`/start report-fair` counts one start for "fair", after everything it shows."""
    result = step(CONTENT, ConversationState(), Start("report-fair"), NOW)
    assert result.effects[-1] == CountCampaign("fair", START)
    assert counts(result.effects) == [CountCampaign("fair", START)]


def test_a_start_in_a_language_counts_for_the_campaign_without_the_language() -> None:
    """`report-fair-es` counts a start for "fair"."""
    result = step(CONTENT, ConversationState(), Start("report-fair-es"), NOW)
    assert counts(result.effects) == [CountCampaign("fair", START)]


def test_a_start_without_the_campaign_counts_nothing_even_while_carrying_it() -> None:
    """A plain `/start report` keeps the campaign carried from before but is no new start."""
    result = step(CONTENT, FAIR, Start("report"), NOW)
    assert result.state.campaign == "fair"
    assert counts(result.effects) == []


def test_a_verify_link_counts_nothing() -> None:
    """`verify-fair` checks a certificate code; it is no start of a campaign named "fair"."""
    result = step(CONTENT, FAIR, Start("verify-fair"), NOW)
    assert counts(result.effects) == []


def test_no_campaign_no_counts() -> None:
    """A conversation that carries no campaign counts nothing, even on resources or an exit."""
    state = ConversationState(7, Position("report", "start"))
    shown = step(CONTENT, state, Tap(encode(Callback(7, Op.CHOOSE, "0"))), NOW)
    assert any(isinstance(e, CountResourceViews) for e in shown.effects)
    assert counts(shown.effects) == []
    assert counts(step(CONTENT, state, Command("exit"), NOW).effects) == []


def test_arriving_at_a_quiz_result_finishes_a_module() -> None:
    """The step onto a quiz result counts one finished module; showing it again does not."""
    state = ConversationState(7, Position("quiz", "q2"), answered=1, campaign="fair")
    result = step(CONTENT, state, Tap(encode(Callback(7, Op.NEXT))), NOW)
    assert result.state.at == Position("quiz", "result")
    assert counts(result.effects) == [CountCampaign("fair", MODULE_FINISHED)]
    again = step(CONTENT, result.state, Command("unknown"), NOW)
    assert counts(again.effects) == []


def test_resources_shown_count_one_per_resource() -> None:
    """Showing resources counts each resource shown, as one row."""
    state = ConversationState(7, Position("report", "start"), campaign="fair")
    result = step(CONTENT, state, Tap(encode(Callback(7, Op.CHOOSE, "0"))), NOW)
    [views] = [e for e in result.effects if isinstance(e, CountResourceViews)]
    assert views.resource_ids
    expected = CountCampaign("fair", RESOURCE_VIEWED, len(views.resource_ids))
    assert counts(result.effects) == [expected]


def test_an_exit_counts_for_the_campaign_carried_before_it() -> None:
    """`/exit` clears the campaign and counts one exit for it."""
    result = step(CONTENT, FAIR, Command("exit"), NOW)
    assert result.state.campaign is None
    assert result.effects == (ClearChat(), CountCampaign("fair", EXIT))


def test_counts_are_merged_one_per_campaign_and_metric() -> None:
    """Two showings of resources in one step are one row with the amounts added."""
    effects = (CountResourceViews(("a", "b")), CountResourceViews(("c",)), ClearChat())
    after = ConversationState(campaign="fair")
    found = campaign_counts(CONTENT, Command("menu"), FAIR, after, effects)
    assert found == (CountCampaign("fair", RESOURCE_VIEWED, 3), CountCampaign("fair", EXIT))
    assert merged([CountCampaign("a", START), CountCampaign("a", START, 2)]) == (
        CountCampaign("a", START, 3),
    )
