"""The statistics cube: per department the stock on a date and the move-outs and re-lettings of
a year, each stamped with the snapshot it was computed in, the rendered data sheets, and the
change log that tells when a
stamped row no longer holds (issue 17, goal 4; ``register.db.statistics_cube``).

The change log is written by statement-level triggers on ``organisations``, ``departments``,
``dwellings``, ``leases`` and ``housing_expenses`` in the writing transaction itself, so every path that changes those tables
(the set-based writer, the bulk path, a consumer, a hand-written fix) keeps the cube exact
without a hook of its own. One row per department and transaction (``ON CONFLICT DO
NOTHING``): inserting never waits on another transaction, so the triggers add no lock.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the SELECT of department ids from a transition table called {rows})
_SOURCES = {
    # names in the data sheet, a department's municipality, housing type and organisation
    "organisations": "SELECT dep.id AS department_id FROM {rows} r "
    "JOIN departments dep ON dep.organisation_id = r.id",
    "departments": "SELECT r.id AS department_id FROM {rows} r",
    "dwellings": "SELECT r.department_id FROM {rows} r",
    "leases": "SELECT d.department_id FROM {rows} r JOIN dwellings d ON d.id = r.dwelling_id",
    "housing_expenses": (
        "SELECT d.department_id FROM {rows} r JOIN leases l ON l.id = r.lease_id "
        "JOIN dwellings d ON d.id = l.dwelling_id"
    ),
}
_LOG = """
        INSERT INTO stat_changes (department_id, xid)
        SELECT DISTINCT s.department_id, pg_current_xact_id()::text::bigint
        FROM ({select}) s
        ON CONFLICT DO NOTHING;"""


def _function(table: str) -> str:
    select = _SOURCES[table]
    return f"""
CREATE FUNCTION stat_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM stat_stock;
        DELETE FROM stat_year;
        DELETE FROM stat_answers;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN{_LOG.format(select=select.format(rows="new_rows"))}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN{_LOG.format(select=select.format(rows="old_rows"))}
    END IF;
    RETURN NULL;
END
$$"""  # noqa: S608 — only module constants are interpolated


def upgrade() -> None:
    op.create_table(
        "stat_changes",
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column(
            "xid",
            sa.BigInteger(),
            nullable=False,
            comment="pg_current_xact_id() of the changing transaction",
        ),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("department_id", "xid", name=op.f("pk_stat_changes")),
    )
    op.create_table(
        "stat_stock",
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False, comment="pg_current_snapshot()"),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("area_sum", sa.Numeric(), nullable=False),
        sa.Column("let_dwellings", sa.Integer(), nullable=False),
        sa.Column("rent_sum", sa.Numeric(), nullable=False),
        sa.Column("let_area_sum", sa.Numeric(), nullable=False),
        sa.Column("band_under_3500", sa.Integer(), nullable=False),
        sa.Column("band_3500_4499", sa.Integer(), nullable=False),
        sa.Column("band_4500_6500", sa.Integer(), nullable=False),
        sa.Column("band_over_6500", sa.Integer(), nullable=False),
        sa.Column("band_no_rent", sa.Integer(), nullable=False),
        sa.Column("in_force", sa.Integer(), nullable=False),
        sa.Column("municipal", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("on", "department_id", name=op.f("pk_stat_stock")),
    )
    op.create_table(
        "stat_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False, comment="pg_current_snapshot()"),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("move_outs", sa.Integer(), nullable=False),
        sa.Column(
            "relettings",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="allocation type → count (only counts > 0)",
        ),
        sa.PrimaryKeyConstraint("year", "department_id", name=op.f("pk_stat_year")),
    )
    op.create_table(
        "stat_answers",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False, comment="pg_current_snapshot()"),
        sa.Column(
            "department_ids",
            postgresql.ARRAY(sa.Text()),
            nullable=False,
            comment="the departments the answer sums",
        ),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stat_answers")),
    )
    for table in _SOURCES:
        op.execute(_function(table))
        for event in ("INSERT", "UPDATE", "DELETE"):
            transitions = {
                "INSERT": "NEW TABLE AS new_rows",
                "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
                "DELETE": "OLD TABLE AS old_rows",
            }[event]
            op.execute(
                f"CREATE TRIGGER stat_log_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {transitions} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION stat_log_{table}()"
            )
        op.execute(
            f"CREATE TRIGGER stat_log_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION stat_log_{table}()"
        )


def downgrade() -> None:
    for table in _SOURCES:
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER stat_log_{event} ON {table}")
        op.execute(f"DROP FUNCTION stat_log_{table}()")
    op.drop_table("stat_answers")
    op.drop_table("stat_year")
    op.drop_table("stat_stock")
    op.drop_table("stat_changes")
