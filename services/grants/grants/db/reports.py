"""Queries of the yearly reporting beside the statements' own (in ``repositories``): the
yearly statuses past their deadline and not yet reported overdue."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.models import StatementRow
from grants.db.repositories import lock_overdue


async def newly_overdue_statuses(
    session: AsyncSession, today: date, limit: int
) -> list[StatementRow]:
    """Years whose status on goals, indicators and activities is past its deadline, not
    received and not yet reported overdue; locked with their applications
    (:func:`~grants.db.repositories.lock_overdue`)."""
    return await lock_overdue(
        session,
        limit,
        StatementRow.due_on < today,
        StatementRow.status_received_on.is_(None),
        StatementRow.status_overdue_at.is_(None),
    )
