"""The municipality's accepted social offers (from the allocation service's events), so the
lease that re-lets the dwelling carries the allocation type municipal_allocation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipal_allocations",
        sa.Column("offer_id", sa.Text(), nullable=False),
        sa.Column("dwelling_id", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.Text(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_id", sa.Text(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_municipal_allocations")),
    )
    op.create_index(
        "ix_municipal_allocations_pending",
        "municipal_allocations",
        ["dwelling_id"],
        postgresql_where=sa.text("lease_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_municipal_allocations_pending", table_name="municipal_allocations")
    op.drop_table("municipal_allocations")
