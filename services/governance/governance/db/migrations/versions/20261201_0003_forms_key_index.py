"""Index on the forms' key (the department id): the key-figure consumer finds a department's
forms across packages by it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_forms_key"), "forms", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_forms_key"), table_name="forms")
