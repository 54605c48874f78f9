"""The municipality's allocations that an ERP write undid, applied again; an index on the lease
each allocation was applied to.

Until the writer kept an applied ``municipal_allocation`` type (2026-12-07), an ERP system's
later write of the lease with its own allocation type replaced it, and the allocation stayed
marked as applied: Table 1 and Figure 13 lost those re-lettings for good. This revision marks
such allocations pending again (``lease_id`` and ``applied_at`` cleared), so the worker's
``register.municipal_allocations`` job applies them once more through the writer — a new
version of the lease recorded by ``allocation:<offer id>`` and published like any lease change,
so the history shows who changed what and the read models follow. Allocations whose lease still
has the type are not touched.

The writer looks up the allocation applied to a lease by ``lease_id`` (when a write would change
a municipal lease's type); the partial index spares that look-up a scan of the table.

The downgrade drops the index; the repaired leases keep their type.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_municipal_allocations_lease",
        "municipal_allocations",
        ["lease_id"],
        postgresql_where=sa.text("lease_id IS NOT NULL"),
    )
    op.execute(
        """
        UPDATE municipal_allocations ma SET lease_id = NULL, applied_at = NULL
        FROM leases l
        WHERE l.id = ma.lease_id
          AND l.allocation_type IS DISTINCT FROM 'municipal_allocation'
        """
    )


def downgrade() -> None:
    op.drop_index("ix_municipal_allocations_lease", table_name="municipal_allocations")
