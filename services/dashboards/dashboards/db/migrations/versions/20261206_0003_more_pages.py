"""The grants, allocation and tribunal pages' read model; the governance packages' status
before sending and the municipalities' deadlines.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "grant_cases",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column(
            "organisation_ids",
            postgresql.ARRAY(sa.String(64)),
            nullable=False,
            server_default="{}",
        ),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("keys_at", TS, nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("requested_amount", MONEY, nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("prequalified_at", TS, nullable=True),
        sa.Column("reserved_amount", MONEY, nullable=True),
        sa.Column("reserved_year", sa.Integer(), nullable=True),
        sa.Column("rejected_at", TS, nullable=True),
        sa.Column("plan_approved_on", sa.Date(), nullable=True),
        sa.Column("committed_at", TS, nullable=True),
        sa.Column("committed_amount", MONEY, nullable=True),
        sa.Column("committed_year", sa.Integer(), nullable=True),
        sa.Column("stopped_at", TS, nullable=True),
        sa.Column("resumed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("application_id", name="pk_grant_cases"),
    )
    op.create_index("ix_grant_cases_organisation_id", "grant_cases", ["organisation_id"])
    op.create_index("ix_grant_cases_municipality_code", "grant_cases", ["municipality_code"])
    op.create_table(
        "offers",
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("offer_source", sa.String(16), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("opened_at", TS, nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answer_status", sa.String(16), nullable=True),
        sa.Column("lapsed_on", sa.Date(), nullable=True),
        sa.Column("rent_owed", MONEY, nullable=True),
        sa.PrimaryKeyConstraint("offer_id", name="pk_offers"),
    )
    op.create_index("ix_offers_organisation_id", "offers", ["organisation_id"])
    op.create_index("ix_offers_municipality_code", "offers", ["municipality_code"])
    op.create_table(
        "subsidies",
        sa.Column("subsidy_id", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("frame_year", sa.Integer(), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("subsidy_id", name="pk_subsidies"),
    )
    op.create_index("ix_subsidies_organisation_id", "subsidies", ["organisation_id"])
    op.create_index("ix_subsidies_municipality_code", "subsidies", ["municipality_code"])
    op.create_table(
        "subsidy_frames",
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("as_of", TS, nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", "year", name="pk_subsidy_frames"),
    )
    op.create_table(
        "tribunal_cases",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("tribunal_code", sa.String(3), nullable=False),
        sa.Column("filing_municipality_code", sa.String(3), nullable=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("notify_due", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("reply_due", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_tribunal_cases"),
    )
    op.create_index("ix_tribunal_cases_tribunal_code", "tribunal_cases", ["tribunal_code"])
    op.add_column("packages", sa.Column("editing_status", sa.String(16), nullable=True))
    op.add_column("packages", sa.Column("editing_at", TS, nullable=True))
    op.create_table(
        "package_deadlines",
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("governance_year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("set_at", TS, nullable=False),
        sa.PrimaryKeyConstraint(
            "municipality_code", "organisation_id", "governance_year", name="pk_package_deadlines"
        ),
    )


def downgrade() -> None:
    op.drop_table("package_deadlines")
    op.drop_column("packages", "editing_at")
    op.drop_column("packages", "editing_status")
    for table in ("tribunal_cases", "subsidy_frames", "subsidies", "offers", "grant_cases"):
        op.drop_table(table)
