"""Deadline reminders: when a party was reminded of a deadline (once per deadline).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_deadlines", sa.Column("reminded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("case_deadlines", "reminded_on")
