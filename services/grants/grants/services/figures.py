"""The benchmark calculator's key figures the rent model needs (``rent_per_m2`` with its
comparable-group average, ``average_dwelling_size``), kept per department and year. The
comparable groups are computed by the calculator only; grants keeps its results."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import KeyFiguresUpdatedV1
from grants.db.repositories import MasterDataRepository

RENT_PER_M2 = "rent_per_m2"
AVERAGE_DWELLING_SIZE = "average_dwelling_size"


async def apply_key_figures(session: AsyncSession, event: KeyFiguresUpdatedV1) -> bool:
    figures = {f.code: f for f in event.figures}
    rent = figures.get(RENT_PER_M2)
    size = figures.get(AVERAGE_DWELLING_SIZE)
    return await MasterDataRepository(session).apply_key_figures(
        {
            "department_id": event.department_id,
            "year": event.year,
            "revision": event.revision,
            "rent_per_m2": rent.value if rent else None,
            "comparable_rent_per_m2": rent.benchmark if rent else None,
            "average_dwelling_size": size.value if size else None,
            "computed_at": event.computed_at,
        }
    )
