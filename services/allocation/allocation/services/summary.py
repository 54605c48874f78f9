"""The municipality's dashboard: open offers by age and its subsidy frames (used and left)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allocation.db.models import FrameRow
from allocation.db.repositories import Repository
from allocation.domain.offers import bucket_counts
from allocation.services.roles import SUBSIDY_READERS
from common.access import Scope
from common.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FrameUse:
    municipality_code: str
    year: int
    dwellings: int
    used: int


@dataclass(frozen=True, slots=True)
class Summary:
    municipality_code: str | None
    open_offers_by_age: list[tuple[str, int]]
    frames: list[FrameUse]


async def summary(uow: UnitOfWork, scope: Scope, today: date) -> Summary:
    scope.require(SUBSIDY_READERS, "read the allocation summary")
    repo = Repository(uow.session)
    received = await repo.open_offers_by_age(scope.municipality_code)
    ages = [(max((today - day).days, 0), n) for day, n in received]  # never negative
    frame_rows = await repo.frames(scope.filter(None, FrameRow.municipality_code), None)
    return Summary(
        scope.municipality_code,
        bucket_counts(ages),
        [FrameUse(f.municipality_code, f.year, f.dwellings, used) for f, used in frame_rows],
    )
