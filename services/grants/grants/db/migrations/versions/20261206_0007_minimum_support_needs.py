"""The rent model's minimum support need per year, set by the fund (append-only revisions).

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
    op.create_table(
        "minimum_support_needs",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("amount_per_m2", sa.Numeric(10, 2), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("year", "revision", name=op.f("pk_minimum_support_needs")),
    )


def downgrade() -> None:
    op.drop_table("minimum_support_needs")
