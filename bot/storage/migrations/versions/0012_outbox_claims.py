"""Outbox claims: which worker delivers each outbox entry

Many workers share one outbox: the worker that writes an entry, or a sweep that claims it
(FOR UPDATE SKIP LOCKED on PostgreSQL), names itself in `claimed_by` and holds the entry until
`next_at`; a restarted worker takes its own entries back at once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add outbox.claimed_by."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop outbox.claimed_by."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
