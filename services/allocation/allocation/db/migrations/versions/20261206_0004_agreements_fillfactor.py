"""Agreements keep free space on their pages (fillfactor 20): a batch of vacancy events updates
the ``counted`` of most agreements it touches, once per batch, and with room on the page each
new row version stays on it (a HOT update: no index entries, pruned in place) instead of
growing the table and both its indexes by a row per agreement and batch.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE agreements SET (fillfactor = 20)")


def downgrade() -> None:
    op.execute("ALTER TABLE agreements RESET (fillfactor)")
