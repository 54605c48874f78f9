"""Emptying the read model (see :mod:`benchmarks.services.rebuild`)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

READ_MODEL_TABLES: Final = (
    "departments",
    "leases",
    "rent_points",
    "vacancy_flags",
    "accounts",
    "department_figures",
    "benchmark_cells",
    "dirty_departments",
)
"""Everything derived from events; ``published_figures`` is kept (revisions keep increasing)."""


async def empty_read_model(session: AsyncSession, consumer: str) -> None:
    """Truncate the read model's tables and delete ``consumer``'s inbox rows."""
    await session.execute(text(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}"))
    await session.execute(text("DELETE FROM inbox WHERE consumer = :c"), {"c": consumer})
