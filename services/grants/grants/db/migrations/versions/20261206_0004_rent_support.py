"""Rent support: the benchmark calculator's figures per department and year (also prefilling
the application forms), and the rent model's calculation on the case.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department_figures",
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("rent_per_m2", sa.Numeric(14, 4), nullable=True),
        sa.Column("comparable_rent_per_m2", sa.Numeric(14, 4), nullable=True),
        sa.Column("average_dwelling_size", sa.Numeric(14, 4), nullable=True),
        sa.Column("vacancy_share", sa.Numeric(14, 4), nullable=True),
        sa.Column("move_out_rate", sa.Numeric(14, 4), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name=op.f("pk_department_figures")),
    )
    op.add_column(
        "applications",
        sa.Column("rent_support", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("applications", "rent_support")
    op.drop_table("department_figures")
