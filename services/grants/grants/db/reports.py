"""Queries of the yearly reporting beside the statements' own (in ``repositories``): the
yearly statuses past their deadline and not yet reported overdue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.models import StatementRow


async def newly_overdue_statuses(
    session: AsyncSession, today: date, limit: int
) -> list[StatementRow]:
    """Years whose status on goals, indicators and activities is past its deadline, not
    received and not yet reported overdue; locked (SKIP LOCKED), so two rounds never report
    the same one."""
    return list(
        await session.scalars(
            select(StatementRow)
            .where(
                StatementRow.due_on < today,
                StatementRow.status_received_on.is_(None),
                StatementRow.status_overdue_at.is_(None),
            )
            .order_by(StatementRow.due_on, StatementRow.application_id, StatementRow.year)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
