"""Shared building blocks of the use cases: the clock, ids, the case log."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def now() -> datetime:
    return datetime.now(UTC)


def danish_day(moment: datetime) -> date:
    """The calendar day in Denmark at ``moment`` (deadlines are Danish days)."""
    return moment.astimezone(COPENHAGEN).date()


def today() -> date:
    return danish_day(now())


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"
