"""The yearly status on goals, indicators and activities gets the yearly reporting deadline:
per statement year, when the status was received, its newest upload and when it was reported
overdue. Statuses uploaded before this migration count as received on their first upload's
Copenhagen day.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("statements", sa.Column("status_received_on", sa.Date(), nullable=True))
    op.add_column("statements", sa.Column("status_attachment_id", sa.Text(), nullable=True))
    op.add_column(
        "statements",
        sa.Column("status_overdue_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        """
        UPDATE statements AS s
        SET status_received_on = (u.first_at AT TIME ZONE 'Europe/Copenhagen')::date,
            status_attachment_id = u.newest_id
        FROM (
            SELECT application_id, year, min(uploaded_at) AS first_at,
                   (array_agg(id ORDER BY uploaded_at DESC, id DESC))[1] AS newest_id
            FROM attachments
            WHERE kind = 'yearly_status' AND year IS NOT NULL
            GROUP BY application_id, year
        ) AS u
        WHERE s.application_id = u.application_id AND s.year = u.year
        """
    )


def downgrade() -> None:
    op.drop_column("statements", "status_overdue_at")
    op.drop_column("statements", "status_attachment_id")
    op.drop_column("statements", "status_received_on")
