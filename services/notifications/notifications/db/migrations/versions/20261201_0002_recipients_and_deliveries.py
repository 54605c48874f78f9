"""The recipient directory (addresses, opt-outs, change log) and the delivery log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("event_subject", sa.Text(), nullable=False, comment="aggregate id"),
        sa.Column(
            "organisation_id",
            sa.Text(),
            nullable=True,
            comment="the housing organisation the event is about; it may read the delivery",
        ),
        sa.Column("recipient_kind", sa.Text(), nullable=False),
        sa.Column("recipient_ref", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "lease_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="while sending: when the attempt counts as interrupted",
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("smtp_response", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "recipient_kind IN ('municipality', 'organisation')", name=op.f("ck_deliveries_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'no_address', 'opted_out')",
            name=op.f("ck_deliveries_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_deliveries_message_id")),
    )
    op.create_index("ix_deliveries_created", "deliveries", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "ix_deliveries_organisation", "deliveries", ["organisation_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_deliveries_recipient",
        "deliveries",
        ["recipient_kind", "recipient_ref", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_deliveries_event_address",
        "deliveries",
        ["event_id", "address"],
        unique=True,
        postgresql_where=sa.text("address IS NOT NULL"),
    )
    op.create_index(
        "ix_deliveries_event_recipient_without_address",
        "deliveries",
        ["event_id", "recipient_kind", "recipient_ref"],
        unique=True,
        postgresql_where=sa.text("address IS NULL"),
    )
    op.create_table(
        "recipient_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_by_role", sa.Text(), nullable=False),
        sa.Column("addresses_before", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("addresses_after", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("opt_outs_before", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("opt_outs_after", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_changes")),
    )
    op.create_index(
        "ix_recipient_changes_recipient", "recipient_changes", ["kind", "ref", "id"], unique=False
    )
    op.create_table(
        "recipients",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False, comment="municipality code or organisation id"),
        sa.Column(
            "addresses", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "opt_outs",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
            comment="event types (optional ones only) this recipient is not notified of",
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('municipality', 'organisation')", name=op.f("ck_recipients_kind")
        ),
        sa.PrimaryKeyConstraint("kind", "ref", name=op.f("pk_recipients")),
    )


def downgrade() -> None:
    op.drop_table("recipients")
    op.drop_index("ix_recipient_changes_recipient", table_name="recipient_changes")
    op.drop_table("recipient_changes")
    op.drop_index(
        "ix_deliveries_event_recipient_without_address",
        table_name="deliveries",
        postgresql_where=sa.text("address IS NULL"),
    )
    op.drop_index(
        "ix_deliveries_event_address",
        table_name="deliveries",
        postgresql_where=sa.text("address IS NOT NULL"),
    )
    op.drop_index("ix_deliveries_recipient", table_name="deliveries")
    op.drop_index("ix_deliveries_organisation", table_name="deliveries")
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_table("deliveries")
