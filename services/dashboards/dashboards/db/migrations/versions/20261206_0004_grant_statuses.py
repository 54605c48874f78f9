"""The grant cases' assessment and sent plan (grants.application.assessment_started,
grants.plan.sent).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("grant_cases", sa.Column("assessment_started_at", TS, nullable=True))
    op.add_column("grant_cases", sa.Column("plan_sent_at", TS, nullable=True))


def downgrade() -> None:
    op.drop_column("grant_cases", "plan_sent_at")
    op.drop_column("grant_cases", "assessment_started_at")
