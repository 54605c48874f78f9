"""Indexes of the read side at national scale: the history queries' JSON keys on
``record_versions``, re-lettings by start date, and the flagged leases of the vacancy listing
and the monthly vacancy counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_record_versions_data_dwelling_id",
        "record_versions",
        ["entity_type", sa.text("(data ->> 'dwelling_id')")],
    )
    op.create_index(
        "ix_record_versions_data_lease_id",
        "record_versions",
        ["entity_type", sa.text("(data ->> 'lease_id')")],
    )
    op.create_index("ix_leases_start_date", "leases", ["start_date"])
    op.create_index(
        "ix_leases_vacant_soon",
        "leases",
        ["dwelling_id"],
        postgresql_where=sa.text("vacant_soon_flag AND status = 'accepted'"),
    )
    op.create_index(
        "ix_leases_vacancy_loss",
        "leases",
        ["dwelling_id"],
        postgresql_where=sa.text("vacancy_loss_flag AND status = 'accepted'"),
    )


def downgrade() -> None:
    op.drop_index("ix_leases_vacancy_loss", table_name="leases")
    op.drop_index("ix_leases_vacant_soon", table_name="leases")
    op.drop_index("ix_leases_start_date", table_name="leases")
    op.drop_index("ix_record_versions_data_lease_id", table_name="record_versions")
    op.drop_index("ix_record_versions_data_dwelling_id", table_name="record_versions")
