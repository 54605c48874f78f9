"""The debounced ``benchmarks.keyfigures.updated``: a department's figures are published once
no event has touched it for ``settle_seconds``, and only for the years whose figures,
benchmarks, colours or reasons differ from what was last published (a digest per
department-year), each with the next ``revision``. Written to the outbox in the same
transaction as the published revision, so the relay publishes exactly what was recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from benchmarks.db.models import DepartmentFiguresRow, DirtyDepartmentRow, PublishedFiguresRow
from benchmarks.services.benchmarking import Benchmarker, FigureResult
from benchmarks.services.figures import CLEAR_PUBLISH
from benchmarks.settings import BenchmarksSettings
from common.db.engine import Database
from common.db.uow import UnitOfWork
from common.events.contracts import CriticalColour, KeyFigure, KeyFiguresUpdatedV1, to_envelope

Clock = Callable[[], datetime]
PUBLISH_LOCK = 7_310_001  # advisory lock: one publisher at a time


def _utcnow() -> datetime:
    return datetime.now(UTC)


def key_figure(result: FigureResult) -> KeyFigure:
    return KeyFigure(
        code=result.code,
        value=result.value,
        unit=result.unit,
        benchmark=result.benchmark,
        benchmark_indexed=result.benchmark_indexed,
        colour=CriticalColour(result.colour.value),
        reason=result.reason,
    )


def digest(organisation_id: str, municipality_code: str, figures: list[KeyFigure]) -> str:
    body = {
        "organisation_id": organisation_id,
        "municipality_code": municipality_code,
        "figures": [figure.model_dump(mode="json") for figure in figures],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


async def _try_lock(uow: UnitOfWork, key: int) -> bool:
    return bool(await uow.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


async def publish_settled(
    database: Database,
    settings: BenchmarksSettings,
    *,
    clock: Clock = _utcnow,
    batch: int = 200,
) -> int:
    """One round of the publish job; returns the number of events written to the outbox."""
    published = 0
    while True:
        now = clock()
        async with UnitOfWork(database) as uow:
            if not await _try_lock(uow, PUBLISH_LOCK):
                return published
            quiet_since = now - timedelta(seconds=settings.settle_seconds)
            due = (
                await uow.session.execute(
                    select(DirtyDepartmentRow.department_id, DirtyDepartmentRow.generation)
                    .where(
                        DirtyDepartmentRow.publish,
                        ~DirtyDepartmentRow.recompute,
                        DirtyDepartmentRow.last_event_at <= quiet_since,
                    )
                    .order_by(DirtyDepartmentRow.department_id)
                    .limit(batch)
                )
            ).all()
            if not due:
                return published
            ids = [d.department_id for d in due]
            rows = (
                await uow.session.scalars(
                    select(DepartmentFiguresRow)
                    .where(DepartmentFiguresRow.department_id.in_(ids))
                    .order_by(DepartmentFiguresRow.department_id, DepartmentFiguresRow.year)
                )
            ).all()
            held = {
                (p.department_id, p.year): p
                for p in (
                    await uow.session.scalars(
                        select(PublishedFiguresRow).where(
                            PublishedFiguresRow.department_id.in_(ids)
                        )
                    )
                ).all()
            }
            benchmarker = Benchmarker(uow.session, settings)
            latest = {row.department_id: row for row in rows}  # rows are sorted by year
            for row in rows:
                await benchmarker.prefetch(latest[row.department_id], settings.history_years)
                figures = [key_figure(r) for r in await benchmarker.figures(row)]
                new_digest = digest(row.organisation_id, row.municipality_code, figures)
                before = held.get((row.department_id, row.year))
                if before is not None and before.digest == new_digest:
                    continue
                revision = 1 if before is None else before.revision + 1
                event = KeyFiguresUpdatedV1(
                    department_id=row.department_id,
                    organisation_id=row.organisation_id,
                    municipality_code=row.municipality_code,
                    year=row.year,
                    revision=revision,
                    figures=figures,
                    computed_at=now,
                )
                await uow.session.execute(
                    pg_insert(PublishedFiguresRow)
                    .values(
                        department_id=row.department_id,
                        year=row.year,
                        revision=revision,
                        digest=new_digest,
                        published_at=now,
                    )
                    .on_conflict_do_update(
                        index_elements=["department_id", "year"],
                        set_={"revision": revision, "digest": new_digest, "published_at": now},
                    )
                )
                uow.record_event(to_envelope(event))
                published += 1
            await uow.session.execute(
                CLEAR_PUBLISH, {"ids": ids, "generations": [d.generation for d in due]}
            )
            await uow.commit()
        if len(due) < batch:
            return published
