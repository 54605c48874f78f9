"""Decision content (§§ 83(3), 84, 86(5)-(9)), mediation (§ 86(1)) and guidance (§ 85(5)).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("content", postgresql.JSONB(), nullable=True))
    op.add_column("cases", sa.Column("mediation_encouraged_on", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("mediation_note", sa.Text(), nullable=True))
    op.create_table(
        "case_guidance",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("given_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_guidance_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_guidance")),
    )
    op.create_index(op.f("ix_case_guidance_case_id"), "case_guidance", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_guidance_case_id"), table_name="case_guidance")
    op.drop_table("case_guidance")
    op.drop_column("cases", "mediation_note")
    op.drop_column("cases", "mediation_encouraged_on")
    op.drop_column("decisions", "content")
