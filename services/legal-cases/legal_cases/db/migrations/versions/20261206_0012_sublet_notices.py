"""§ 86(7)-(8): subtenants' notices of a sublessor's non-compliance.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sublet_notices",
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("noticed_by", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("documented_on", sa.Date(), nullable=True),
        sa.Column("landlord_told_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sublet_notices_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_sublet_notices")),
    )


def downgrade() -> None:
    op.drop_table("sublet_notices")
