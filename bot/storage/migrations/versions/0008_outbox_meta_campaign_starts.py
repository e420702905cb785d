"""Outbox, database metadata and campaign start markers

The outbox holds what an update must still send, sealed, written with the update's state and
deleted once delivered. beacon_meta keeps the fingerprint of the user-key secret (a keyed hash,
never the secret). campaign_starts holds short-lived keyed markers so one person's /start
counts once per campaign and day, with no link to the count.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create outbox, beacon_meta and campaign_starts."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_next_at", "outbox", ["next_at"])
    op.create_table(
        "beacon_meta",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "campaign_starts",
        sa.Column("marker", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("marker"),
    )
    op.create_index("ix_campaign_starts_day", "campaign_starts", ["day"])


def downgrade() -> None:
    """Drop campaign_starts, beacon_meta and outbox."""
    op.drop_index("ix_campaign_starts_day", table_name="campaign_starts")
    op.drop_table("campaign_starts")
    op.drop_table("beacon_meta")
    op.drop_index("ix_outbox_next_at", table_name="outbox")
    op.drop_table("outbox")
