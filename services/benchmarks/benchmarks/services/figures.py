"""Recomputing departments' figures from the read model's facts (the recompute job)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import BenchmarkCellRow, DepartmentFiguresRow, DirtyDepartmentRow
from benchmarks.db.queries_figures import REGISTER_AND_ACCOUNTS
from benchmarks.domain import figures as f
from benchmarks.domain.critical import round4
from benchmarks.domain.groups import construction_period, dwelling_size_band
from common.db.engine import Database

HUNDRED = Decimal(100)
RECOMPUTE_LOCK = 7_310_002  # advisory lock: one recompute at a time


def clear_flag(flag: str) -> Any:
    """Clear ``flag`` of the departments whose generation is still the one read. A row the
    consumer holds locked is skipped, not waited for: that consumer is applying an event of the
    department, so the mark must stay (and waiting could deadlock with its batch)."""
    return text(
        f"UPDATE dirty_departments AS d SET {flag} = false "  # noqa: S608 - a fixed column name
        "WHERE d.department_id IN ("
        " SELECT dd.department_id FROM dirty_departments dd"
        " JOIN unnest(CAST(:ids AS text[]), CAST(:generations AS bigint[]))"
        "  AS m(department_id, generation)"
        "  ON dd.department_id = m.department_id AND dd.generation = m.generation"
        " FOR UPDATE OF dd SKIP LOCKED)"
    )


CLEAR_RECOMPUTE = clear_flag("recompute")
CLEAR_PUBLISH = clear_flag("publish")


def _ratio(numerator: Any, denominator: Any, factor: Decimal = Decimal(1)) -> Decimal | None:
    if numerator is None or denominator is None or Decimal(denominator) == 0:
        return None
    return round4(Decimal(numerator) * factor / Decimal(denominator))


def figures_of(row: Mapping[Any, Any]) -> dict[str, Decimal | None]:
    """The figure values of one department-year from the query's sums (see the catalogue)."""
    return {
        f.RENT_PER_M2: _ratio(row["rent_sum"], row["rented_area_sum"], Decimal(12)),
        f.VACANCY_SHARE: _ratio(row["tomgang_months"], row["dwelling_months"], HUNDRED),
        f.MOVE_OUT_RATE: (
            _ratio(row["move_outs"], row["register_dwellings"], HUNDRED)
            if row["register_dwellings"]
            else None
        ),
        f.MUNICIPAL_ALLOCATION_SHARE: _ratio(row["municipal"], row["relettings"], HUNDRED),
        f.AVERAGE_DWELLING_SIZE: (
            None if row["average_size"] is None else round4(Decimal(row["average_size"]))
        ),
        f.ADMINISTRATION_COST_PER_DWELLING: _ratio(
            row["administration_cost"], row["accounts_dwellings"]
        ),
        f.MAINTENANCE_PER_M2: _ratio(row["maintenance_cost"], row["total_area_m2"]),
        f.VACANCY_LOSS_PER_DWELLING: _ratio(row["vacancy_rent_loss"], row["accounts_dwellings"]),
        f.OPERATING_COST_PER_M2: _ratio(row["operating_cost"], row["total_area_m2"]),
    }


