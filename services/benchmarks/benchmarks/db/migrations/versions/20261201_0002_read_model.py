"""The read model: departments, leases, rent points, vacancy flags and accounts as the events
told them; department figures per year; dirty departments and published revisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("accounts_year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("package_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("total_area_m2", sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column("administration_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("maintenance_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("vacancy_rent_loss", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("operating_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "accounts_year", name=op.f("pk_accounts")),
    )
    op.create_index("ix_accounts_accounts_year", "accounts", ["accounts_year"], unique=False)
    op.create_table(
        "department_figures",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("housing_type", sa.String(length=16), nullable=True),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("building_type", sa.String(length=16), nullable=True),
        sa.Column("period_band", sa.String(length=16), nullable=True),
        sa.Column("size_band", sa.String(length=16), nullable=True),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("rent_per_m2", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("vacancy_share", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("move_out_rate", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("municipal_allocation_share", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("average_dwelling_size", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column(
            "administration_cost_per_dwelling", sa.Numeric(precision=14, scale=4), nullable=True
        ),
        sa.Column("maintenance_per_m2", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("vacancy_loss_per_dwelling", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("operating_cost_per_m2", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name=op.f("pk_department_figures")),
    )
    op.create_index(
        "ix_department_figures_group",
        "department_figures",
        ["year", "housing_type", "region", "building_type", "period_band", "size_band"],
        unique=False,
    )
    op.create_index(
        "ix_department_figures_municipality",
        "department_figures",
        ["municipality_code", "year"],
        unique=False,
    )
    op.create_index(
        "ix_department_figures_organisation",
        "department_figures",
        ["organisation_id", "year"],
        unique=False,
    )
    op.create_table(
        "departments",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("housing_type", sa.String(length=16), nullable=False),
        sa.Column("building_type", sa.String(length=16), nullable=False),
        sa.Column("construction_year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_departments")),
    )
    op.create_table(
        "dirty_departments",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("recompute", sa.Boolean(), nullable=False),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_dirty_departments")),
    )
    op.create_table(
        "leases",
        sa.Column("lease_id", sa.String(length=64), nullable=False),
        sa.Column("dwelling_id", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("allocation_type", sa.String(length=32), nullable=False),
        sa.Column("area_m2", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("housing_type", sa.String(length=16), nullable=True),
        sa.Column("state_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lease_id", name=op.f("pk_leases")),
    )
    op.create_index("ix_leases_department_id", "leases", ["department_id"], unique=False)
    op.create_index("ix_leases_dwelling_id", "leases", ["dwelling_id"], unique=False)
    op.create_table(
        "published_figures",
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name=op.f("pk_published_figures")),
    )
    op.create_table(
        "rent_points",
        sa.Column("lease_id", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("monthly_rent", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lease_id", "effective_from", name=op.f("pk_rent_points")),
    )
    op.create_table(
        "vacancy_flags",
        sa.Column("lease_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vacancy_loss_flag", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("lease_id", "recorded_at", name=op.f("pk_vacancy_flags")),
    )


def downgrade() -> None:
    op.drop_table("vacancy_flags")
    op.drop_table("rent_points")
    op.drop_table("published_figures")
    op.drop_index("ix_leases_dwelling_id", table_name="leases")
    op.drop_index("ix_leases_department_id", table_name="leases")
    op.drop_table("leases")
    op.drop_table("dirty_departments")
    op.drop_table("departments")
    op.drop_index("ix_department_figures_organisation", table_name="department_figures")
    op.drop_index("ix_department_figures_municipality", table_name="department_figures")
    op.drop_index("ix_department_figures_group", table_name="department_figures")
    op.drop_table("department_figures")
    op.drop_index("ix_accounts_accounts_year", table_name="accounts")
    op.drop_table("accounts")
