"""An organization's employee id format: a bounded regular expression and an example

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add organizations.id_pattern and organizations.id_example (both optional)."""
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("id_pattern", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("id_example", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop the id format columns."""
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("id_example")
        batch.drop_column("id_pattern")
