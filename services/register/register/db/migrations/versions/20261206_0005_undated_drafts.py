"""A draft lease (KladdeIndikator) may lack its start date and allocation type; a lease of the
register (accepted or held) never does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("leases", "start_date", nullable=True)
    op.alter_column("leases", "allocation_type", nullable=True)
    op.create_check_constraint(
        op.f("ck_leases_complete_unless_draft"),
        "leases",
        "status = 'draft' OR (start_date IS NOT NULL AND allocation_type IS NOT NULL)",
    )


def downgrade() -> None:
    # Undated drafts cannot go back into NOT NULL columns: they are dropped with their lines.
    op.execute(
        "DELETE FROM housing_expenses WHERE lease_id IN "
        "(SELECT id FROM leases WHERE start_date IS NULL OR allocation_type IS NULL)"
    )
    op.execute("DELETE FROM leases WHERE start_date IS NULL OR allocation_type IS NULL")
    op.drop_constraint(op.f("ck_leases_complete_unless_draft"), "leases", type_="check")
    op.alter_column("leases", "allocation_type", nullable=False)
    op.alter_column("leases", "start_date", nullable=False)
