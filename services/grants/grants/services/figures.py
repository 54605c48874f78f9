"""The benchmark calculator's key figures the grants service uses, kept per department and
year: ``rent_per_m2`` with its comparable-group average and ``average_dwelling_size`` (the rent
model), ``vacancy_share`` and ``move_out_rate`` (prefilling the application forms). The
comparable groups are computed by the calculator only; grants keeps its results. Figures that
arrive after a draft including the department was created prefill its form then."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from common.events.contracts import KeyFigure, KeyFiguresUpdatedV1
from grants.db.repositories import MasterDataRepository
from grants.services.applications import prefill_new_figures

RENT_PER_M2 = "rent_per_m2"
AVERAGE_DWELLING_SIZE = "average_dwelling_size"
VACANCY_SHARE = "vacancy_share"
MOVE_OUT_RATE = "move_out_rate"


def value_of(figures: dict[str, KeyFigure], code: str) -> Decimal | None:
    found = figures.get(code)
    return found.value if found else None


async def apply_key_figures(session: AsyncSession, event: KeyFiguresUpdatedV1) -> bool:
    figures = {f.code: f for f in event.figures}
    rent = figures.get(RENT_PER_M2)
    size = figures.get(AVERAGE_DWELLING_SIZE)
    applied = await MasterDataRepository(session).apply_key_figures(
        {
            "department_id": event.department_id,
            "year": event.year,
            "revision": event.revision,
            "rent_per_m2": rent.value if rent else None,
            "comparable_rent_per_m2": rent.benchmark if rent else None,
            "average_dwelling_size": size.value if size else None,
            "vacancy_share": value_of(figures, VACANCY_SHARE),
            "move_out_rate": value_of(figures, MOVE_OUT_RATE),
            "resident_composition": (
                None
                if event.resident_composition is None
                else event.resident_composition.model_dump(mode="json")
            ),
            "computed_at": event.computed_at,
        }
    )
    if applied:
        await prefill_new_figures(session, event.department_id)
    return applied
