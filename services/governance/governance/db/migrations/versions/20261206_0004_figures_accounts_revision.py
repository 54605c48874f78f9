"""The accounts revision a form's key figures were computed from: the send gate waits until the
figures of the reported accounts have arrived (issue 12, item 11).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("key_figures", sa.Column("accounts_revision", sa.Integer(), nullable=True))
    op.add_column("forms", sa.Column("figures_accounts_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("forms", "figures_accounts_revision")
    op.drop_column("key_figures", "accounts_revision")
