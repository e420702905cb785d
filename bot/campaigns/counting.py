"""The metrics a campaign counts; the engine decides them (`bot.core.campaign_counts`) and
emits them as `CountCampaign` effects, which the service stores."""

from __future__ import annotations

from bot.core.campaign_counts import EXIT, METRICS, MODULE_FINISHED, RESOURCE_VIEWED, START

__all__ = ["EXIT", "METRICS", "MODULE_FINISHED", "RESOURCE_VIEWED", "START"]
