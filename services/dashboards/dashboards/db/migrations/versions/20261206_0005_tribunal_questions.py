"""The tribunal cases' question deadlines (legal_cases.case.question_deadline_changed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribunal_questions",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "question_id", name="pk_tribunal_questions"),
    )


def downgrade() -> None:
    op.drop_table("tribunal_questions")
