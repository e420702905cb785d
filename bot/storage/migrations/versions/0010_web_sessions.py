"""Web chat sessions: keyed, with their sealed page history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the web_sessions table."""
    op.create_table(
        "web_sessions",
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("keep", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("history", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("session_key"),
    )
    op.create_index("ix_web_sessions_last_seen_at", "web_sessions", ["last_seen_at"])


def downgrade() -> None:
    """Drop the web_sessions table."""
    op.drop_index("ix_web_sessions_last_seen_at", table_name="web_sessions")
    op.drop_table("web_sessions")
