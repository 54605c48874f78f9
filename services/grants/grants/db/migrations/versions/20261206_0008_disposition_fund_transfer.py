"""Operating-support cases: a rent-support case's departments not covered, transferred to the
national disposition fund (origin case, decision reason).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("origin_application_id", sa.Text(), nullable=True))
    op.add_column("applications", sa.Column("decision_reason", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_applications_origin_application_id"),
        "applications",
        ["origin_application_id"],
        unique=False,
    )
    op.create_foreign_key(
        op.f("fk_applications_origin_application_id_applications"),
        "applications",
        "applications",
        ["origin_application_id"],
        ["id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_applications_origin_application_id_applications"),
        "applications",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_applications_origin_application_id"), table_name="applications")
    op.drop_column("applications", "decision_reason")
    op.drop_column("applications", "origin_application_id")
