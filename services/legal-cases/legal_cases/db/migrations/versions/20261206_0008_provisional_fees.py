"""Fees record the index figure they rest on and whether it was carried forward (provisional).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("fees", sa.Column("index_year", sa.Integer(), nullable=True))
    op.add_column(
        "fees", sa.Column("provisional", sa.Boolean(), nullable=False, server_default="false")
    )


def downgrade() -> None:
    op.drop_column("fees", "provisional")
    op.drop_column("fees", "index_year")
