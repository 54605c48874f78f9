"""The tribunals' appointed members (§ 79).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tribunal_members",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("tribunal_code", sa.Text(), nullable=False),
        sa.Column("member_ref", sa.Text(), nullable=False),
        sa.Column("seat", sa.Text(), nullable=False),
        sa.Column("deputy", sa.Boolean(), nullable=False),
        sa.Column("appointed_from", sa.Date(), nullable=False),
        sa.Column("appointed_to", sa.Date(), nullable=False),
        sa.Column("law_degree", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tribunal_members")),
    )
    op.create_index(
        "ix_tribunal_members_tribunal", "tribunal_members", ["tribunal_code", "member_ref"]
    )


def downgrade() -> None:
    op.drop_index("ix_tribunal_members_tribunal", table_name="tribunal_members")
    op.drop_table("tribunal_members")
