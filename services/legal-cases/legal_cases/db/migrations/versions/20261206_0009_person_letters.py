"""A party's contact e-mail (persons) and the letters this service sends them itself.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_parties", sa.Column("contact_email", sa.Text(), nullable=True))
    op.create_table(
        "person_letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("attach_decision", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_on", sa.Date(), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_person_letters_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["case_parties.id"], name=op.f("fk_person_letters_party_id_case_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_letters")),
    )
    op.create_index(op.f("ix_person_letters_case_id"), "person_letters", ["case_id"])
    op.create_index(
        "ix_person_letters_due",
        "person_letters",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_person_letters_once",
        "person_letters",
        ["case_id", "party_id", "kind", "ref"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_person_letters_once", table_name="person_letters")
    op.drop_index("ix_person_letters_due", table_name="person_letters")
    op.drop_index(op.f("ix_person_letters_case_id"), table_name="person_letters")
    op.drop_table("person_letters")
    op.drop_column("case_parties", "contact_email")
