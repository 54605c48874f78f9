"""The dashboards' read model: leases, dwellings, packages, department colours, revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("lease_id", sa.String(64), nullable=False),
        sa.Column("dwelling_id", sa.String(64), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("allocation_type", sa.String(40), nullable=True),
        sa.Column("monthly_rent", sa.Numeric(14, 2), nullable=True),
        sa.Column("area_m2", sa.Numeric(9, 2), nullable=True),
        sa.Column("housing_type", sa.String(16), nullable=True),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("terminated_at", TS, nullable=True),
        sa.Column("state_at", TS, nullable=False),
        sa.Column("rent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("lease_id", name="pk_leases"),
    )
    op.create_index("ix_leases_organisation_id", "leases", ["organisation_id"])
    op.create_index("ix_leases_municipality_code", "leases", ["municipality_code"])
    op.create_table(
        "dwellings",
        sa.Column("dwelling_id", sa.String(64), nullable=False),
        sa.Column("lease_id", sa.String(64), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("vacancy_loss", sa.Boolean(), nullable=False),
        sa.Column("vacant_soon", sa.Boolean(), nullable=False),
        sa.Column("state_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("dwelling_id", name="pk_dwellings"),
    )
    op.create_index("ix_dwellings_organisation_id", "dwellings", ["organisation_id"])
    op.create_index("ix_dwellings_municipality_code", "dwellings", ["municipality_code"])
    op.create_table(
        "packages",
        sa.Column("package_id", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("governance_year", sa.Integer(), nullable=False),
        sa.Column("home_municipality_code", sa.String(3), nullable=False),
        sa.Column(
            "location_municipality_codes",
            postgresql.ARRAY(sa.String(3)),
            nullable=False,
            server_default="{}",
        ),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("returned_at", TS, nullable=True),
        sa.Column("meeting_held_on", sa.Date(), nullable=True),
        sa.Column("statement_at", TS, nullable=True),
        sa.Column("red_figures", sa.Integer(), nullable=True),
        sa.Column("yellow_figures", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("package_id", name="pk_packages"),
    )
    op.create_index("ix_packages_organisation_id", "packages", ["organisation_id"])
    op.create_index("ix_packages_governance_year", "packages", ["governance_year"])
    op.create_table(
        "department_colours",
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.Column("red_codes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name="pk_department_colours"),
    )
    op.create_table(
        "model_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_revision"),
    )
    op.execute("INSERT INTO model_revision (id, revision) VALUES (1, 0)")


def downgrade() -> None:
    for table in ("model_revision", "department_colours", "packages", "dwellings", "leases"):
        op.drop_table(table)
