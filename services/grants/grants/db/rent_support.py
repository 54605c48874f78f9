"""Queries of rent support: the minimum support need per year (append-only revisions) and the
operating-support case a rent-support case's uncovered departments were transferred to."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.models import ApplicationRow, MinimumNeedRow

_LOCK_CLASS = 9101  # advisory-lock namespace of the minimum-need revisions


class MinimumNeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, year: int) -> MinimumNeedRow | None:
        """The rate in force for ``year``: its highest revision."""
        found: MinimumNeedRow | None = await self.session.scalar(
            select(MinimumNeedRow)
            .where(MinimumNeedRow.year == year)
            .order_by(MinimumNeedRow.revision.desc())
            .limit(1)
        )
        return found

    async def all(self) -> list[MinimumNeedRow]:
        """Every revision, by year, newest revision first within a year."""
        rows = await self.session.scalars(
            select(MinimumNeedRow).order_by(MinimumNeedRow.year, MinimumNeedRow.revision.desc())
        )
        return list(rows)

    async def add(
        self, year: int, amount_per_m2: Decimal, reference: str, set_by: str
    ) -> MinimumNeedRow:
        """A new revision of ``year``'s rate (unless it repeats the one in force); concurrent
        changes of one year are serialised by a transaction-scoped advisory lock on the year,
        so each gets its own revision."""
        await self.session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, year)))
        current = await self.current(year)
        if (
            current is not None
            and current.amount_per_m2 == amount_per_m2
            and current.reference == reference
        ):
            return current  # the same rate again: idempotent, no new revision
        row = MinimumNeedRow(
            year=year,
            revision=(0 if current is None else current.revision) + 1,
            amount_per_m2=amount_per_m2,
            reference=reference,
            set_by=set_by,
        )
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row


async def transfers_of(session: AsyncSession, origin_application_id: str) -> list[ApplicationRow]:
    """The operating-support cases transferred from a rent-support case, oldest first."""
    rows = await session.scalars(
        select(ApplicationRow)
        .where(ApplicationRow.origin_application_id == origin_application_id)
        .order_by(ApplicationRow.created_at, ApplicationRow.id)
    )
    return list(rows)
