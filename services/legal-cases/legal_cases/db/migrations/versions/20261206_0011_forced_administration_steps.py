"""Forced administration after the decision (§§ 29-42): its steps, the administrator's fee and
the end.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "forced_administrations", sa.Column("administrator_fee", sa.Text(), nullable=True)
    )
    op.add_column("forced_administrations", sa.Column("ended_on", sa.Date(), nullable=True))
    op.add_column("forced_administrations", sa.Column("end_reason", sa.Text(), nullable=True))
    op.create_table(
        "forced_administration_steps",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_forced_administration_steps_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forced_administration_steps")),
    )
    op.create_index(
        op.f("ix_forced_administration_steps_case_id"), "forced_administration_steps", ["case_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_forced_administration_steps_case_id"), table_name="forced_administration_steps"
    )
    op.drop_table("forced_administration_steps")
    op.drop_column("forced_administrations", "end_reason")
    op.drop_column("forced_administrations", "ended_on")
    op.drop_column("forced_administrations", "administrator_fee")
