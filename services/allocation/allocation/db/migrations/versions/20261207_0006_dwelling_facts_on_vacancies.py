"""A dwelling's facts from the event that opens a vacancy are stored on the vacancy row only
(``department_id`` and ``monthly_rent`` added to ``vacancies``), not also on ``dwellings``:
a vacancy event of a new lease writes one row instead of two. ``dwellings`` keeps the facts of
the other events (a lease's later event, a lease no longer vacant), each stored only when it
is newer than every fact held for the dwelling. The dwelling as the register last described
it is the view ``current_dwellings``: the newest of its ``dwellings`` row and its vacancies;
of equal times the ``dwellings`` row (it can only have been stored before the vacancy), then
the vacancy stored first.

Rows stored before this revision stay as they are: every dwelling with a vacancy has its
``dwellings`` row, as new as its newest vacancy, so the view reads them as before. The
downgrade writes each dwelling's current facts back into ``dwellings``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vacancies", sa.Column("department_id", sa.Text(), nullable=True))
    op.add_column("vacancies", sa.Column("monthly_rent", sa.Numeric(14, 2), nullable=True))
    op.execute(
        """
        CREATE VIEW current_dwellings AS
        SELECT DISTINCT ON (f.id) f.id, f.department_id, f.organisation_id,
            f.municipality_code, f.housing_type, f.lease_id, f.vacant, f.monthly_rent,
            f.recorded_at
        FROM (
          SELECT d.id, d.department_id, d.organisation_id, d.municipality_code,
              d.housing_type, d.lease_id, d.vacant, d.monthly_rent,
              d.vacancy_recorded_at AS recorded_at, 0 AS source, CAST(0 AS bigint) AS stored
          FROM dwellings AS d
          UNION ALL
          SELECT v.dwelling_id, v.department_id, v.organisation_id, v.municipality_code,
              v.housing_type, v.lease_id, true, v.monthly_rent, v.recorded_at, 1, v.id
          FROM vacancies AS v
        ) AS f
        ORDER BY f.id, f.recorded_at DESC, f.source, f.stored
        """
    )


def downgrade() -> None:
    op.execute(
        """
        INSERT INTO dwellings AS held (id, department_id, organisation_id, municipality_code,
            housing_type, lease_id, vacant, monthly_rent, vacancy_recorded_at)
        SELECT id, department_id, organisation_id, municipality_code, housing_type, lease_id,
            vacant, monthly_rent, recorded_at
        FROM current_dwellings
        ON CONFLICT (id) DO UPDATE SET department_id = EXCLUDED.department_id,
            organisation_id = EXCLUDED.organisation_id,
            municipality_code = EXCLUDED.municipality_code,
            housing_type = EXCLUDED.housing_type, lease_id = EXCLUDED.lease_id,
            vacant = EXCLUDED.vacant, monthly_rent = EXCLUDED.monthly_rent,
            vacancy_recorded_at = EXCLUDED.vacancy_recorded_at, updated_at = now()
        WHERE held.vacancy_recorded_at < EXCLUDED.vacancy_recorded_at
        """
    )
    op.execute("DROP VIEW current_dwellings")
    op.drop_column("vacancies", "monthly_rent")
    op.drop_column("vacancies", "department_id")
