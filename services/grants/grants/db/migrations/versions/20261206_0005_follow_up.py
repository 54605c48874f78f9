"""Follow-up after commitment: the year of a yearly status report, the one-year review.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("year", sa.Integer(), nullable=True))
    op.add_column("applications", sa.Column("review_held_on", sa.Date(), nullable=True))
    op.add_column("applications", sa.Column("review_notes", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "review_notes")
    op.drop_column("applications", "review_held_on")
    op.drop_column("attachments", "year")
