"""Queries of the municipality's accepted social offers (``municipal_allocations``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from register.db.models import MunicipalAllocationRow

# Each pending allocation of the dwellings with the lease it applies to: the dwelling's first
# lease starting on or after the day it was at the municipality's disposal — not a special
# vacancy (tomgang) lease, not a draft. Allocations whose lease is not reported yet are left.
_PENDING_WITH_LEASE = text(
    """
    SELECT ma.offer_id, ma.municipality_code, l.id AS lease_id
    FROM municipal_allocations ma
    CROSS JOIN LATERAL (
        SELECT l.id FROM leases l
        WHERE l.dwelling_id = ma.dwelling_id
          AND l.start_date >= ma.available_from
          AND NOT l.vacancy_loss_flag
          AND l.status <> 'draft'
        ORDER BY l.start_date, l.id
        LIMIT 1
    ) l
    WHERE ma.lease_id IS NULL
      AND (CAST(:dwelling_ids AS text[]) IS NULL OR ma.dwelling_id = ANY(:dwelling_ids))
    ORDER BY ma.answered_at, ma.offer_id
    LIMIT :limit
    FOR UPDATE OF ma SKIP LOCKED
    """
)


class MunicipalAllocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        offer_id: str,
        dwelling_id: str,
        municipality_code: str,
        available_from: date,
        answered_at: datetime,
    ) -> None:
        """Record an accepted offer once (a redelivered event changes nothing)."""
        await self.session.execute(
            insert(MunicipalAllocationRow)
            .values(
                offer_id=offer_id,
                dwelling_id=dwelling_id,
                municipality_code=municipality_code,
                available_from=available_from,
                answered_at=answered_at,
            )
            .on_conflict_do_nothing(index_elements=["offer_id"])
        )

    async def pending_with_lease(
        self, dwelling_ids: Collection[str] | None, limit: int
    ) -> list[tuple[str, str, str]]:
        """(offer id, municipality code, lease id) of pending allocations whose lease is
        reported — of these dwellings, or of any — locked until the transaction ends (rows
        another transaction holds are skipped: it is applying them)."""
        rows = await self.session.execute(
            _PENDING_WITH_LEASE,
            {
                "dwelling_ids": None if dwelling_ids is None else list(dwelling_ids),
                "limit": limit,
            },
        )
        return [(r.offer_id, r.municipality_code, r.lease_id) for r in rows]

    async def count_pending(self) -> int:
        """Accepted offers whose re-letting lease the register has not received yet."""
        result = await self.session.execute(
            text("SELECT count(*) FROM municipal_allocations WHERE lease_id IS NULL")
        )
        return int(result.scalar_one())

    async def applied_to(self, lease_ids: Collection[str]) -> dict[str, MunicipalAllocationRow]:
        """The allocation applied to each of these leases (the first answered, if several)."""
        rows = await self.session.scalars(
            select(MunicipalAllocationRow)
            .where(MunicipalAllocationRow.lease_id.in_(lease_ids))
            .order_by(MunicipalAllocationRow.answered_at, MunicipalAllocationRow.offer_id)
        )
        applied: dict[str, MunicipalAllocationRow] = {}
        for row in rows:
            assert row.lease_id is not None
            applied.setdefault(row.lease_id, row)
        return applied

    async def mark_applied(self, offer_id: str, lease_id: str) -> None:
        await self.session.execute(
            text(
                "UPDATE municipal_allocations SET lease_id = :lease_id, applied_at = now() "
                "WHERE offer_id = :offer_id"
            ),
            {"offer_id": offer_id, "lease_id": lease_id},
        )
