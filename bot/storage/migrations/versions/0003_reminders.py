"""Reminders: an encrypted chat and the next due time, only for learners who opted in

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the reminders table, deleted with its user."""
    op.create_table(
        "reminders",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.String(length=512), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_reminders_next_at", "reminders", ["next_at"])


def downgrade() -> None:
    """Drop the reminders table."""
    op.drop_index("ix_reminders_next_at", table_name="reminders")
    op.drop_table("reminders")
