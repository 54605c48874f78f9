"""The vacancy period on landlords' notices (``available_from``, ``notice_to_quit_effective``): a
second notice of an apartment whose earlier notice's vacancy it overlaps is refused (409
``vacancy-already-noticed``). A vacancy that was not the municipality's opened no offer, so the
same vacancy reported twice (no Idempotency-Key, two clerks) was counted twice in the every-nth
turn. Notices that opened an offer take their period from it (not a stand-in's offer, whose
dates are the equivalent apartment's); older notices that opened none have no period and are
not compared.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("available_from", sa.Date(), nullable=True))
    op.add_column("notices", sa.Column("notice_to_quit_effective", sa.Date(), nullable=True))
    op.execute(
        """
        UPDATE notices AS n
        SET available_from = o.available_from,
            notice_to_quit_effective = o.notice_to_quit_effective
        FROM offers AS o
        WHERE o.id = n.offer_id AND o.substitutes_for IS NULL
        """
    )


def downgrade() -> None:
    op.drop_column("notices", "notice_to_quit_effective")
    op.drop_column("notices", "available_from")
