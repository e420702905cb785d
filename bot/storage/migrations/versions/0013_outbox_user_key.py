"""Outbox ordering: whose replies each outbox entry holds

Each entry names its person by their keyed id (`user_key`, the hash the users table keeps,
never a raw chat or user id), so a worker delivers one person's entries in the order they were
written, waiting while another worker still holds an earlier one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add outbox.user_key and its index."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("user_key", sa.String(length=64), nullable=True))
        batch.create_index("ix_outbox_user_key", ["user_key"])


def downgrade() -> None:
    """Drop outbox.user_key and its index."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_user_key")
        batch.drop_column("user_key")
