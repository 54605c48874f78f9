"""§ 5 decisions on social dwellings: a vacancy report may be derived from the register's
vacancy (``vacancy_id``, one report per vacancy) so the municipality can allocate or extend.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vacancy_reports", sa.Column("vacancy_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint("uq_vacancy_reports_vacancy_id", "vacancy_reports", ["vacancy_id"])


def downgrade() -> None:
    op.drop_constraint("uq_vacancy_reports_vacancy_id", "vacancy_reports", type_="unique")
    op.drop_column("vacancy_reports", "vacancy_id")
