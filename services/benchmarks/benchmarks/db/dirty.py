"""The dirty marks (departments to recompute / to publish) and the jobs' advisory locks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Row, TextClause, exists, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.db.models import DirtyDepartmentRow, PublishedFiguresRow

PUBLISH_LOCK: Final = 7_310_001  # advisory lock: one publisher at a time
RECOMPUTE_LOCK: Final = 7_310_002  # advisory lock: one recompute at a time


async def try_lock(session: AsyncSession, key: int) -> bool:
    """Take the transaction-scoped advisory lock ``key`` if it is free."""
    return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


def _clear(flag: str) -> TextClause:
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


_CLEAR_RECOMPUTE: Final = _clear("recompute")
_CLEAR_PUBLISH: Final = _clear("publish")

Mark = Row[str, int]
"""(department_id, generation) of a dirty mark as read."""


async def marked_for_recompute(session: AsyncSession, limit: int) -> Sequence[Mark]:
    """Up to ``limit`` departments marked for recomputation, by id."""
    return (
        await session.execute(
            select(DirtyDepartmentRow.department_id, DirtyDepartmentRow.generation)
            .where(DirtyDepartmentRow.recompute)
            .order_by(DirtyDepartmentRow.department_id)
            .limit(limit)
        )
    ).all()


async def due_for_publishing(
    session: AsyncSession, quiet_since: Any, published_since: Any, limit: int
) -> Sequence[Mark]:
    """Up to ``limit`` departments recomputed and marked for publishing that are either quiet
    (touched by no event since ``quiet_since``) or not published since ``published_since`` (the
    leading edge: a lone change goes out at once), by id."""
    recently_published = exists().where(
        PublishedFiguresRow.department_id == DirtyDepartmentRow.department_id,
        PublishedFiguresRow.published_at > published_since,
    )
    return (
        await session.execute(
            select(DirtyDepartmentRow.department_id, DirtyDepartmentRow.generation)
            .where(
                DirtyDepartmentRow.publish,
                ~DirtyDepartmentRow.recompute,
                or_(DirtyDepartmentRow.last_event_at <= quiet_since, ~recently_published),
            )
            .order_by(DirtyDepartmentRow.department_id)
            .limit(limit)
        )
    ).all()


def _ids_and_generations(marks: Sequence[Mark]) -> dict[str, list[Any]]:
    return {
        "ids": [m.department_id for m in marks],
        "generations": [m.generation for m in marks],
    }


async def clear_recompute(session: AsyncSession, marks: Sequence[Mark]) -> None:
    """Unmark the departments recomputed, unless an event touched them since they were read."""
    await session.execute(_CLEAR_RECOMPUTE, _ids_and_generations(marks))


async def clear_publish(session: AsyncSession, marks: Sequence[Mark]) -> None:
    """Unmark the departments published, unless an event touched them since they were read."""
    await session.execute(_CLEAR_PUBLISH, _ids_and_generations(marks))


async def mark_all_for_publishing(session: AsyncSession) -> int:
    """Mark every department for publishing; returns how many were not marked."""
    result = await session.execute(
        update(DirtyDepartmentRow).where(~DirtyDepartmentRow.publish).values(publish=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
