"""The register's records: organisations, departments, building sections, dwellings, leases,
housing expenses, their version history and submissions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("cvr", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("home_municipality_code", sa.Text(), nullable=False),
        sa.Column("administered_by", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "record_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
    )
    op.create_index(
        "ix_record_versions_entity",
        "record_versions",
        ["entity_type", "entity_id", "version"],
        unique=True,
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("organisation_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.Text(), nullable=False),
        sa.Column("housing_type", sa.Text(), nullable=False),
        sa.Column("construction_year", sa.Integer(), nullable=False),
        sa.Column("building_type", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_departments_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    op.create_index(
        op.f("ix_departments_municipality_code"), "departments", ["municipality_code"], unique=False
    )
    op.create_index(
        op.f("ix_departments_organisation_id"), "departments", ["organisation_id"], unique=False
    )
    op.create_table(
        "building_sections",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("construction_year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_building_sections_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building_sections")),
    )
    op.create_index(
        op.f("ix_building_sections_department_id"),
        "building_sections",
        ["department_id"],
        unique=False,
    )
    op.create_table(
        "dwellings",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column("building_section_id", sa.Text(), nullable=True),
        sa.Column("bbr_unit_id", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("house_number", sa.Text(), nullable=False),
        sa.Column("floor", sa.Text(), nullable=True),
        sa.Column("door", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("area_m2", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("step_free_access", sa.Boolean(), nullable=True),
        sa.Column("elevator", sa.Boolean(), nullable=True),
        sa.Column("wheelchair_accessible", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["building_section_id"],
            ["building_sections.id"],
            name=op.f("fk_dwellings_building_section_id_building_sections"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_dwellings_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dwellings")),
    )
    op.create_index(
        op.f("ix_dwellings_department_id"), "dwellings", ["department_id"], unique=False
    )
    op.create_table(
        "leases",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("dwelling_id", sa.Text(), nullable=False),
        sa.Column("external_reference", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("allocation_type", sa.Text(), nullable=False),
        sa.Column("vacancy_loss_flag", sa.Boolean(), nullable=False),
        sa.Column("vacant_soon_flag", sa.Boolean(), nullable=False),
        sa.Column("deposit", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("tenant_name", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "NOT (vacancy_loss_flag AND vacant_soon_flag)", name=op.f("ck_leases_one_vacancy_flag")
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_leases_period")
        ),
        sa.ForeignKeyConstraint(
            ["dwelling_id"], ["dwellings.id"], name=op.f("fk_leases_dwelling_id_dwellings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leases")),
    )
    op.create_index(op.f("ix_leases_dwelling_id"), "leases", ["dwelling_id"], unique=False)
    op.create_index(
        "ix_leases_dwelling_period", "leases", ["dwelling_id", "start_date"], unique=False
    )
    op.create_table(
        "housing_expenses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("lease_id", sa.Text(), nullable=False),
        sa.Column("expense_type", sa.Text(), nullable=False),
        sa.Column("monthly_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("monthly_amount >= 0", name=op.f("ck_housing_expenses_amount")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_housing_expenses_period")
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_housing_expenses_lease_id_leases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_expenses")),
    )
    op.create_index(
        op.f("ix_housing_expenses_lease_id"), "housing_expenses", ["lease_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_housing_expenses_lease_id"), table_name="housing_expenses")
    op.drop_table("housing_expenses")
    op.drop_index("ix_leases_dwelling_period", table_name="leases")
    op.drop_index(op.f("ix_leases_dwelling_id"), table_name="leases")
    op.drop_table("leases")
    op.drop_index(op.f("ix_dwellings_department_id"), table_name="dwellings")
    op.drop_table("dwellings")
    op.drop_index(op.f("ix_building_sections_department_id"), table_name="building_sections")
    op.drop_table("building_sections")
    op.drop_index(op.f("ix_departments_organisation_id"), table_name="departments")
    op.drop_index(op.f("ix_departments_municipality_code"), table_name="departments")
    op.drop_table("departments")
    op.drop_table("submissions")
    op.drop_index("ix_record_versions_entity", table_name="record_versions")
    op.drop_table("record_versions")
    op.drop_table("organisations")
