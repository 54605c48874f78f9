"""Offers looked up by dwelling: a vacancy event keeps its rent in the dwelling's rent history
only when the dwelling has a social offer (the history is read only for an offer's rent
liability), so the vacancy batch asks per event whether the dwelling has one; the lease
events' ``accepted_unlet`` look-up uses the same index. Built concurrently (no lock on a
populated table's writes) and only if missing, so a retried upgrade goes on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_offers_dwelling",
            "offers",
            ["dwelling_id"],
            unique=False,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_offers_dwelling", table_name="offers", postgresql_concurrently=True, if_exists=True
        )