async def recompute(
    session: AsyncSession, department_ids: Sequence[str], *, history_years: int
) -> int:
    """Replace the figures of ``department_ids`` with freshly computed ones; returns the number
    of department-years written. A year with neither dwelling-months nor accounts has no row."""
    if not department_ids:
        return 0
    # The planner's estimates for generate_series make this look expensive enough for JIT
    # compilation, which costs far more (seconds) than the query itself (milliseconds); the
    # month sorts fit in memory with a little more work_mem.
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    result = await session.execute(
        REGISTER_AND_ACCOUNTS, {"ids": list(department_ids), "history": history_years}
    )
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for found in result.mappings():
        if not found["register_dwellings"] and found["accounts_dwellings"] is None:
            continue
        if found["organisation_id"] is None:  # pragma: no cover - every fact names its owner
            continue
        values = figures_of(found)
        construction_year = found["construction_year"]
        rows.append(
            {
                "department_id": found["department_id"],
                "year": found["year"],
                "organisation_id": found["organisation_id"],
                "municipality_code": found["municipality_code"],
                "housing_type": found["housing_type"],
                "region": found["region"],
                "building_type": found["building_type"],
                "period_band": (
                    None if construction_year is None else construction_period(construction_year)
                ),
                "size_band": dwelling_size_band(values[f.AVERAGE_DWELLING_SIZE]),
                "dwellings": int(found["register_dwellings"] or found["accounts_dwellings"] or 0),
                **values,
                "computed_at": now,
            }
        )
    removed = (
        (
            await session.execute(
                delete(DepartmentFiguresRow)
                .where(DepartmentFiguresRow.department_id.in_(list(department_ids)))
                .returning(*(getattr(DepartmentFiguresRow, c) for c in (*CELL_KEY, *f.CODES)))
            )
        )
        .mappings()
        .all()
    )
    if rows:
        await session.execute(insert(DepartmentFiguresRow), rows)
    await _update_cells(session, removed, rows)
    return len(rows)


CELL_KEY = (
    "year",
    "housing_type",
    "region",
    "building_type",
    "period_band",
    "size_band",
    "municipality_code",
)


async def _update_cells(
    session: AsyncSession, removed: Sequence[Mapping[Any, Any]], added: Sequence[Mapping[Any, Any]]
) -> None:
    """Subtract the removed department-years from their benchmark cells and add the new ones
    (exact numeric sums, so the cells equal a fresh aggregation at any time)."""
    deltas: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rows, sign in ((removed, -1), (added, 1)):
        for row in rows:
            key = tuple(row[c] if row[c] is not None else "" for c in CELL_KEY)
            delta = deltas.setdefault(
                key,
                {
                    **dict(zip(CELL_KEY, key, strict=True)),
                    **{f"n_{c}": 0 for c in f.CODES},
                    **{f"s_{c}": Decimal(0) for c in f.CODES},
                },
            )
            for code in f.CODES:
                if row[code] is not None:
                    delta[f"n_{code}"] += sign
                    delta[f"s_{code}"] += sign * Decimal(row[code])
    changed = [d for d in deltas.values() if any(d[f"n_{c}"] or d[f"s_{c}"] for c in f.CODES)]
    if not changed:
        return
    statement = pg_insert(BenchmarkCellRow)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(CELL_KEY),
            set_={
                column: getattr(BenchmarkCellRow, column) + getattr(statement.excluded, column)
                for code in f.CODES
                for column in (f"n_{code}", f"s_{code}")
            },
        ),
        changed,
    )


async def recompute_dirty(database: Database, *, history_years: int, batch: int) -> int:
    """One round of the recompute job: every department marked for recomputation, in batches;
    a department touched again meanwhile (its generation moved) stays marked. Returns the
    number of departments recomputed."""
    done = 0
    while True:
        async with database.session() as session, session.begin():
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RECOMPUTE_LOCK}
            )
            if not locked:
                return done
            marked = (
                await session.execute(
                    select(DirtyDepartmentRow.department_id, DirtyDepartmentRow.generation)
                    .where(DirtyDepartmentRow.recompute)
                    .order_by(DirtyDepartmentRow.department_id)
                    .limit(batch)
                )
            ).all()
            if not marked:
                return done
            await recompute(session, [m.department_id for m in marked], history_years=history_years)
            await session.execute(
                CLEAR_RECOMPUTE,
                {
                    "ids": [m.department_id for m in marked],
                    "generations": [m.generation for m in marked],
                },
            )
        done += len(marked)
        if len(marked) < batch:
            return done


async def mark_all_for_publishing(session: AsyncSession) -> int:
    """Make the publish job look at every department again (benchmarks move when other
    departments change; it publishes only those whose figures, benchmarks or colours differ
    from what was last published)."""
    result = await session.execute(
        update(DirtyDepartmentRow).where(~DirtyDepartmentRow.publish).values(publish=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
