"""Forced administration decisions (§§ 27-31).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forced_administrations",
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("ordered_works_due", sa.Date(), nullable=False),
        sa.Column("gi_works_on", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("gi_declined_on", sa.Date(), nullable=True),
        sa.Column("administrator", sa.Text(), nullable=False),
        sa.Column("works_deadline", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_forced_administrations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_forced_administrations")),
    )


def downgrade() -> None:
    op.drop_table("forced_administrations")
