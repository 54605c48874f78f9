"""§ 82(2): the landlord's fee cancelled when the appeal changes or sets aside the decision.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("fees", sa.Column("cancelled_on", sa.Date(), nullable=True))
    op.add_column("fees", sa.Column("cancelled_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("fees", "cancelled_reason")
    op.drop_column("fees", "cancelled_on")
