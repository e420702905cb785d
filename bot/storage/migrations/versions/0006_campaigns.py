"""Campaigns: the deep links outreach posters carry, and their per-day counts (no user link)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the campaigns table and the campaign_counts table (campaign, metric, day)."""
    op.create_table(
        "campaigns",
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("entry", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "campaign_counts",
        sa.Column("campaign", sa.String(length=24), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign"], ["campaigns.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign", "metric", "day"),
    )


def downgrade() -> None:
    """Drop the campaign tables."""
    op.drop_table("campaign_counts")
    op.drop_table("campaigns")
