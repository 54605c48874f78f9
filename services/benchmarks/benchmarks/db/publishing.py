"""What was last published per department and year (revision and digest), and recording a
new publication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import AccountsRow, PublishedFiguresRow


async def published_of(
    session: AsyncSession, department_ids: Sequence[str]
) -> dict[tuple[str, int], PublishedFiguresRow]:
    """The last publication of each department-year of ``department_ids``."""
    rows = await session.scalars(
        select(PublishedFiguresRow).where(PublishedFiguresRow.department_id.in_(department_ids))
    )
    return {(p.department_id, p.year): p for p in rows.all()}


async def record_published(
    session: AsyncSession,
    department_id: str,
    year: int,
    *,
    revision: int,
    digest: str,
    published_at: datetime,
) -> None:
    """Store the revision and digest just published for the department-year."""
    await session.execute(
        pg_insert(PublishedFiguresRow)
        .values(
            department_id=department_id,
            year=year,
            revision=revision,
            digest=digest,
            published_at=published_at,
        )
        .on_conflict_do_update(
            index_elements=["department_id", "year"],
            set_={"revision": revision, "digest": digest, "published_at": published_at},
        )
    )


async def accounts_revisions_of(
    session: AsyncSession, department_ids: Sequence[str]
) -> dict[tuple[str, int], int]:
    """The revision of each department-year's reported accounts held, for ``department_ids``."""
    rows = await session.execute(
        select(AccountsRow.department_id, AccountsRow.accounts_year, AccountsRow.revision).where(
            AccountsRow.department_id.in_(department_ids)
        )
    )
    return {(r.department_id, r.accounts_year): r.revision for r in rows}
