"""Emptying the read model (see :mod:`dashboards.services.rebuild`)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dashboards.db.projection import bump_revision

READ_MODEL_TABLES: Final = (
    "leases",
    "dwellings",
    "packages",
    "department_colours",
    "grant_cases",
    "offers",
    "subsidies",
    "subsidy_frames",
    "tribunal_cases",
    "tribunal_questions",
    "package_deadlines",
)
"""Everything derived from events; ``model_revision`` keeps counting (pages resync)."""


async def empty_read_model(session: AsyncSession, consumer: str) -> None:
    """Truncate the read model's tables and delete ``consumer``'s inbox rows."""
    await session.execute(text(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}"))
    await session.execute(text("DELETE FROM inbox WHERE consumer = :c"), {"c": consumer})
    await bump_revision(session)  # the live pages resync to the emptied figures
