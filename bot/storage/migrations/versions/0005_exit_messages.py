"""Exit messages: the ids exit deletes, under the chat's keyed hash, kept for 48 hours

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the exit_messages table (one row per chat and message id)."""
    op.create_table(
        "exit_messages",
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key", "message_id"),
    )
    op.create_index("ix_exit_messages_sent_at", "exit_messages", ["sent_at"])


def downgrade() -> None:
    """Drop the exit_messages table."""
    op.drop_index("ix_exit_messages_sent_at", table_name="exit_messages")
    op.drop_table("exit_messages")
