"""The tribunal cases' suspensions and rejections (legal_cases.case.deadlines_moved,
legal_cases.case.rejected).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tribunal_cases", sa.Column("rejected_on", sa.Date(), nullable=True))
    op.add_column("tribunal_cases", sa.Column("suspended", sa.Boolean(), nullable=True))
    op.add_column("tribunal_cases", sa.Column("suspension_changes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("tribunal_cases", "suspension_changes")
    op.drop_column("tribunal_cases", "suspended")
    op.drop_column("tribunal_cases", "rejected_on")
