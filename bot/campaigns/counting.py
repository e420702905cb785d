"""What one step adds to its campaign's counts: pure, from the event, the step and the state
before it. No user id, no text: a campaign name, a metric and an amount."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.content.models import QuizResultNode
from bot.core import engine
from bot.core.effects import ClearChat, CountResourceViews
from bot.core.events import Event, Start
from bot.core.state import ConversationState
from bot.service.ports import CampaignCountRow

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


def verifying(event: Start) -> bool:
    """Say whether a start is a certificate's `verify-<code>` link (which opens nothing)."""
    return (event.payload or "").lower().startswith(engine.VERIFY_LINK)


def campaign_counts(
    content: Content | None, event: Event | None, step: engine.Step, before: ConversationState
) -> tuple[CampaignCountRow, ...]:
    """Return the campaign counts a step adds: start, module finished, resources viewed, exit.
    Starts and finished modules need the content and the event; without them only resources
    viewed and exits are counted."""
    rows: list[CampaignCountRow] = []
    after = step.state
    if content is not None and after.campaign is not None:
        if isinstance(event, Start) and not verifying(event):
            link = engine.read_payload(content, event.payload)
            if link.campaign == after.campaign:
                rows.append(CampaignCountRow(after.campaign, START))
        if reached_result(content, before, after):
            rows.append(CampaignCountRow(after.campaign, MODULE_FINISHED))
    for effect in step.effects:
        match effect:
            case CountResourceViews(ids) if after.campaign is not None and ids:
                rows.append(CampaignCountRow(after.campaign, RESOURCE_VIEWED, len(ids)))
            case ClearChat() if before.campaign is not None:
                rows.append(CampaignCountRow(before.campaign, EXIT))
    return merged(rows)


def merged(rows: list[CampaignCountRow]) -> tuple[CampaignCountRow, ...]:
    """Return the rows with one per campaign and metric (amounts added), in first-seen order."""
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        totals[row.campaign, row.metric] = totals.get((row.campaign, row.metric), 0) + row.amount
    return tuple(CampaignCountRow(c, m, n) for (c, m), n in totals.items())
