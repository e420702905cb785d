"""Certificates: serial, course, date, the chosen name; unlinked and unnamed by /forget

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the certificates table (one per user and course)."""
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("course", sa.String(length=65), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "course"),
    )


def downgrade() -> None:
    """Drop the certificates table."""
    op.drop_table("certificates")
