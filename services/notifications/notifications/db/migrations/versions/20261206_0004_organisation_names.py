"""The register's housing organisations, for their names in messages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("home_municipality_code", sa.Text(), nullable=False),
        sa.Column("administered_by", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "name",
            sa.Text(),
            nullable=True,
            comment="BoligorganisationNavn; null until the register sends it",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_index(
        op.f("ix_organisations_administered_by"), "organisations", ["administered_by"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_organisations_administered_by"), table_name="organisations")
    op.drop_table("organisations")
