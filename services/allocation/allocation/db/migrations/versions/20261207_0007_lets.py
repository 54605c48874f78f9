"""The register's new leases per dwelling (``lets``): an accepted offer ends on its dwelling's first
lease from its day of availability, whether the lease or the municipality's answer came first.
Before this revision a lease reported before the answer was not kept, and the offer stayed
accepted and unlet; the register's lease events are not replayed here, so such offers stay as
they are until their dwelling's next lease.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 17:00:00
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
        "lets",
        sa.Column("dwelling_id", sa.Text(), nullable=False),
        sa.Column("lease_id", sa.Text(), nullable=False),
        sa.Column("let_on", sa.Date(), nullable=False),
        sa.Column("allocation_type", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("dwelling_id", "lease_id", name=op.f("pk_lets")),
    )


def downgrade() -> None:
    op.drop_table("lets")
