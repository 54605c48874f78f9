"""Platform tables, the example's things and the crash tests' witness table.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from common.db.migrations import create_platform_tables, drop_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op)
    op.create_table(
        "things",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("organisation_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        # Named explicitly: with a list as target_metadata (run_env), op.create_table does not
        # apply the naming convention by itself.
        sa.PrimaryKeyConstraint("id", name=op.f("pk_things")),
    )
    op.create_table(
        "applied_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("event_id", sa.UUID, nullable=False),
        sa.Column(
            "applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applied_events")),
    )


def downgrade() -> None:
    op.drop_table("applied_events")
    op.drop_table("things")
    drop_platform_tables(op)
