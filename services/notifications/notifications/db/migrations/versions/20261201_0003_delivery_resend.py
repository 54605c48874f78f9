"""Deliveries remember who asked for them to be sent again (operations' resend).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
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
        "deliveries",
        sa.Column(
            "resend_requested_by",
            sa.Text(),
            nullable=True,
            comment="who asked operations to send it again (token subject), if anyone",
        ),
    )
    op.add_column(
        "deliveries",
        sa.Column("resend_requested_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("deliveries", "resend_requested_at")
    op.drop_column("deliveries", "resend_requested_by")
