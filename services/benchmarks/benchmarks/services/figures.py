"""Recomputing departments' figures from the read model's facts (the recompute job)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db import dirty
from benchmarks.db import figures as db
from benchmarks.domain.cells import cell_deltas
from benchmarks.domain.values import department_year
from common.db.engine import Database


async def recompute(
    session: AsyncSession, department_ids: Sequence[str], *, history_years: int
) -> int:
    """Replace the figures of ``department_ids`` with freshly computed ones and adjust the
    benchmark cells; returns the number of department-years written. A year with neither
    dwelling-months nor accounts has no row."""
    if not department_ids:
        return 0
    now = datetime.now(UTC)
    rows = [
        {**row, "computed_at": now}
        for sums in await db.sums_of_departments(
            session, department_ids, history_years=history_years
        )
        if (row := department_year(sums)) is not None
    ]
    removed = await db.replace_department_figures(session, department_ids, rows)
    await db.add_to_cells(session, cell_deltas(removed, rows))
    return len(rows)


async def recompute_dirty(database: Database, *, history_years: int, batch: int) -> int:
    """One round of the recompute job: every department marked for recomputation, in batches;
    a department touched again meanwhile (its generation moved) stays marked. Returns the
    number of departments recomputed."""
    done = 0
    while True:
        async with database.session() as session, session.begin():
            if not await dirty.try_lock(session, dirty.RECOMPUTE_LOCK):
                return done
            marked = await dirty.marked_for_recompute(session, batch)
            if not marked:
                return done
            await recompute(session, [m.department_id for m in marked], history_years=history_years)
            await dirty.clear_recompute(session, marked)
        done += len(marked)
        if len(marked) < batch:
            return done


async def mark_all_for_publishing(session: AsyncSession) -> int:
    """Make the publish job look at every department again (benchmarks move when other
    departments change; it publishes only those whose figures, benchmarks or colours differ
    from what was last published)."""
    return await dirty.mark_all_for_publishing(session)
