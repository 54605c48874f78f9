"""The rent model's comparison narrowed to a similar resident composition (seed 001), for the
grants service's rent support (published in ``benchmarks.keyfigures.updated`` and shown by the
rent-comparison endpoint).

The rent figure's benchmark picks its comparable group (:mod:`benchmarks.domain.groups`); this
narrows that same group to the departments in the department's resident-composition band
(:func:`benchmarks.domain.groups.resident_band`). Groups are computed here only, never in the
consumers. A narrowed group smaller than the minimum group size gives no comparable rent (the
consumer then uses the rent benchmark, and says so).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db import reading as db
from benchmarks.db.models import DepartmentFiguresRow
from benchmarks.domain import figures as f
from benchmarks.domain.benchmarks import FigureResult
from benchmarks.domain.groups import LEVELS, resident_band
from benchmarks.settings import BenchmarksSettings
from common.events.contracts import ResidentComposition

BandCache = dict[tuple[object, ...], tuple[int, Decimal | None]]
"""(year, level, the level's criteria values, band) → (count, average): departments of one
publishing batch sharing a group and a band share one query."""


async def resident_composition(
    session: AsyncSession,
    settings: BenchmarksSettings,
    row: DepartmentFiguresRow,
    rent: FigureResult,
    cache: BandCache | None = None,
) -> ResidentComposition:
    share = row.municipal_allocation_share
    band = resident_band(share)
    if band is None or rent.group_level is None:
        return ResidentComposition(
            band=None if band is None else band.code,
            label=None if band is None else band.label,
            municipal_allocation_share=share,
            comparable_rent_per_m2=None,
            group_size=0,
            group_label=rent.group_label,
        )
    criteria = LEVELS[rent.group_level - 1].criteria
    key = (
        row.year,
        rent.group_level,
        tuple(getattr(row, c) for c in criteria),
        band.code,
    )
    found = None if cache is None else cache.get(key)
    if found is None:
        found = await db.band_average(
            session,
            row,
            criteria,
            f.RENT_PER_M2,
            f.MUNICIPAL_ALLOCATION_SHARE,
            band.low,
            band.high,
        )
        if cache is not None:
            cache[key] = found
    count, mean = found
    return ResidentComposition(
        band=band.code,
        label=band.label,
        municipal_allocation_share=share,
        comparable_rent_per_m2=mean if count >= settings.min_group_size else None,
        group_size=count,
        group_label=rent.group_label,
    )
