"""Departments' figures and the benchmark cells: the recompute query, replacing a set of
departments' rows, and adjusting the cells by the rows removed and added."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import BenchmarkCellRow, DepartmentFiguresRow
from benchmarks.db.queries_figures import REGISTER_AND_ACCOUNTS
from benchmarks.domain import figures as f
from benchmarks.domain.cells import CELL_KEY
from common.db.engine import driver_connection
from common.db.projection import insert_rows_sql, rows_json

# One fixed statement each (SQLAlchemy's bulk INSERT and executemany cost ~12 µs of the
# recompute's ~18 µs of Python per event of a catch-up, measured).
_INSERT_FIGURES = insert_rows_sql(
    "department_figures", [c.name for c in DepartmentFiguresRow.__table__.columns]
)
_ADD_TO_CELLS = insert_rows_sql(
    "benchmark_cells", [c.name for c in BenchmarkCellRow.__table__.columns]
) + "\nON CONFLICT ({}) DO UPDATE SET {}".format(
    ", ".join(CELL_KEY),
    ", ".join(
        f"{column} = held.{column} + EXCLUDED.{column}"
        for code in f.CODES
        for column in (f"n_{code}", f"s_{code}")
    ),
)


async def sums_of_departments(
    session: AsyncSession, department_ids: Sequence[str], *, history_years: int
) -> Sequence[RowMapping]:
    """Per department and year of its history, the sums its figures are computed from (see
    :mod:`benchmarks.domain.values`)."""
    # The planner's estimates for generate_series make this look expensive enough for JIT
    # compilation, which costs far more (seconds) than the query itself (milliseconds); the
    # month sorts fit in memory with a little more work_mem.
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    result = await session.execute(
        REGISTER_AND_ACCOUNTS, {"ids": list(department_ids), "history": history_years}
    )
    return result.mappings().all()


async def replace_department_figures(
    session: AsyncSession, department_ids: Sequence[str], rows: Sequence[dict[str, Any]]
) -> Sequence[RowMapping]:
    """Replace every figures row of ``department_ids`` with ``rows``; returns the cell key and
    figures of the rows removed."""
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
        driver = await driver_connection(session)
        await driver.execute(_INSERT_FIGURES, {"rows": rows_json(rows)})
    return removed


async def add_to_cells(session: AsyncSession, deltas: Sequence[dict[str, Any]]) -> None:
    """Add each delta's counts and sums to its cell (created where there is none)."""
    if deltas:
        driver = await driver_connection(session)
        await driver.execute(_ADD_TO_CELLS, {"rows": rows_json(deltas)})


async def figures_of_departments(
    session: AsyncSession, department_ids: Sequence[str]
) -> Sequence[DepartmentFiguresRow]:
    """Every figures row of ``department_ids``, by department and year."""
    rows = await session.scalars(
        select(DepartmentFiguresRow)
        .where(DepartmentFiguresRow.department_id.in_(list(department_ids)))
        .order_by(DepartmentFiguresRow.department_id, DepartmentFiguresRow.year)
    )
    return rows.all()
