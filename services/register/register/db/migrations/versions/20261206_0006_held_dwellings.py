"""Dwellings held by plausibility warnings until confirmed (they were refused).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_dwellings",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Text(), nullable=False),
        sa.Column(
            "record",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="the dwelling's fields as submitted (domain names)",
        ),
        sa.Column("warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False, comment="create | update | upsert"),
        sa.Column("expected_version", sa.Integer(), nullable=True),
        sa.Column("held_by", sa.Text(), nullable=False),
        sa.Column(
            "held_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_dwellings")),
    )
    op.create_index(
        op.f("ix_held_dwellings_organisation_id"), "held_dwellings", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_held_dwellings_organisation_id"), table_name="held_dwellings")
    op.drop_table("held_dwellings")
