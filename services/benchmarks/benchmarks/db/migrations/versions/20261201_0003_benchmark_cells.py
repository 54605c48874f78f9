"""Benchmark cells: per year, comparison criteria and municipality, the count and sum of each
figure, so benchmarks at every widening level are read from a few cells.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "benchmark_cells",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("housing_type", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("building_type", sa.String(length=16), nullable=False),
        sa.Column("period_band", sa.String(length=16), nullable=False),
        sa.Column("size_band", sa.String(length=16), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("n_administration_cost_per_dwelling", sa.Integer(), nullable=False),
        sa.Column(
            "s_administration_cost_per_dwelling", sa.Numeric(precision=24, scale=4), nullable=False
        ),
        sa.Column("n_average_dwelling_size", sa.Integer(), nullable=False),
        sa.Column("s_average_dwelling_size", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_maintenance_per_m2", sa.Integer(), nullable=False),
        sa.Column("s_maintenance_per_m2", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_move_out_rate", sa.Integer(), nullable=False),
        sa.Column("s_move_out_rate", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_municipal_allocation_share", sa.Integer(), nullable=False),
        sa.Column(
            "s_municipal_allocation_share", sa.Numeric(precision=24, scale=4), nullable=False
        ),
        sa.Column("n_operating_cost_per_m2", sa.Integer(), nullable=False),
        sa.Column("s_operating_cost_per_m2", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_rent_per_m2", sa.Integer(), nullable=False),
        sa.Column("s_rent_per_m2", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_vacancy_loss_per_dwelling", sa.Integer(), nullable=False),
        sa.Column("s_vacancy_loss_per_dwelling", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.Column("n_vacancy_share", sa.Integer(), nullable=False),
        sa.Column("s_vacancy_share", sa.Numeric(precision=24, scale=4), nullable=False),
        sa.PrimaryKeyConstraint(
            "year",
            "housing_type",
            "region",
            "building_type",
            "period_band",
            "size_band",
            "municipality_code",
            name=op.f("pk_benchmark_cells"),
        ),
    )


def downgrade() -> None:
    op.drop_table("benchmark_cells")
