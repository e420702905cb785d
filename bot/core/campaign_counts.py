"""What one step adds to its campaign's counts, emitted by the engine as its last effects: pure,
from the content, the event, the states before and after and the step's effects. No user id, no
text: a campaign name, a metric and an amount."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.bundle import Content
from bot.content.models import QuizResultNode
from bot.core.effects import ClearChat, CountCampaign, CountResourceViews, Effect
from bot.core.events import Event, Start
from bot.core.links import VERIFY_LINK, read_payload
from bot.core.state import ConversationState

START = "start"
"""A `/start` whose deep link carries the campaign."""
MODULE_FINISHED = "module_finished"
"""A quiz result reached while the conversation carries the campaign."""
RESOURCE_VIEWED = "resource_viewed"
"""Resources shown (one per resource) while the conversation carries the campaign."""
EXIT = "exit"
"""An exit (the chat cleared) while the conversation carried the campaign."""
METRICS = (START, MODULE_FINISHED, RESOURCE_VIEWED, EXIT)


def reached_result(content: Content, before: ConversationState, after: ConversationState) -> bool:
    """Say whether the step moved onto a quiz result screen."""
    if after.at is None or after.at == before.at:
        return False
    return isinstance(content.node(after.at.tree, after.at.node), QuizResultNode)


def linked_campaign(content: Content, event: Event) -> str | None:
    """Return the campaign a `/start` deep link carries; None for any other event and for a
    certificate's `verify-<code>` link (which opens nothing)."""
    if not isinstance(event, Start) or (event.payload or "").lower().startswith(VERIFY_LINK):
        return None
    return read_payload(content, event.payload).campaign


def campaign_counts(
    content: Content,
    event: Event,
    before: ConversationState,
    after: ConversationState,
    effects: Iterable[Effect],
) -> tuple[CountCampaign, ...]:
    """Return the counts a step adds, one per campaign and metric: a start, a module finished,
    resources viewed, an exit."""
    counts: list[CountCampaign] = []
    if after.campaign is not None:
        if linked_campaign(content, event) == after.campaign:
            counts.append(CountCampaign(after.campaign, START))
        if reached_result(content, before, after):
            counts.append(CountCampaign(after.campaign, MODULE_FINISHED))
    for effect in effects:
        match effect:
            case CountResourceViews(ids) if after.campaign is not None and ids:
                counts.append(CountCampaign(after.campaign, RESOURCE_VIEWED, len(ids)))
            case ClearChat() if before.campaign is not None:
                counts.append(CountCampaign(before.campaign, EXIT))
    return merged(counts)


def merged(counts: Iterable[CountCampaign]) -> tuple[CountCampaign, ...]:
    """Return the counts with one per campaign and metric (amounts added), in first-seen order."""
    totals: dict[tuple[str, str], int] = {}
    for count in counts:
        key = (count.campaign, count.metric)
        totals[key] = totals.get(key, 0) + count.amount
    return tuple(CountCampaign(c, m, n) for (c, m), n in totals.items())
