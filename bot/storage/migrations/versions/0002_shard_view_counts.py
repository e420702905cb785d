"""Shard resource view counters so concurrent writers rarely wait on one row

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `shard` to the counters' key, keeping existing counts in shard 0."""
    op.create_table(
        "resource_view_counts_v2",
        sa.Column("resource_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "day", "shard"),
    )
    op.execute(
        "INSERT INTO resource_view_counts_v2 (resource_id, day, shard, views) "
        "SELECT resource_id, day, 0, views FROM resource_view_counts"
    )
    op.drop_table("resource_view_counts")
    op.rename_table("resource_view_counts_v2", "resource_view_counts")


def downgrade() -> None:
    """Fold the shards back into one counter per resource and day."""
    op.create_table(
        "resource_view_counts_v1",
        sa.Column("resource_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "day"),
    )
    op.execute(
        "INSERT INTO resource_view_counts_v1 (resource_id, day, views) "
        "SELECT resource_id, day, SUM(views) FROM resource_view_counts GROUP BY resource_id, day"
    )
    op.drop_table("resource_view_counts")
    op.rename_table("resource_view_counts_v1", "resource_view_counts")
