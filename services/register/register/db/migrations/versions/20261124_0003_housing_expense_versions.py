"""Housing expenses get a version (optimistic concurrency, history) and a natural key
(lease, type, start date) so an ERP can re-submit an expense without knowing our id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "housing_expenses",
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    op.alter_column("housing_expenses", "version", server_default=None)
    op.add_column(
        "housing_expenses",
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.add_column(
        "housing_expenses",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_housing_expenses_natural_key",
        "housing_expenses",
        ["lease_id", "expense_type", "valid_from"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_housing_expenses_natural_key", table_name="housing_expenses")
    op.drop_column("housing_expenses", "updated_at")
    op.drop_column("housing_expenses", "created_at")
    op.drop_column("housing_expenses", "version")
