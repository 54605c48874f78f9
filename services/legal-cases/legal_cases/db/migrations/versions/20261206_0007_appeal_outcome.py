"""The appeal's outcome (upheld, changed, set aside) on the appeal row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appeals", sa.Column("outcome", sa.Text(), nullable=True))
    op.add_column("appeals", sa.Column("outcome_decided_on", sa.Date(), nullable=True))
    op.add_column("appeals", sa.Column("outcome_summary", sa.Text(), nullable=True))
    op.add_column("appeals", sa.Column("outcome_recorded_by", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("outcome_recorded_by", "outcome_summary", "outcome_decided_on", "outcome"):
        op.drop_column("appeals", column)
