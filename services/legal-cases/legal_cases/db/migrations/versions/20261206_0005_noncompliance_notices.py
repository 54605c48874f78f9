"""Parties' notices of non-compliance with a final decision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "noncompliance_notices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("noticed_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_noncompliance_notices_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_noncompliance_notices")),
    )
    op.create_index(op.f("ix_noncompliance_notices_case_id"), "noncompliance_notices", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_noncompliance_notices_case_id"), table_name="noncompliance_notices")
    op.drop_table("noncompliance_notices")
