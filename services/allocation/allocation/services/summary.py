"""The municipality's dashboard: open offers by age and its subsidy frames (used and left)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allocation.db.repositories import Repository
from allocation.services.roles import SUBSIDY_READERS
from allocation.services.subsidies import frames
from common.access import Scope
from common.db.uow import UnitOfWork

# (label, lowest age in days, highest age in days or None)
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6 days", 0, 6),
    ("7-13 days", 7, 13),
    ("14-29 days", 14, 29),
    ("30+ days", 30, None),
)


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


def bucket_counts(ages: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """(age in days, count) → counts per bucket, in bucket order."""
    result = []
    for label, low, high in AGE_BUCKETS:
        result.append(
            (label, sum(n for age, n in ages if age >= low and (high is None or age <= high)))
        )
    return result


async def summary(uow: UnitOfWork, scope: Scope, today: date) -> Summary:
    scope.require(SUBSIDY_READERS, "read the allocation summary")
    repo = Repository(uow.session)
    received = await repo.open_offers_by_age(scope.municipality_code)
    ages = [((today - day).days, n) for day, n in received]
    frame_rows = await frames(uow, scope, None)
    return Summary(
        scope.municipality_code,
        bucket_counts(ages),
        [FrameUse(f.municipality_code, f.year, f.dwellings, used) for f, used in frame_rows],
    )
